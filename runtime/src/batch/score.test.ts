import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Tensor } from '../protocol/types.ts';
import { WorkerLostError } from '../workers/pool.ts';
import type { BadRowLog } from './bad-rows.ts';
import { ColumnRowBatch, type BadRow, type ShardReader } from './records.ts';
import { scoreShard } from './score.ts';
import type { ScoredBatch } from './writers/part.ts';

function reader(values: number[], batchSize: number): ShardReader {
  return {
    columns: async () => ['id', 'v'],
    async *batches() {
      for (let start = 0; start < values.length; start += batchSize) {
        const v = values.slice(start, start + batchSize);
        yield { rows: new ColumnRowBatch(new Map([['id', v.map((_, i) => start + i)], ['v', v]]), v.length, 'f', start, start), bad: [] };
      }
    },
    close: async () => {},
  };
}

async function score(values: number[], run: (t: readonly Tensor[]) => Promise<Tensor[]>) {
  const written: ScoredBatch[] = [];
  const bad: BadRow[] = [];
  let runs = 0;
  const totals = await scoreShard({
    reader: reader(values, 8),
    inputs: [{ spec: { name: 'x', datatype: 'FP32', shape: [-1, 1] }, columns: ['v'], width: 1 }],
    parseStrings: false,
    carried: ['id'],
    outputs: ['y'],
    run: (t) => {
      runs++;
      return run(t);
    },
    writer: { write: async (b) => void written.push(b), finish: async () => {} },
    badRows: { add: async (rows: readonly BadRow[]) => void bad.push(...rows) } as unknown as BadRowLog,
    batchSize: 8,
    concurrency: 2,
    onProgress: () => {},
  });
  return { totals, written, bad, runs };
}

// A model that rejects any batch holding 13, and doubles its input otherwise.
const picky = async (t: readonly Tensor[]): Promise<Tensor[]> => {
  const x = t[0]!.data as Float32Array;
  await new Promise((r) => setTimeout(r, Math.random() * 3));
  if (x.includes(13)) throw new Error('index out of range');
  return [{ name: 'y', datatype: 'FP32', shape: [x.length], data: x.map((v) => v * 2) }];
};

describe('scoreShard', () => {
  it('writes every row in input order with its outputs, across batches and runs in flight', async () => {
    const values = Array.from({ length: 30 }, (_, i) => i + 100);
    const { totals, written } = await score(values, picky);
    assert.deepEqual(totals, { rowsScored: 30, rowsFailed: 0 });
    assert.deepEqual(written.flatMap((b) => b.carried.get('id')), values.map((_, i) => i));
    assert.deepEqual(written.flatMap((b) => [...(b.outputs[0]!.data as Float32Array)]), values.map((v) => v * 2));
  });

  it('isolates the rows a model rejects by bisecting, scoring the rest of their batch', async () => {
    const values = Array.from({ length: 24 }, (_, i) => i + 100);
    values[3] = 13;
    values[20] = 13;
    const { totals, written, bad, runs } = await score(values, picky);
    assert.deepEqual(totals, { rowsScored: 22, rowsFailed: 2 });
    assert.deepEqual(bad.map((b) => [b.position.row, b.reason]), [[3, 'the model rejected the row: index out of range'], [20, 'the model rejected the row: index out of range']]);
    assert.deepEqual(written.flatMap((b) => b.carried.get('id')), values.map((_, i) => i).filter((i) => i !== 3 && i !== 20));
    // 3 batches, two of them bisected 8 -> 4 -> 2 -> 1: far fewer runs than one per row.
    assert.ok(runs <= 3 + 2 * 6, `${runs} runs`);
  });

  it('fails the shard when a worker is lost, instead of blaming rows', async () => {
    await assert.rejects(score([1, 2, 3], async () => Promise.reject(new WorkerLostError('the inference worker exited'))), WorkerLostError);
  });
});
