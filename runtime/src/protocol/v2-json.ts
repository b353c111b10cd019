// Open Inference Protocol (KServe v2) JSON codec: the request envelope, tensor
// `data` (flat or nested, row-major) to typed arrays, and responses back to
// JSON text. Hand-written checks rather than a schema library: this is the hot
// path, and each element is checked exactly once while it is copied.
import { InvalidInputError } from '../errors.ts';
import { DATATYPES, isDatatype, isNumericArray, type Datatype, type DatatypeInfo, type TensorData } from './datatypes.ts';
import { refusedFloat, refusedInteger } from './finite.ts';
import { formatShape, parseShape } from './shape.ts';
import type { Tensor } from './types.ts';

export interface RawInput {
  readonly name: string;
  readonly datatype: Datatype;
  readonly shape: number[];
  /** The JSON `data` member; undefined when the tensor travels in the binary part. */
  readonly data: unknown[] | undefined;
  /** `parameters.binary_data_size`, when the tensor travels in the binary part. */
  readonly binaryDataSize: number | undefined;
  /** The tensor's own wire bytes (gRPC `raw_input_contents`), decoded like a binary part. */
  readonly raw?: Uint8Array | undefined;
}

export interface RawOutput {
  readonly name: string;
  readonly binary: boolean | undefined;
}

export interface RawInferRequest {
  readonly id: string | undefined;
  readonly inputs: RawInput[];
  readonly outputs: RawOutput[] | undefined;
  /** `parameters.binary_data_output`: the default for every output. */
  readonly binaryOutput: boolean;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalParameters(value: unknown, what: string): Record<string, unknown> {
  if (value === undefined) return {};
  if (!isObject(value)) throw new InvalidInputError(`${what}: 'parameters' must be an object`);
  return value;
}

function optionalBoolean(value: unknown, what: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw new InvalidInputError(`${what} must be a boolean`);
  return value;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return value.length > 32 ? 'a string' : JSON.stringify(value);
  if (typeof value === 'object') return 'an object';
  return String(value);
}

function parseInput(value: unknown, index: number): RawInput {
  if (!isObject(value)) throw new InvalidInputError(`inputs[${index}] must be an object`);
  const { name, datatype } = value;
  if (typeof name !== 'string' || name === '') throw new InvalidInputError(`inputs[${index}]: 'name' must be a non-empty string`);
  const what = `input '${name}'`;
  if (!isDatatype(datatype)) throw new InvalidInputError(`${what}: unsupported datatype ${describe(datatype)}`);
  const shape = parseShape(value.shape, what);
  const parameters = optionalParameters(value.parameters, what);
  const size = parameters.binary_data_size;
  let binaryDataSize: number | undefined;
  if (size !== undefined) {
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
      throw new InvalidInputError(`${what}: 'binary_data_size' must be a non-negative integer`);
    }
    binaryDataSize = size;
  }
  const data = value.data;
  if (binaryDataSize !== undefined) {
    if (data !== undefined) throw new InvalidInputError(`${what}: has both 'data' and 'binary_data_size'`);
    return { name, datatype, shape, data: undefined, binaryDataSize };
  }
  if (data === undefined) throw new InvalidInputError(`${what}: 'data' is missing`);
  // A bare scalar is accepted as a one-element tensor, as other v2 servers do.
  const list = Array.isArray(data) ? data : [data];
  return { name, datatype, shape, data: list, binaryDataSize: undefined };
}

function parseOutput(value: unknown, index: number): RawOutput {
  if (!isObject(value)) throw new InvalidInputError(`outputs[${index}] must be an object`);
  if (typeof value.name !== 'string' || value.name === '') throw new InvalidInputError(`outputs[${index}]: 'name' must be a non-empty string`);
  const parameters = optionalParameters(value.parameters, `output '${value.name}'`);
  return { name: value.name, binary: optionalBoolean(parameters.binary_data, `output '${value.name}': 'binary_data'`) };
}

