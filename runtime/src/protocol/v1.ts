// KServe v1 protocol: `{"instances": [...]}` in, `{"predictions": [...]}` out.
// Each instance is one row along the batch dimension: the row itself for a
// single-input model, or an object of rows keyed by input name. Requests are
// turned into the same raw form as v2 JSON and bound by the same validation.
import { InferenceError, InvalidInputError } from '../errors.ts';
import { DATATYPES, isNumericArray, type TensorData } from './datatypes.ts';
import { MAX_RANK } from './shape.ts';
import type { InferRequest, ModelSpec, Tensor } from './types.ts';
import { bindInferRequest } from './validation.ts';
import type { RawInput } from './v2-json.ts';

/** Dimensions of a nested JSON row, read along its first elements (validation checks the rest). */
function rowShape(row: unknown, name: string): number[] {
  const dims: number[] = [];
  let value = row;
  while (Array.isArray(value)) {
    if (dims.length === MAX_RANK) throw new InvalidInputError(`input '${name}': instances nest deeper than ${MAX_RANK} levels`);
    dims.push(value.length);
    value = value[0];
  }
  return dims;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function parseV1Request(body: unknown, model: ModelSpec, jsonBytes: number): InferRequest {
  if (!isRecord(body) || !Array.isArray(body.instances) || body.instances.length === 0) {
    throw new InvalidInputError("the request body must be a JSON object with a non-empty 'instances' array");
  }
  const instances: unknown[] = body.instances;
  const named = model.inputs.length > 1 || isRecord(instances[0]);
  const inputs: RawInput[] = model.inputs.map((spec) => {
    const rows = named
      ? instances.map((instance, i) => {
          if (!isRecord(instance) || !Object.hasOwn(instance, spec.name)) throw new InvalidInputError(`instances[${i}] has no input '${spec.name}'`);
          return instance[spec.name];
        })
      : instances;
    const shape = [rows.length, ...rowShape(rows[0], spec.name)];
    return { name: spec.name, datatype: spec.datatype, shape, data: rows, binaryDataSize: undefined };
  });
  return bindInferRequest({ id: undefined, inputs, outputs: undefined, binaryOutput: false }, model, jsonBytes, undefined);
}

function plainValues(tensor: Tensor): unknown[] {
  const data: TensorData = tensor.data;
  if (!isNumericArray(data)) return data;
  const kind = DATATYPES[tensor.datatype].kind;
  if (kind === 'bool') return Array.from(data as Uint8Array, (v) => v !== 0);
  if (kind === 'bigint') return Array.from(data as BigInt64Array, (v) => Number(v));
  if (kind === 'float') return Array.from(data as Float32Array, (v) => (Number.isFinite(v) ? v : null));
  return Array.from(data as Int32Array);
}

function nest(values: readonly unknown[], dims: readonly number[], offset: number): unknown {
  if (dims.length === 0) return values[offset];
  const [dim = 0, ...rest] = dims;
  const size = rest.reduce((a, b) => a * b, 1);
  return Array.from({ length: dim }, (_, i) => nest(values, rest, offset + i * size));
}

/** Splits each output along its first dimension into per-instance predictions. */
export function encodeV1Response(outputs: readonly Tensor[], instances: number): string {
  const rows = outputs.map((tensor) => {
    const values = plainValues(tensor);
    if (tensor.shape[0] !== instances) {
      throw new InferenceError(`output '${tensor.name}' has shape [${tensor.shape.join(',')}], which does not split into ${instances} predictions`);
    }
    const rest = tensor.shape.slice(1);
    const size = rest.reduce((a, b) => a * b, 1);
    return Array.from({ length: instances }, (_, i) => nest(values, rest, i * size));
  });
  const predictions =
    outputs.length === 1 ? rows[0] : Array.from({ length: instances }, (_, i) => Object.fromEntries(outputs.map((o, k) => [o.name, rows[k]?.[i]])));
  return JSON.stringify({ predictions });
}
