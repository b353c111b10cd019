// Rows to model tensors, with the checks the online path makes on every
// element (datatype, integer ranges, widths) plus refusal of non-finite
// values and of floats that overflow the model's datatype. A row that fails
// any check is left out of the tensors and reported with the reason; the
// others are packed densely, in order.
import { DATATYPES, type DatatypeInfo, type TensorData } from '../protocol/datatypes.ts';
import type { Tensor } from '../protocol/types.ts';
import type { BoundInput } from './mapping.ts';
import type { RowBatch } from './records.ts';

export interface Encoded {
  /** Tensors of the good rows, one per model input, in the model's input order. */
  readonly tensors: Tensor[];
  /** Indices (in the batch) of the rows in the tensors, in order. */
  readonly good: number[];
  readonly bad: { readonly index: number; readonly reason: string }[];
}

const FLOAT_MAX: Partial<Record<string, number>> = { FP16: 65504, FP32: 3.4028234663852886e38, FP64: Number.MAX_VALUE };

class RowProblem extends Error {}

function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (typeof value === 'string') return value === '' ? 'empty' : JSON.stringify(value.length > 32 ? `${value.slice(0, 32)}...` : value);
  if (typeof value === 'object') return Array.isArray(value) ? 'an array' : 'an object';
  return String(value);
}

/** Writes one element; throws RowProblem saying what is wrong with it. */
type Put = (value: unknown, at: number, column: string) => void;

function numberOf(value: unknown, parseStrings: boolean): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (parseStrings && typeof value === 'string' && value.trim() !== '') return Number(value);
  return undefined;
}

function putter(info: DatatypeInfo, data: TensorData, parseStrings: boolean): Put {
  const dt = info.datatype;
  switch (info.kind) {
    case 'float': {
      const max = FLOAT_MAX[dt] as number;
      const out = data as Float32Array;
      return (value, at, column) => {
        const n = numberOf(value, parseStrings);
        if (n === undefined) throw new RowProblem(`column ${column}: ${describe(value)} is not a number`);
        if (!Number.isFinite(n)) throw new RowProblem(`column ${column}: ${describe(value)} is not finite`);
        if (Math.abs(n) > max) throw new RowProblem(`column ${column}: ${describe(value)} overflows ${dt}`);
        out[at] = n;
      };
    }
    case 'int': {
      const out = data as Int32Array;
      return (value, at, column) => {
        const n = numberOf(value, parseStrings);
        if (n === undefined || !Number.isInteger(n) || n < info.min || n > info.max) throw new RowProblem(`column ${column}: ${describe(value)} is not an integer in [${info.min}, ${info.max}] (${dt})`);
        out[at] = n;
      };
    }
    case 'bigint': {
      const out = data as BigInt64Array;
      return (value, at, column) => {
        if (typeof value === 'bigint' && value >= BigInt(info.min) && value <= BigInt(info.max)) {
          out[at] = value;
          return;
        }
        const n = numberOf(value, parseStrings);
        if (n === undefined || !Number.isInteger(n) || n < info.min || n > info.max) throw new RowProblem(`column ${column}: ${describe(value)} is not an integer in [${info.min}, ${info.max}] (${dt})`);
        out[at] = BigInt(n);
      };
    }
    case 'bool': {
      const out = data as Uint8Array;
      return (value, at, column) => {
        if (value === true || value === 1 || (parseStrings && (value === 'true' || value === '1'))) out[at] = 1;
        else if (value === false || value === 0 || (parseStrings && (value === 'false' || value === '0'))) out[at] = 0;
        else throw new RowProblem(`column ${column}: ${describe(value)} is not a boolean`);
      };
    }
    case 'bytes': {
      const out = data as string[];
      return (value, at, column) => {
        if (typeof value !== 'string') throw new RowProblem(`column ${column}: ${describe(value)} is not a string`);
        out[at] = value;
      };
    }
  }
}

function allocate(info: DatatypeInfo, count: number): TensorData {
  return info.array === undefined ? new Array<string>(count) : new info.array(count);
}

function isList(value: unknown): value is ArrayLike<unknown> {
  return Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView));
}

/** Element count of a cell: 1, or the (flattened) length of an array. */
function cellWidth(value: unknown): number {
  if (!isList(value)) return 1;
  let n = 0;
  for (let i = 0; i < value.length; i++) n += cellWidth(value[i]);
  return n;
}

/** Copies one cell at `at`; returns the next position. Nested arrays are flattened row-major. */
function putCell(put: Put, value: unknown, at: number, end: number, column: string): number {
  if (!isList(value)) {
    if (at >= end) throw new RowProblem('too many values');
    put(value, at, column);
    return at + 1;
  }
  let next = at;
  for (let i = 0; i < value.length; i++) next = putCell(put, value[i], next, end, column);
  return next;
}

class InputWriter {
  readonly #input: BoundInput;
  readonly #info: DatatypeInfo;
  readonly #columns: ArrayLike<unknown>[];
  readonly #parseStrings: boolean;
  readonly #rows: number;
  width: number | undefined;
  data: TensorData | undefined;
  #put: Put | undefined;

  constructor(input: BoundInput, batch: RowBatch, parseStrings: boolean, rows: number) {
    this.#input = input;
    this.#info = DATATYPES[input.spec.datatype];
    this.#columns = input.columns.map((c) => batch.column(c));
    this.#parseStrings = parseStrings;
    this.#rows = rows;
    this.width = input.width;
    if (this.width !== undefined) this.#allocate(this.width);
  }

