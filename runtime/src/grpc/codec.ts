// The Open Inference Protocol's gRPC messages to and from the runtime's
// protocol-neutral request (protocol/types.ts). Decoding maps each input's
// raw bytes or typed `contents` field onto the same RawInput the REST codecs
// produce, so validation (protocol/validation.ts) is one code path for every
// front end. Outputs always travel as raw_output_contents, as Triton does:
// standard clients read them, and it avoids a per-element copy.
import { create, fromBinary, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import { InvalidInputError } from '../errors.ts';
import { encodeBinaryData } from '../protocol/binary.ts';
import { isDatatype, type Datatype } from '../protocol/datatypes.ts';
import { parseShape } from '../protocol/shape.ts';
import type { InferRequest, ModelSpec, Tensor } from '../protocol/types.ts';
import { bindInferRequest } from '../protocol/validation.ts';
import type { RawInput } from '../protocol/v2-json.ts';
import {
  ModelInferRequestSchema,
  ModelInferResponseSchema,
  ModelMetadataResponseSchema,
  type InferTensorContents,
  type ModelInferRequest,
  type ModelInferResponse,
  type ModelMetadataResponse,
} from './gen/grpc_predict_v2_pb.ts';

type ContentsField = Exclude<keyof InferTensorContents, '$typeName' | '$unknown'>;

/** The typed `contents` field each datatype travels in (FP16 has none: raw only). */
const CONTENTS_FIELD: Readonly<Record<Datatype, ContentsField | undefined>> = {
  BOOL: 'boolContents',
  INT8: 'intContents',
  INT16: 'intContents',
  INT32: 'intContents',
  INT64: 'int64Contents',
  UINT8: 'uintContents',
  UINT16: 'uintContents',
  UINT32: 'uintContents',
  UINT64: 'uint64Contents',
  FP16: undefined,
  FP32: 'fp32Contents',
  FP64: 'fp64Contents',
  BYTES: 'bytesContents',
};

const SNAKE: Readonly<Record<ContentsField, string>> = {
  boolContents: 'bool_contents',
  intContents: 'int_contents',
  int64Contents: 'int64_contents',
  uintContents: 'uint_contents',
  uint64Contents: 'uint64_contents',
  fp32Contents: 'fp32_contents',
  fp64Contents: 'fp64_contents',
  bytesContents: 'bytes_contents',
};

const utf8 = new TextDecoder('utf-8');

/** Parses a request message; malformed protobuf is the client's error (INVALID_ARGUMENT), not ours. */
export function parseMessage<Desc extends DescMessage>(schema: Desc, bytes: Uint8Array): MessageShape<Desc> {
  try {
    return fromBinary(schema, bytes);
  } catch (error) {
    throw new InvalidInputError(`the request is not a valid ${schema.typeName}: ${error instanceof Error ? error.message.slice(0, 200) : 'parse error'}`);
  }
}

export function decodeInferRequest(bytes: Uint8Array): ModelInferRequest {
  return parseMessage(ModelInferRequestSchema, bytes);
}

function shapeOf(dims: readonly bigint[], what: string): number[] {
  return parseShape(
    dims.map((d) => (d >= 0n && d <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(d) : -1)),
    what,
  );
}

/** The listed elements of one input's typed contents, checked to use the field of its datatype only. */
function listedData(contents: InferTensorContents | undefined, datatype: Datatype, what: string): unknown[] {
  const field = CONTENTS_FIELD[datatype];
  if (contents) {
    for (const other of Object.keys(SNAKE) as ContentsField[]) {
      if (other !== field && contents[other].length > 0) {
        throw new InvalidInputError(
          `${what}: datatype ${datatype} ${field ? `takes contents.${SNAKE[field]}` : 'travels only in raw_input_contents'}, but contents.${SNAKE[other]} is set`,
        );
      }
    }
  }
  if (!field) throw new InvalidInputError(`${what}: datatype ${datatype} travels only in raw_input_contents`);
  const data = contents?.[field] ?? [];
  // BYTES elements are strings inside the runtime, as in the REST codecs.
  return field === 'bytesContents' ? (data as Uint8Array[]).map((b) => utf8.decode(b)) : (data as unknown[]);
}

/** Binds a decoded ModelInferRequest to the model (`messageBytes` bounds listed element counts). */
export function bindGrpcRequest(message: ModelInferRequest, model: ModelSpec, messageBytes: number): InferRequest {
  const raws = message.rawInputContents;
  if (raws.length > 0 && raws.length !== message.inputs.length) {
    throw new InvalidInputError(`raw_input_contents has ${raws.length} entries for ${message.inputs.length} inputs; give one per input, in the order of 'inputs'`);
  }
  const inputs: RawInput[] = message.inputs.map((input, i) => {
    if (input.name === '') throw new InvalidInputError(`inputs[${i}]: 'name' must be a non-empty string`);
    const what = `input '${input.name}'`;
    if (!isDatatype(input.datatype)) throw new InvalidInputError(`${what}: unsupported datatype ${JSON.stringify(input.datatype.slice(0, 32))}`);
    const shape = shapeOf(input.shape, what);
    const raw = raws[i];
    if (raw !== undefined) {
      if (input.contents) throw new InvalidInputError(`${what}: has both contents and raw_input_contents; use one`);
      return { name: input.name, datatype: input.datatype, shape, data: undefined, binaryDataSize: undefined, raw };
    }
    return { name: input.name, datatype: input.datatype, shape, data: listedData(input.contents, input.datatype, what), binaryDataSize: undefined };
  });
  return bindInferRequest(
    {
      id: message.id === '' ? undefined : message.id,
      inputs,
      outputs: message.outputs.length === 0 ? undefined : message.outputs.map((o, i) => {
        if (o.name === '') throw new InvalidInputError(`outputs[${i}]: 'name' must be a non-empty string`);
        return { name: o.name, binary: undefined };
      }),
      binaryOutput: false,
    },
    model,
    messageBytes,
    undefined,
  );
}

/** Response parameters (fallback, out_of_range; see core.ts answerMarks): booleans as bool_param, lists as a comma-joined string_param. */
function parametersOf(parameters: Readonly<Record<string, boolean | string[]>> | undefined) {
  return Object.fromEntries(
    Object.entries(parameters ?? {}).map(([name, value]) => [
      name,
      { parameterChoice: typeof value === 'boolean' ? { case: 'boolParam' as const, value } : { case: 'stringParam' as const, value: value.join(',') } },
    ]),
  );
}

export function encodeInferResponse(model: ModelSpec, id: string | undefined, outputs: readonly Tensor[], parameters?: Readonly<Record<string, boolean | string[]>>): ModelInferResponse {
  return create(ModelInferResponseSchema, {
    modelName: model.name,
    modelVersion: model.version ?? '',
    id: id ?? '',
    parameters: parametersOf(parameters),
    outputs: outputs.map((t) => ({ name: t.name, datatype: t.datatype, shape: t.shape.map(BigInt) })),
    rawOutputContents: outputs.map((t) => encodeBinaryData(t.data)),
  });
}

export function metadataMessage(model: ModelSpec): ModelMetadataResponse {
  const tensor = (t: ModelSpec['inputs'][number]) => ({ name: t.name, datatype: t.datatype, shape: t.shape.map(BigInt) });
  return create(ModelMetadataResponseSchema, {
    name: model.name,
    versions: model.version === undefined ? [] : [model.version],
    platform: model.platform,
    inputs: model.inputs.map(tensor),
    outputs: model.outputs.map(tensor),
  });
}
