// The scoring loop of a shard: read a batch, encode it, run it on the model
// while the next batch is read and encoded, write the outputs in input order.
// A batch the model rejects is split in halves and each half run again, down
// to single rows, so one row the model cannot take fails alone (as the online
// runtime reruns each request of a failed batch alone) at a cost of
// O(bad * log(batch)) extra runs. A lost worker fails the shard.
import { WorkerLostError } from '../workers/pool.ts';
import type { Tensor } from '../protocol/types.ts';
import type { BadRowLog } from './bad-rows.ts';
import { encodeBatch } from './encode.ts';
import type { BoundInput } from './mapping.ts';
import type { BadRow, RowBatch, ShardReader } from './records.ts';
import type { PartWriter, ScoredBatch } from './writers/part.ts';

export interface ScoreDeps {
  readonly reader: ShardReader;
  readonly inputs: readonly BoundInput[];
  readonly parseStrings: boolean;
  /** Id and passthrough columns, in output order. */
  readonly carried: readonly string[];
  readonly outputs: readonly string[];
  readonly run: (inputs: readonly Tensor[]) => Promise<Tensor[]>;
  readonly writer: PartWriter;
  readonly badRows: BadRowLog;
  readonly batchSize: number;
  /** Runs in flight at once (the model's worker count). */
  readonly concurrency: number;
  readonly onProgress: (done: number, failed: number) => void;
}

export interface ScoreTotals {
  rowsScored: number;
  rowsFailed: number;
}

interface Segment {
  readonly indices: readonly number[];
  readonly outputs: Tensor[];
}

function pick(outputs: readonly Tensor[], names: readonly string[]): Tensor[] {
  return names.map((name) => {
    const tensor = outputs.find((t) => t.name === name);
    if (!tensor) throw new Error(`the model produced no output '${name}'`);
    return tensor;
  });
}

/** Runs rows `indices` of a batch; on a model error splits them until the failing rows stand alone. */
async function runIsolating(deps: ScoreDeps, batch: RowBatch, indices: readonly number[], tensors: Tensor[] | undefined, bad: BadRow[]): Promise<Segment[]> {
  if (indices.length === 0) return [];
  // Tensors move to the worker thread, so each retry encodes its rows afresh.
  const inputs = tensors ?? encodeBatch(deps.inputs, batch, deps.parseStrings, indices).tensors;
  try {
    return [{ indices, outputs: pick(await deps.run(inputs), deps.outputs) }];
  } catch (error) {
    if (error instanceof WorkerLostError) throw error;
    if (indices.length === 1) {
      bad.push({ position: batch.position(indices[0] as number), reason: `the model rejected the row: ${error instanceof Error ? error.message : String(error)}` });
      return [];
    }
    const half = Math.ceil(indices.length / 2);
    const left = await runIsolating(deps, batch, indices.slice(0, half), undefined, bad);
    const right = await runIsolating(deps, batch, indices.slice(half), undefined, bad);
    return [...left, ...right];
  }
}

function scored(batch: RowBatch, carried: readonly string[], segment: Segment): ScoredBatch {
  const values = new Map<string, unknown[]>();
  for (const name of carried) {
    const column = batch.column(name);
    values.set(name, segment.indices.map((i) => column[i]));
  }
  return { rows: segment.indices.length, carried: values, outputs: segment.outputs };
}

export async function scoreShard(deps: ScoreDeps): Promise<ScoreTotals> {
  const totals: ScoreTotals = { rowsScored: 0, rowsFailed: 0 };
  let done = 0;
  const inFlight: { batch: RowBatch; bad: BadRow[]; result: Promise<Segment[]> }[] = [];
  const settle = async () => {
    const head = inFlight.shift();
    if (!head) return;
    const segments = await head.result;
    for (const segment of segments) {
      await deps.writer.write(scored(head.batch, deps.carried, segment));
      totals.rowsScored += segment.indices.length;
    }
    await deps.badRows.add(head.bad);
    totals.rowsFailed += head.bad.length;
    done += head.batch.length;
    deps.onProgress(done, totals.rowsFailed);
  };
  try {
    for await (const read of deps.reader.batches(deps.batchSize)) {
      const { rows: batch } = read;
      await deps.badRows.add(read.bad);
      totals.rowsFailed += read.bad.length;
      done += read.bad.length;
      const bad: BadRow[] = [];
      const refused = new Set<number>();
      for (const p of deps.writer.check?.(batch, Array.from({ length: batch.length }, (_, i) => i)) ?? []) {
        if (refused.has(p.index)) continue;
        refused.add(p.index);
        bad.push({ position: batch.position(p.index), reason: p.reason });
      }
      const wanted = refused.size === 0 ? undefined : Array.from({ length: batch.length }, (_, i) => i).filter((i) => !refused.has(i));
      const encoded = encodeBatch(deps.inputs, batch, deps.parseStrings, wanted);
      for (const b of encoded.bad) bad.push({ position: batch.position(b.index), reason: b.reason });
      const result = runIsolating(deps, batch, encoded.good, encoded.tensors, bad);
      result.catch(() => undefined);
      inFlight.push({ batch, bad, result });
      while (inFlight.length > deps.concurrency) await settle();
    }
    while (inFlight.length > 0) await settle();
  } finally {
    // Let runs already sent finish (or fail) before the caller closes the model.
    await Promise.allSettled(inFlight.map((f) => f.result));
  }
  return totals;
}
