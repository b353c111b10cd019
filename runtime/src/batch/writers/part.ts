// What the scoring loop hands to an output writer: the good rows of a batch,
// their id and passthrough values, and the requested model outputs, each a
// tensor [rows, ...]. Writers turn it into bytes for a Sink (stores/store.ts)
// in bounded pieces.
import type { Tensor } from '../../protocol/types.ts';
import type { RowBatch } from '../records.ts';

export interface ScoredBatch {
  readonly rows: number;
  /** Id and passthrough values of the scored rows, by column, in output order. */
  readonly carried: ReadonlyMap<string, readonly unknown[]>;
  readonly outputs: readonly Tensor[];
}

export interface PartWriter {
  /** Rows whose id or passthrough values the output format cannot hold (a Parquet column typed by earlier rows). */
  check?(batch: RowBatch, indices: readonly number[]): { index: number; reason: string }[];
  write(batch: ScoredBatch): Promise<void>;
  /** Writes what is buffered and the format's trailer; the caller commits the sink. */
  finish(): Promise<void>;
}

/** Elements per row of an output tensor [rows, ...rest]. */
export function perRow(tensor: Tensor): number {
  return tensor.shape.slice(1).reduce((a, b) => a * b, 1);
}

/** A JSON-safe value of a tensor element: bigints as numbers when exact, else as strings. */
export function plain(value: unknown): unknown {
  if (typeof value === 'bigint') return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
  return value;
}

/** Row `i` of an output: a scalar for [rows] outputs, else the row's elements as a flat list. */
export function outputValue(tensor: Tensor, i: number): unknown {
  const width = perRow(tensor);
  const data = tensor.data as ArrayLike<unknown>;
  if (tensor.shape.length === 1) return plain(data[i]);
  const out = new Array<unknown>(width);
  for (let k = 0; k < width; k++) out[k] = plain(data[i * width + k]);
  return out;
}

/** A carried value for text formats: bigints (Parquet INT64) as exact numbers or strings. */
export function carriedValue(value: unknown): unknown {
  if (value === undefined) return null;
  if (typeof value === 'bigint') return plain(value);
  return value;
}
