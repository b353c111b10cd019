// The runtime's error family (HTTP-style statuses, errors.ts) as gRPC status
// codes, so both front ends fail the same requests the same way.
import { status as Status } from '@grpc/grpc-js';

export function grpcCodeOf(httpStatus: number): Status {
  if (httpStatus === 404) return Status.NOT_FOUND;
  if (httpStatus === 413) return Status.RESOURCE_EXHAUSTED;
  if (httpStatus === 503) return Status.UNAVAILABLE;
  if (httpStatus >= 400 && httpStatus < 500) return Status.INVALID_ARGUMENT;
  return Status.INTERNAL;
}
