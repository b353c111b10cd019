// The request bodies the benchmark sends (one MLP row per request, as a v2
// JSON body, with the binary tensor data extension, or as a gRPC
// ModelInferRequest with raw contents) and a decoder for the reply, used once
// per server to check it computes the right logits before any load is put on it.
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { ModelInferRequestSchema, ModelInferResponseSchema } from '../../runtime/src/grpc/gen/grpc_predict_v2_pb.ts';

export type Format = 'json' | 'binary' | 'grpc';

export const GRPC_INFER = '/inference.GRPCInferenceService/ModelInfer';

/** A ModelInferRequest for one row, its tensor in raw_input_contents (what performance-minded gRPC clients send). */
export function grpcInferRequest(modelName: string, inputName: string, row: Float32Array): Buffer {
  const message = create(ModelInferRequestSchema, {
    modelName,
    inputs: [{ name: inputName, datatype: 'FP32', shape: [1n, BigInt(row.length)] }],
    rawInputContents: [new Uint8Array(row.buffer, row.byteOffset, row.byteLength)],
  });
  return Buffer.from(toBinary(ModelInferRequestSchema, message));
}

/** Extracts a float output from a ModelInferResponse's raw_output_contents. */
export function decodeGrpcOutput(reply: Uint8Array, outputName: string): Float32Array {
  const response = fromBinary(ModelInferResponseSchema, reply);
  const index = response.outputs.findIndex((o) => o.name === outputName);
  const bytes = response.rawOutputContents[index];
  if (index < 0 || bytes === undefined) throw new Error(`gRPC reply has no output ${outputName}`);
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

export interface BenchRequest {
  body: Buffer;
  headers: Record<string, string>;
}

export function inferRequest(format: Exclude<Format, 'grpc'>, inputName: string, row: Float32Array): BenchRequest {
  const shape = [1, row.length];
  if (format === 'json') {
    const body = { inputs: [{ name: inputName, datatype: 'FP32', shape, data: Array.from(row) }] };
    return { body: Buffer.from(JSON.stringify(body)), headers: { 'content-type': 'application/json' } };
  }
  const header = Buffer.from(
    JSON.stringify({
      inputs: [{ name: inputName, datatype: 'FP32', shape, parameters: { binary_data_size: row.byteLength } }],
      parameters: { binary_data_output: true },
    }),
  );
  const data = Buffer.from(row.buffer, row.byteOffset, row.byteLength);
  return {
    body: Buffer.concat([header, data]),
    headers: {
      'content-type': 'application/octet-stream',
      'inference-header-content-length': String(header.length),
    },
  };
}

interface OutputHeader {
  name: string;
  shape: number[];
  data?: number[];
  parameters?: { binary_data_size?: number };
}

/** Extracts a float output from a v2 reply, JSON or binary-extension. */
export function decodeOutput(body: Buffer, headerLength: string | null, outputName: string): Float32Array {
  const jsonPart = headerLength === null ? body : body.subarray(0, Number(headerLength));
  const reply = JSON.parse(jsonPart.toString('utf8')) as { outputs?: OutputHeader[] };
  let offset = jsonPart.length;
  for (const output of reply.outputs ?? []) {
    const size = output.parameters?.binary_data_size;
    if (output.name === outputName) {
      if (size === undefined) return Float32Array.from(output.data ?? []);
      const bytes = body.subarray(offset, offset + size);
      return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + size));
    }
    offset += size ?? 0;
  }
  throw new Error(`reply has no output ${outputName}: ${jsonPart.toString('utf8').slice(0, 200)}`);
}