/** Checks the structure of a parsed v2 inference request, without looking at tensor data yet. */
export function parseInferEnvelope(body: unknown): RawInferRequest {
  if (!isObject(body)) throw new InvalidInputError('the request body must be a JSON object');
  const { id, inputs, outputs } = body;
  if (id !== undefined && typeof id !== 'string') throw new InvalidInputError("'id' must be a string");
  // Empty only for a model with no inputs (a constant); binding names what a model with inputs misses.
  if (!Array.isArray(inputs)) throw new InvalidInputError("'inputs' must be an array");
  if (outputs !== undefined && !Array.isArray(outputs)) throw new InvalidInputError("'outputs' must be an array");
  const parameters = optionalParameters(body.parameters, 'request');
  return {
    id,
    inputs: inputs.map(parseInput),
    outputs: outputs?.map(parseOutput),
    binaryOutput: optionalBoolean(parameters.binary_data_output, "'binary_data_output'") ?? false,
  };
}

function elementError(name: string, info: DatatypeInfo, index: number, value: unknown): InvalidInputError {
  const expected =
    info.kind === 'float' ? 'a number' : info.kind === 'bool' ? 'a boolean' : info.kind === 'bytes' ? 'a string' : `an integer in [${info.min}, ${info.max}]`;
  return new InvalidInputError(`input '${name}': element ${index} is ${describe(value)}, expected ${expected} for ${info.datatype}`);
}

/**
 * Copies `count` leaf elements of `src` into `out` from `offset`, checking each.
 * One loop per element kind keeps the common FP32 case a tight numeric loop.
 */
function fillLeaves(src: readonly unknown[], out: TensorData, offset: number, info: DatatypeInfo, name: string): void {
  const n = src.length;
  switch (info.kind) {
    case 'float': {
      const dst = out as Float32Array;
      for (let i = 0; i < n; i++) {
        const v = src[i];
        if (typeof v !== 'number') throw elementError(name, info, offset + i, v);
        dst[offset + i] = v;
        // Checked as stored: 1e39 is finite in JSON but Infinity in FP32 (70000 in FP16).
        const stored = dst[offset + i] as number;
        if (stored - stored !== 0) throw refusedFloat(name, info.datatype, offset + i, v);
      }
      return;
    }
    case 'int': {
      const dst = out as Int32Array;
      const { min, max } = info;
      for (let i = 0; i < n; i++) {
        const v = src[i];
        if (typeof v !== 'number' || !Number.isInteger(v)) throw elementError(name, info, offset + i, v);
        if (v < min || v > max) throw refusedInteger(name, info.datatype, offset + i, v);
        dst[offset + i] = v;
      }
      return;
    }
    case 'bigint': {
      const dst = out as BigInt64Array;
      const { min, max } = info;
      for (let i = 0; i < n; i++) {
        const v = src[i];
        // A bigint comes only from a protobuf int64/uint64 field chosen by this datatype, so it is in range.
        if (typeof v === 'bigint') dst[offset + i] = v;
        else if (typeof v !== 'number' || !Number.isInteger(v)) throw elementError(name, info, offset + i, v);
        else if (v < min || v > max) throw refusedInteger(name, info.datatype, offset + i, v);
        else dst[offset + i] = BigInt(v);
      }
      return;
    }
    case 'bool': {
      const dst = out as Uint8Array;
      for (let i = 0; i < n; i++) {
        const v = src[i];
        if (typeof v !== 'boolean') throw elementError(name, info, offset + i, v);
        dst[offset + i] = v ? 1 : 0;
      }
      return;
    }
    case 'bytes': {
      const dst = out as string[];
      for (let i = 0; i < n; i++) {
        const v = src[i];
        if (typeof v !== 'string') throw elementError(name, info, offset + i, v);
        dst[offset + i] = v;
      }
      return;
    }
  }
}

