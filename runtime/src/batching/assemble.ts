// Tensor side of batching: the signature that decides which requests may
// share a run, concatenation of inputs along the batch dimension, and the
// split of outputs back to each request in order (views, not copies).
import { InferenceError } from '../errors.ts';
import { isNumericArray, type NumericArray, type TensorData } from '../protocol/datatypes.ts';
import type { Tensor } from '../protocol/types.ts';

/** Datatype and every dimension but the first, per input: equal signatures can be concatenated. */
export function batchSignature(inputs: readonly Tensor[]): string {
  let signature = '';
  for (const t of inputs) signature += `${t.name}:${t.datatype}[${t.shape.slice(1).join(',')}];`;
  return signature;
}

function concatData(parts: readonly TensorData[], total: number): TensorData {
  const first = parts[0] as TensorData;
  if (!isNumericArray(first)) return (parts as string[][]).flat();
  const ctor = first.constructor as new (length: number) => NumericArray;
  const out = new ctor(total);
  let offset = 0;
  for (const part of parts as NumericArray[]) {
    (out as Float32Array).set(part as Float32Array, offset);
    offset += part.length;
  }
  return out;
}

/** Concatenates same-signature requests along the batch dimension; a single request passes through uncopied. */
export function concatInputs(requests: readonly (readonly Tensor[])[]): readonly Tensor[] {
  const first = requests[0];
  if (!first) throw new Error('concatInputs needs at least one request');
  if (requests.length === 1) return first;
  return first.map((tensor, k) => {
    const parts = requests.map((inputs) => (inputs[k] as Tensor).data);
    const rows = requests.reduce((n, inputs) => n + ((inputs[k] as Tensor).shape[0] ?? 0), 0);
    const total = parts.reduce((n, p) => n + p.length, 0);
    return { name: tensor.name, datatype: tensor.datatype, shape: [rows, ...tensor.shape.slice(1)], data: concatData(parts, total) };
  });
}

/** Splits batched outputs back into per-request outputs, `rows[i]` rows each, in order. */
export function splitOutputs(outputs: readonly Tensor[], rows: readonly number[]): Tensor[][] {
  if (rows.length === 1) return [outputs.slice()];
  const total = rows.reduce((a, b) => a + b, 0);
  const result: Tensor[][] = rows.map(() => []);
  for (const tensor of outputs) {
    if (tensor.shape[0] !== total) {
      throw new InferenceError(`output '${tensor.name}' has batch dimension ${tensor.shape[0]} for a batch of ${total} rows; cannot split it`);
    }
    const rowSize = total === 0 ? 0 : tensor.data.length / total;
    let start = 0;
    rows.forEach((n, i) => {
      const end = start + n * rowSize;
      const data: TensorData = isNumericArray(tensor.data) ? tensor.data.subarray(start, end) : tensor.data.slice(start, end);
      result[i]?.push({ name: tensor.name, datatype: tensor.datatype, shape: [n, ...tensor.shape.slice(1)], data });
      start = end;
    });
  }
  return result;
}
