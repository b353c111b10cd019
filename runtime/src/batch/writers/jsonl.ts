// JSON Lines output: one object per scored row, id and passthrough columns
// first, then each requested output (a number, or a list for outputs with
// more than one value per row). Lines leave in chunks of about 1 MiB.
import type { Sink } from '../stores/store.ts';
import { carriedValue, outputValue, type PartWriter, type ScoredBatch } from './part.ts';

const CHUNK = 1 << 20;

export function jsonlWriter(sink: Sink): PartWriter {
  let pending: string[] = [];
  let pendingBytes = 0;
  const flush = async () => {
    if (pending.length === 0) return;
    const text = pending.join('');
    pending = [];
    pendingBytes = 0;
    await sink.write(Buffer.from(text, 'utf8'));
  };
  return {
    async write(batch: ScoredBatch) {
      for (let i = 0; i < batch.rows; i++) {
        const row: Record<string, unknown> = {};
        for (const [name, values] of batch.carried) row[name] = carriedValue(values[i]);
        for (const tensor of batch.outputs) row[tensor.name] = outputValue(tensor, i);
        const line = `${JSON.stringify(row)}\n`;
        pending.push(line);
        pendingBytes += line.length;
        if (pendingBytes >= CHUNK) await flush();
      }
    },
    finish: flush,
  };
}