/** Walks nested `data` along `shape`, checking every level's length; returns the next offset. */
function fillNested(src: readonly unknown[], shape: readonly number[], dim: number, out: TensorData, offset: number, info: DatatypeInfo, name: string): number {
  if (src.length !== shape[dim]) {
    throw new InvalidInputError(`input '${name}': nested data has ${src.length} entries at dimension ${dim}, shape ${formatShape(shape)} needs ${shape[dim]}`);
  }
  if (dim === shape.length - 1) {
    fillLeaves(src, out, offset, info, name);
    return offset + src.length;
  }
  let next = offset;
  for (const row of src) {
    if (!Array.isArray(row)) throw new InvalidInputError(`input '${name}': nested data is not an array at dimension ${dim + 1}`);
    next = fillNested(row, shape, dim + 1, out, next, info, name);
  }
  return next;
}

/**
 * Converts JSON `data` (flat row-major, or nested to the shape's depth) into a
 * freshly allocated typed array (or string list for BYTES) of `count` elements.
 * The caller has already bounded `count`, so the allocation is bounded too.
 */
export function decodeJsonData(data: readonly unknown[], datatype: Datatype, shape: readonly number[], count: number, name: string): TensorData {
  const info = DATATYPES[datatype];
  const flat = data.length === count && (shape.length <= 1 || count === 0 || !Array.isArray(data[0]));
  if (!flat && (shape.length <= 1 || !Array.isArray(data[0]))) {
    throw new InvalidInputError(`input '${name}': data has ${data.length} elements, shape ${formatShape(shape)} needs ${count}`);
  }
  const out: TensorData = info.array ? new info.array(count) : new Array<string>(count);
  if (flat) fillLeaves(data, out, 0, info, name);
  else fillNested(data, shape, 0, out, 0, info, name);
  return out;
}

/** JSON text of a tensor's elements. Non-finite floats have no JSON form and become null. */
export function encodeJsonData(datatype: Datatype, data: TensorData): string {
  if (!isNumericArray(data)) return JSON.stringify(data);
  const info = DATATYPES[datatype];
  if (info.kind === 'bool') {
    let text = '[';
    for (let i = 0; i < data.length; i++) text += (i === 0 ? '' : ',') + (data[i] ? 'true' : 'false');
    return `${text}]`;
  }
  if (info.kind === 'float') return `[${encodeFloats(data as Float32Array)}]`;
  return `[${data.join(',')}]`;
}

function encodeFloats(data: Float32Array | Float64Array): string {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) return Array.from(data, (v) => (Number.isFinite(v) ? String(v) : 'null')).join(',');
  }
  return data.join(',');
}

export interface EncodedOutput {
  readonly tensor: Tensor;
  /** Bytes carried in the binary part instead of `data`; undefined for JSON data. */
  readonly binary: Uint8Array | undefined;
}

/**
 * The JSON text of a v2 inference response. Outputs that carry binary data get
 * `parameters.binary_data_size` instead of `data`; their bytes follow the JSON.
 */
export function encodeInferResponse(
  modelName: string,
  modelVersion: string | undefined,
  id: string | undefined,
  outputs: readonly EncodedOutput[],
  parameters?: Readonly<Record<string, unknown>>,
): string {
  let text = `{"model_name":${JSON.stringify(modelName)}`;
  if (modelVersion !== undefined) text += `,"model_version":${JSON.stringify(modelVersion)}`;
  if (id !== undefined) text += `,"id":${JSON.stringify(id)}`;
  if (parameters !== undefined) text += `,"parameters":${JSON.stringify(parameters)}`;
  text += ',"outputs":[';
  outputs.forEach(({ tensor, binary }, i) => {
    if (i > 0) text += ',';
    text += `{"name":${JSON.stringify(tensor.name)},"datatype":"${tensor.datatype}","shape":[${tensor.shape.join(',')}]`;
    text += binary ? `,"parameters":{"binary_data_size":${binary.byteLength}}}` : `,"data":${encodeJsonData(tensor.datatype, tensor.data)}}`;
  });
  return `${text}]}`;
}

