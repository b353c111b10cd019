// A static fallback response (--fallback-response): v2 outputs given once at
// start, checked against the primary model, and answered for every request
// the fallback takes. For a batchable model an output of one row is repeated
// for each row of the request, so a batch of 3 gets 3 default predictions.
import { InferenceError } from '../errors.ts';
import { isDatatype } from '../protocol/datatypes.ts';
import { elementCount, parseShape } from '../protocol/shape.ts';
import type { InferRequest, ModelSpec, Tensor } from '../protocol/types.ts';
import { decodeJsonData } from '../protocol/v2-json.ts';
import type { Answerer } from './fallback.ts';

export class FallbackConfigError extends Error {}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses `{"outputs": [{name, datatype, shape, data}]}`; every output must be one the primary returns, with its datatype. */
export function parseStaticResponse(value: unknown, primary: ModelSpec): Tensor[] {
  if (!isObject(value) || !Array.isArray(value.outputs) || value.outputs.length === 0) {
    throw new FallbackConfigError("--fallback-response must be a JSON object with a non-empty 'outputs' array of v2 tensors");
  }
  const seen = new Set<string>();
  return value.outputs.map((output: unknown, i: number) => {
    const what = `--fallback-response outputs[${i}]`;
    if (!isObject(output) || typeof output.name !== 'string') throw new FallbackConfigError(`${what} must be an object with a 'name'`);
    const spec = primary.outputs.find((o) => o.name === output.name);
    if (spec === undefined) throw new FallbackConfigError(`${what}: model '${primary.name}' has no output '${output.name}'; it returns ${primary.outputs.map((o) => `'${o.name}'`).join(', ')}`);
    if (seen.has(spec.name)) throw new FallbackConfigError(`${what}: output '${spec.name}' is given twice`);
    seen.add(spec.name);
    if (!isDatatype(output.datatype) || output.datatype !== spec.datatype) throw new FallbackConfigError(`${what}: datatype must be ${spec.datatype}, as the model's output '${spec.name}'`);
    try {
      const shape = parseShape(output.shape, what);
      const data = Array.isArray(output.data) ? output.data : [output.data];
      return { name: spec.name, datatype: spec.datatype, shape, data: decodeJsonData(data, spec.datatype, shape, elementCount(shape), spec.name) };
    } catch (error) {
      throw new FallbackConfigError(`${what}: ${error instanceof Error ? error.message : String(error)}`);
    }
  });
}

function repeatRows(tensor: Tensor, rows: number): Tensor {
  if (tensor.shape[0] !== 1 || rows === 1) return tensor;
  const source = tensor.data;
  const data = (Array.isArray(source) ? [] : new (source.constructor as new (n: number) => typeof source)(source.length * rows)) as Tensor['data'];
  for (let r = 0; r < rows; r++) {
    if (Array.isArray(data)) (data as string[]).push(...(source as string[]));
    else (data as Float32Array).set(source as Float32Array, r * source.length);
  }
  return { ...tensor, shape: [rows, ...tensor.shape.slice(1)], data };
}

export function staticAnswerer(outputs: readonly Tensor[], primary: ModelSpec): Answerer {
  return {
    async answer(request: InferRequest): Promise<Tensor[]> {
      const rows = primary.batchable ? (request.inputs[0]?.shape[0] ?? 1) : 1;
      return request.outputs.map((r) => {
        const tensor = outputs.find((t) => t.name === r.name);
        if (tensor === undefined) throw new InferenceError(`the fallback response has no output '${r.name}'`);
        return repeatRows(tensor, rows);
      });
    },
    close: () => Promise.resolve(),
  };
}
