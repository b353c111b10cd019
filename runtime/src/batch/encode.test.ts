import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { encodeBatch } from './encode.ts';
import type { BoundInput } from './mapping.ts';
import { ColumnRowBatch, TextRowBatch } from './records.ts';

const input = (datatype: 'FP32' | 'INT64' | 'BOOL' | 'FP16' | 'UINT8', width: number | undefined, columns: string[]): BoundInput => ({
  spec: { name: 'input', datatype, shape: [-1, width ?? -1] },
  columns,
  width,
});

function objects(rows: Record<string, unknown>[]): TextRowBatch {
  return new TextRowBatch(rows, undefined, 'f', rows.map((_, i) => i), rows.map(() => 0), undefined, undefined);
}

describe('encodeBatch', () => {
  it('packs good rows densely in order and reports each bad row with its reason', () => {
    const batch = objects([
      { a: 1, b: 2 },
      { a: 'x', b: 2 },
      { a: 3, b: Number.NaN },
      { a: 4 },
      { a: 5, b: 1e39 },
      { a: 6, b: 7 },
      { a: [8], b: [9, 10] },
    ]);
    const out = encodeBatch([input('FP32', 2, ['a', 'b'])], batch, false);
    assert.deepEqual(out.good, [0, 5]);
    assert.deepEqual([...(out.tensors[0]!.data as Float32Array)], [1, 2, 6, 7]);
    assert.deepEqual(out.tensors[0]!.shape, [2, 2]);
    assert.deepEqual(
      out.bad.map((b) => [b.index, b.reason]),
      [
        [1, 'column a: "x" is not a number'],
        [2, 'column b: NaN is not finite'],
        [3, 'column b: missing is not a number'],
        [4, 'column b: 1e+39 overflows FP32'],
        [6, 'input input: 3 values, the model takes 2 per row (columns a, b)'],
      ],
    );
  });

  it('flattens a column holding the whole vector (JSONL array, Parquet list)', () => {
    const batch = new ColumnRowBatch(new Map([['pixels', [[1, 2, 3], [4, 5], [6, 7, 8]]]]), 3, 'f', 0, 0);
    const out = encodeBatch([input('FP32', 3, ['pixels'])], batch, false);
    assert.deepEqual(out.good, [0, 2]);
    assert.deepEqual([...(out.tensors[0]!.data as Float32Array)], [1, 2, 3, 6, 7, 8]);
  });

  it('takes a dynamic width from the first row and holds later rows to it', () => {
    const out = encodeBatch([input('FP32', undefined, ['v'])], objects([{ v: [1, 2] }, { v: [3] }, { v: [4, 5] }]), false);
    assert.deepEqual(out.tensors[0]!.shape, [2, 2]);
    assert.deepEqual(out.bad.map((b) => b.index), [1]);
  });

  it('parses numeric text only when told (CSV), and refuses empty cells', () => {
    const rows = [['1.5', '2'], ['', '3'], ['Infinity', '1']];
    const batch = new TextRowBatch(rows, new Map([['a', 0], ['b', 1]]), 'f', [0, 1, 2], [0, 0, 0], undefined, undefined);
    const csv = encodeBatch([input('FP32', 2, ['a', 'b'])], batch, true);
    assert.deepEqual(csv.good, [0]);
    assert.deepEqual(csv.bad.map((b) => b.reason), ['column a: empty is not a number', 'column a: "Infinity" is not finite']);
    assert.deepEqual(encodeBatch([input('FP32', 2, ['a', 'b'])], batch, false).good, []);
  });

  it('checks integer ranges, int64 and booleans as the online path does', () => {
    const out = encodeBatch([input('UINT8', 1, ['v'])], objects([{ v: 255 }, { v: 256 }, { v: 1.5 }]), false);
    assert.deepEqual(out.good, [0]);
    const big = encodeBatch([input('INT64', 1, ['v'])], objects([{ v: 2n ** 40n }, { v: 3 }]), false);
    assert.deepEqual([...(big.tensors[0]!.data as BigInt64Array)], [2n ** 40n, 3n]);
    const bool = encodeBatch([input('BOOL', 1, ['v'])], objects([{ v: true }, { v: 0 }, { v: 'yes' }]), false);
    assert.deepEqual([...(bool.tensors[0]!.data as Uint8Array)], [1, 0]);
    assert.equal(encodeBatch([input('FP16', 1, ['v'])], objects([{ v: 70000 }]), false).bad[0]!.reason, 'column v: 70000 overflows FP16');
  });

  it('encodes only the rows asked for', () => {
    const out = encodeBatch([input('FP32', 1, ['v'])], objects([{ v: 1 }, { v: 2 }, { v: 3 }]), false, [2, 0]);
    assert.deepEqual(out.good, [2, 0]);
    assert.deepEqual([...(out.tensors[0]!.data as Float32Array)], [3, 1]);
  });
  it('typed numeric columns (Parquet) encode as the row-by-row path does, and a bad value still fails only its row', () => {
    const columns = (b: Float32Array) => new Map<string, ArrayLike<unknown>>([['a', Float64Array.of(1, 2.5, 3, 4)], ['b', b], ['c', Int32Array.of(7, 8, 9, 10)]]);
    const typed = encodeBatch([input('FP32', 3, ['a', 'b', 'c'])], new ColumnRowBatch(columns(Float32Array.of(0.5, -1, 2, 3)), 4, 'f', 0, 0), false);
    const plain = encodeBatch([input('FP32', 3, ['a', 'b', 'c'])], objects([0, 1, 2, 3].map((i) => ({ a: [1, 2.5, 3, 4][i], b: [0.5, -1, 2, 3][i], c: [7, 8, 9, 10][i] }))), false);
    assert.deepEqual(typed.tensors, plain.tensors);
    assert.deepEqual(typed.good, [0, 1, 2, 3]);
    const fp16 = encodeBatch([input('FP16', 1, ['c'])], new ColumnRowBatch(new Map([['c', Int32Array.of(1, 70000)]]), 2, 'f', 0, 0), false);
    assert.deepEqual(fp16.bad.map((b) => [b.index, b.reason]), [[1, 'column c: 70000 overflows FP16']]);
    const nan = encodeBatch([input('FP32', 3, ['a', 'b', 'c'])], new ColumnRowBatch(columns(Float32Array.of(0.5, Number.NaN, 2, Infinity)), 4, 'f', 0, 0), false);
    assert.deepEqual(nan.good, [0, 2]);
    assert.deepEqual([...(nan.tensors[0]!.data as Float32Array)], [1, 0.5, 7, 3, 2, 9]);
    assert.deepEqual(nan.bad.map((b) => [b.index, b.reason]), [[1, 'column b: NaN is not finite'], [3, 'column b: Infinity is not finite']]);
    const onlyNan = encodeBatch([input('FP32', 3, ['a', 'b', 'c'])], new ColumnRowBatch(columns(Float32Array.of(0.5, 1, Number.NaN, 3)), 4, 'f', 0, 0), false);
    assert.deepEqual(onlyNan.bad.map((b) => [b.index, b.reason]), [[2, 'column b: NaN is not finite']]);
  });
});