  #allocate(width: number): void {
    this.data = allocate(this.#info, width * this.#rows);
    this.#put = putter(this.#info, this.data, this.#parseStrings);
  }

  /** Writes row `i` into slot `slot`; throws RowProblem. */
  write(i: number, slot: number): void {
    if (this.width === undefined) {
      // A dynamic feature dimension takes its width from the first good row; later rows must agree.
      let w = 0;
      for (const col of this.#columns) w += cellWidth(col[i]);
      if (w === 0) throw new RowProblem(`input ${this.#input.spec.name}: no values`);
      this.width = w;
      this.#allocate(w);
    }
    const width = this.width;
    const start = slot * width;
    const end = start + width;
    let at = start;
    const put = this.#put as Put;
    const names = this.#input.columns;
    try {
      for (let c = 0; c < this.#columns.length; c++) at = putCell(put, (this.#columns[c] as ArrayLike<unknown>)[i], at, end, names[c] as string);
    } catch (error) {
      if (error instanceof RowProblem && error.message === 'too many values') throw this.#widthProblem(i);
      throw error;
    }
    if (at !== end) throw this.#widthProblem(i);
  }

  #widthProblem(i: number): RowProblem {
    let got = 0;
    for (const col of this.#columns) got += cellWidth(col[i]);
    return new RowProblem(`input ${this.#input.spec.name}: ${got} values, the model takes ${this.width} per row (columns ${this.#input.columns.join(', ')})`);
  }

  tensor(rows: number): Tensor {
    const width = this.width ?? 0;
    const spec = this.#input.spec;
    const rest = spec.shape.slice(1).map((d) => (d < 0 ? width : d));
    const data = this.data ?? allocate(this.#info, 0);
    const used = rows * width;
    const trimmed = Array.isArray(data) ? data.slice(0, used) : (data as Float32Array).subarray(0, used);
    return { name: spec.name, datatype: spec.datatype, shape: [rows, ...rest], data: trimmed as TensorData };
  }
}

type NumericColumn = Float32Array | Float64Array | Int32Array | Int16Array | Int8Array | Uint32Array | Uint16Array | Uint8Array;

function isNumericColumn(value: ArrayLike<unknown>): value is NumericColumn {
  return ArrayBuffer.isView(value) && !(value instanceof DataView) && !(value instanceof BigInt64Array) && !(value instanceof BigUint64Array);
}

/**
 * The whole batch at once when every input is fed by columns of plain numbers
 * in typed arrays (Parquet's flat numeric columns), one value per cell, and
 * every value passes the checks: a column-wise check, then a strided copy into
 * the row-major tensor. Undefined otherwise, and the row-by-row path finds
 * and reports the bad rows.
 */
function encodeDense(inputs: readonly BoundInput[], batch: RowBatch): Tensor[] | undefined {
  const tensors: Tensor[] = [];
  for (const input of inputs) {
    const info = DATATYPES[input.spec.datatype];
    if (info.kind !== 'float' && info.kind !== 'int') return undefined;
    const width = input.columns.length;
    if (input.width !== undefined && input.width !== width) return undefined;
    const columns = input.columns.map((c) => batch.column(c));
    if (!columns.every(isNumericColumn)) return undefined;
    const rows = batch.length;
    const data = allocate(info, rows * width) as Float32Array;
    // One pass per column: check and copy into the column's stride of the row-major tensor.
    for (let c = 0; c < width; c++) {
      const column = columns[c] as NumericColumn;
      if (info.kind === 'float') {
        const max = FLOAT_MAX[info.datatype] as number;
        for (let r = 0, at = c; r < rows; r++, at += width) {
          const v = column[r] as number;
          if (!(Math.abs(v) <= max)) return undefined;
          data[at] = v;
        }
      } else {
        if (column instanceof Float32Array || column instanceof Float64Array) return undefined;
        for (let r = 0, at = c; r < rows; r++, at += width) {
          const v = column[r] as number;
          if (v < info.min || v > info.max) return undefined;
          data[at] = v;
        }
      }
    }
    const rest = input.spec.shape.slice(1).map((d) => (d < 0 ? width : d));
    tensors.push({ name: input.spec.name, datatype: input.spec.datatype, shape: [rows, ...rest], data: data as TensorData });
  }
  return tensors;
}

/** Encodes the rows `indices` of a batch (all by default); `parseStrings` accepts numeric text (CSV cells are text). */
export function encodeBatch(inputs: readonly BoundInput[], batch: RowBatch, parseStrings: boolean, indices?: readonly number[]): Encoded {
  const dense = indices === undefined && inputs.length > 0 ? encodeDense(inputs, batch) : undefined;
  if (dense !== undefined) return { tensors: dense, good: Array.from({ length: batch.length }, (_, i) => i), bad: [] };
  const writers = inputs.map((input) => new InputWriter(input, batch, parseStrings, indices?.length ?? batch.length));
  const good: number[] = [];
  const bad: { index: number; reason: string }[] = [];
  const count = indices?.length ?? batch.length;
  for (let k = 0; k < count; k++) {
    const i = indices === undefined ? k : (indices[k] as number);
    try {
      for (const w of writers) w.write(i, good.length);
      good.push(i);
    } catch (error) {
      if (!(error instanceof RowProblem)) throw error;
      bad.push({ index: i, reason: error.message });
    }
  }
  return { tensors: writers.map((w) => w.tensor(good.length)), good, bad };
}
