// Reads a training data file into rows per model input for `runtime profile`.
// csv (csv-parse; a header row names the columns), parquet (hyparquet),
// jsonl (one JSON object per line) and npy (profile/npy.ts).
// - csv, parquet, npy and column-keyed jsonl feed a model with ONE input:
//   each row's selected columns (all, or --columns in that order) are its
//   features, named after the columns.
// - jsonl whose objects carry every model input by name feeds any number of
//   inputs: each value is one row of that input (a number, or a nested array
//   flattened row-major).
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import type { TensorSpec } from '../protocol/types.ts';
import { parseNpy } from './npy.ts';

export const DATA_FORMATS = ['csv', 'parquet', 'jsonl', 'npy'] as const;
export type DataFormat = (typeof DATA_FORMATS)[number];

export class DataError extends Error {}

export type Value = number | string;

/** The training rows of one model input. */
export interface InputRows {
  readonly spec: TensorSpec;
  /** One name per feature (value in a row). */
  readonly featureNames: readonly string[];
  /** The non-batch dimensions of one row (e.g. [4], or [28, 28] from an npy file). */
  readonly rowShape: readonly number[];
  readonly rows: readonly (readonly Value[])[];
}

export function formatOf(path: string, given: DataFormat | undefined): DataFormat {
  if (given) return given;
  const ext = extname(path).slice(1).toLowerCase();
  if ((DATA_FORMATS as readonly string[]).includes(ext)) return ext as DataFormat;
  if (ext === 'json' || ext === 'ndjson') return 'jsonl';
  throw new DataError(`cannot tell the format of ${path} from its extension; pass --format (${DATA_FORMATS.join(', ')})`);
}

function scalar(value: unknown, where: string): Value {
  if (typeof value === 'number' || typeof value === 'string') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value === null || value === undefined) return Number.NaN;
  throw new DataError(`${where}: ${JSON.stringify(value)} is not a number or a string`);
}

/** A nested array flattened row-major, with its shape (checked rectangular). */
function flatten(value: unknown, where: string): { values: Value[]; shape: number[] } {
  if (!Array.isArray(value)) return { values: [scalar(value, where)], shape: [] };
  const parts = value.map((v, i) => flatten(v, `${where}[${i}]`));
  const inner = parts[0]?.shape ?? [];
  if (parts.some((p) => p.shape.join() !== inner.join())) throw new DataError(`${where}: nested arrays are not rectangular`);
  return { values: parts.flatMap((p) => p.values), shape: [value.length, ...inner] };
}

/** Feature count of one row when every non-batch dimension is fixed, else undefined. */
function fixedRowWidth(spec: TensorSpec): number | undefined {
  const dims = spec.shape.slice(1);
  return dims.every((d) => d >= 0) ? dims.reduce((a, b) => a * b, 1) : undefined;
}

function checkWidth(spec: TensorSpec, width: number, source: string): void {
  const fixed = fixedRowWidth(spec);
  if (fixed !== undefined && fixed !== width) throw new DataError(`${source} gives ${width} values per row; input '${spec.name}' takes ${fixed} (shape [${spec.shape.join(', ')}])`);
}

function onlyInput(inputs: readonly TensorSpec[], format: string): TensorSpec {
  if (inputs.length !== 1) {
    throw new DataError(`${format} data feeds a model with one input; this model has ${inputs.length} (${inputs.map((i) => i.name).join(', ')}): use jsonl with one key per input`);
  }
  return inputs[0]!;
}

/** Rows of records (csv, parquet, column-keyed jsonl) for a single-input model. */
function fromRecords(records: readonly Record<string, unknown>[], inputs: readonly TensorSpec[], columns: readonly string[] | undefined, source: string, format: string): InputRows[] {
  const spec = onlyInput(inputs, format);
  if (records.length === 0) throw new DataError(`${source} has no rows`);
  const available = Object.keys(records[0]!);
  const chosen = columns ?? available;
  const missing = chosen.filter((c) => !available.includes(c));
  if (missing.length > 0) throw new DataError(`${source} has no column ${missing.map((m) => `'${m}'`).join(', ')}; it has ${available.join(', ')}`);
  checkWidth(spec, chosen.length, `${source} (columns ${chosen.join(', ')})`);
  const rows = records.map((r, i) => chosen.map((c) => scalar(r[c], `${source} row ${i + 1} column '${c}'`)));
  return [{ spec, featureNames: chosen, rowShape: [chosen.length], rows }];
}

