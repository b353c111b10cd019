// A grpc-js service definition from a protobuf-es service descriptor, so the
// generated code (gen/) is the only description of the wire format. Requests
// arrive undecoded: handlers parse them, so malformed protobuf becomes
// INVALID_ARGUMENT with a message (grpc-js would answer a bare INTERNAL).
import { toBinary, type DescMessage, type DescService, type MessageShape } from '@bufbuild/protobuf';
import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';

export function serviceDefinition(service: DescService): ServiceDefinition {
  const definition: Record<string, MethodDefinition<Buffer, unknown>> = {};
  for (const method of service.methods) {
    const output: DescMessage = method.output;
    definition[method.name] = {
      path: `/${service.typeName}/${method.name}`,
      requestStream: method.methodKind === 'client_streaming' || method.methodKind === 'bidi_streaming',
      responseStream: method.methodKind === 'server_streaming' || method.methodKind === 'bidi_streaming',
      requestSerialize: (bytes: Buffer) => bytes,
      requestDeserialize: (bytes: Buffer) => bytes,
      responseSerialize: (message: unknown) => {
        const bytes = toBinary(output, message as MessageShape<typeof output>);
        return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      },
      responseDeserialize: (bytes: Buffer) => bytes,
      originalName: method.localName,
    };
  }
  return definition;
}
