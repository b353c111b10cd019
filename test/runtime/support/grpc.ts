// A small gRPC client for the runtime's tests: unary calls with bytes in and
// out (so tests can send malformed protobuf), typed helpers built on the
// generated messages, and the status a failed call ended with.
import { create, fromBinary, toBinary, type DescMessage, type MessageInitShape, type MessageShape } from '@bufbuild/protobuf';
import { Client, credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { GRPCInferenceService, ModelInferRequestSchema, ModelInferResponseSchema } from '../../../runtime/src/grpc/gen/grpc_predict_v2_pb.ts';

const identity = (b: Buffer): Buffer => b;

export class GrpcTestClient {
  readonly client: Client;
  constructor(port: number, options: Record<string, number> = {}) {
    this.client = new Client(`127.0.0.1:${port}`, credentials.createInsecure(), { 'grpc.max_receive_message_length': -1, ...options });
  }

  /** Sends `bytes` to `/service/method` and resolves with the reply's bytes, or rejects with the ServiceError. */
  /** `cancel` aborting cancels the call (the client gives up, as a user's Ctrl-C would). */
  raw(path: string, bytes: Uint8Array, deadlineMs = 20_000, cancel?: AbortSignal): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const call = this.client.makeUnaryRequest(path, identity, identity, Buffer.from(bytes), new Metadata(), { deadline: Date.now() + deadlineMs }, (error, reply) =>
        error ? reject(error) : resolve(reply as Buffer),
      );
      cancel?.addEventListener('abort', () => call.cancel(), { once: true });
    });
  }

  /** A typed call of GRPCInferenceService (or another service's method, by full path). */
  async call<I extends DescMessage, O extends DescMessage>(method: string, input: I, init: MessageInitShape<I>, output: O): Promise<MessageShape<O>> {
    const path = method.startsWith('/') ? method : `/${GRPCInferenceService.typeName}/${method}`;
    const reply = await this.raw(path, toBinary(input, create(input, init)));
    return fromBinary(output, reply);
  }

  close(): void {
    this.client.close();
  }
}

/** The ServiceError a promise rejected with (fails the test when it resolved). */
export async function grpcFailure(promise: Promise<unknown>): Promise<ServiceError> {
  try {
    await promise;
  } catch (error) {
    return error as ServiceError;
  }
  throw new Error('the call succeeded; a failure was expected');
}

/** A ModelInfer call's reply together with its trailing metadata (the two arrive in either order). */
export function inferWithTrailer(client: GrpcTestClient, request: MessageShape<typeof ModelInferRequestSchema>): Promise<{ reply: MessageShape<typeof ModelInferResponseSchema>; trailer: Metadata }> {
  return new Promise((resolve, reject) => {
    let reply: Buffer | undefined;
    let trailer: Metadata | undefined;
    const settle = () => {
      if (reply !== undefined && trailer !== undefined) resolve({ reply: fromBinary(ModelInferResponseSchema, reply), trailer });
    };
    const call = client.client.makeUnaryRequest(`/${GRPCInferenceService.typeName}/ModelInfer`, identity, identity, Buffer.from(toBinary(ModelInferRequestSchema, request)), (error, value) => {
      if (error) reject(error);
      reply = value as Buffer;
      settle();
    });
    call.on('status', (s) => {
      trailer = s.metadata;
      settle();
    });
  });
}