function indexedNames(spec: TensorSpec, width: number): string[] {
  return Array.from({ length: width }, (_, i) => (width === 1 && spec.shape.length <= 1 ? spec.name : `${spec.name}[${i}]`));
}

function fromNpy(bytes: Uint8Array, inputs: readonly TensorSpec[], source: string): InputRows[] {
  const spec = onlyInput(inputs, 'npy');
  const array = parseNpy(bytes);
  if (array.shape.length === 0) throw new DataError(`${source} holds a scalar; it needs one row per training example`);
  const rowShape = array.shape.slice(1);
  const width = rowShape.reduce((a, b) => a * b, 1);
  checkWidth(spec, width, source);
  const rows = Array.from({ length: array.shape[0]! }, (_, r) => Array.from(array.data.subarray(r * width, (r + 1) * width)));
  return [{ spec, featureNames: indexedNames(spec, width), rowShape, rows }];
}

function fromJsonl(text: string, inputs: readonly TensorSpec[], columns: readonly string[] | undefined, source: string): InputRows[] {
  const lines = text.split('\n').map((l, i) => ({ line: l.trim(), n: i + 1 })).filter((l) => l.line !== '');
  const objects = lines.map(({ line, n }) => {
    try {
      const value = JSON.parse(line) as unknown;
      if (value === null || typeof value !== 'object') throw new Error('not an object or array');
      return value as Record<string, unknown> | unknown[];
    } catch (error) {
      throw new DataError(`${source} line ${n}: ${(error as Error).message}`);
    }
  });
  if (objects.length === 0) throw new DataError(`${source} has no rows`);
  const first = objects[0]!;
  const byInput = !Array.isArray(first) && inputs.every((i) => Object.hasOwn(first, i.name));
  if (!byInput) {
    if (objects.every(Array.isArray)) return fromNpyLikeRows(objects as unknown[][], inputs, source);
    return fromRecords(objects as Record<string, unknown>[], inputs, columns, source, 'column-keyed jsonl');
  }
  return inputs.map((spec) => {
    const flat = objects.map((o, i) => {
      if (Array.isArray(o)) throw new DataError(`${source} line ${lines[i]!.n}: expected an object with key '${spec.name}'`);
      return flatten((o as Record<string, unknown>)[spec.name], `${source} line ${lines[i]!.n} '${spec.name}'`);
    });
    const rowShape = flat[0]!.shape;
    const width = flat[0]!.values.length;
    checkWidth(spec, width, `${source} '${spec.name}'`);
    flat.forEach((f, i) => {
      if (f.values.length !== width) throw new DataError(`${source} line ${lines[i]!.n} '${spec.name}': ${f.values.length} values, the first line had ${width}`);
    });
    return { spec, featureNames: indexedNames(spec, width), rowShape, rows: flat.map((f) => f.values) };
  });
}

/** jsonl lines that are plain arrays: one row each of the single input. */
function fromNpyLikeRows(arrays: readonly unknown[][], inputs: readonly TensorSpec[], source: string): InputRows[] {
  const spec = onlyInput(inputs, 'array jsonl');
  const flat = arrays.map((a, i) => flatten(a, `${source} line ${i + 1}`));
  const width = flat[0]!.values.length;
  checkWidth(spec, width, source);
  return [{ spec, featureNames: indexedNames(spec, width), rowShape: flat[0]!.shape, rows: flat.map((f) => f.values) }];
}

/** Reads `path` as rows of each model input. */
export async function readTrainingData(path: string, format: DataFormat, inputs: readonly TensorSpec[], columns?: readonly string[]): Promise<InputRows[]> {
  if (inputs.length === 0) throw new DataError('the model has no inputs: there is nothing to profile');
  switch (format) {
    case 'csv': {
      const records = parseCsv(await readFile(path), { columns: true, skip_empty_lines: true, trim: true }) as Record<string, string>[];
      return fromRecords(records, inputs, columns, path, 'csv');
    }
    case 'parquet': {
      const file = await asyncBufferFromFile(path);
      const records = (await parquetReadObjects({ file })) as Record<string, unknown>[];
      return fromRecords(records, inputs, columns, path, 'parquet');
    }
    case 'jsonl':
      return fromJsonl(await readFile(path, 'utf8'), inputs, columns, path);
    case 'npy':
      return fromNpy(await readFile(path), inputs, path);
  }
}
