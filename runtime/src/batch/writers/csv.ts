// CSV output through csv-stringify: a header row, then one record per scored
// row. An output with several values per row becomes one column per value
// (`probabilities_0`, `probabilities_1`, ...), as tabular tools expect.
import { stringify } from 'csv-stringify/sync';
import type { Tensor } from '../../protocol/types.ts';
import type { Sink } from '../stores/store.ts';
import { carriedValue, perRow, plain, type PartWriter, type ScoredBatch } from './part.ts';

function outputColumns(tensor: Tensor): string[] {
  if (tensor.shape.length === 1) return [tensor.name];
  return Array.from({ length: perRow(tensor) }, (_, k) => `${tensor.name}_${k}`);
}

function cell(value: unknown): unknown {
  const v = carriedValue(value);
  return v !== null && typeof v === 'object' ? JSON.stringify(v) : v;
}

/** `carried` and `outputs` name the columns up front, so an empty part still has its header. */
export function csvWriter(sink: Sink, carried: readonly string[], outputs: readonly Tensor[] | undefined): PartWriter {
  let header = false;
  const writeHeader = async (tensors: readonly Tensor[]) => {
    header = true;
    await sink.write(Buffer.from(stringify([[...carried, ...tensors.flatMap(outputColumns)]]), 'utf8'));
  };
  return {
    async write(batch: ScoredBatch) {
      if (!header) await writeHeader(batch.outputs);
      const records: unknown[][] = [];
      for (let i = 0; i < batch.rows; i++) {
        const record: unknown[] = [];
        for (const name of carried) record.push(cell(batch.carried.get(name)?.[i]));
        for (const tensor of batch.outputs) {
          const width = perRow(tensor);
          const data = tensor.data as ArrayLike<unknown>;
          for (let k = 0; k < width; k++) record.push(plain(data[i * width + k]));
        }
        records.push(record);
      }
      if (records.length > 0) await sink.write(Buffer.from(stringify(records), 'utf8'));
    },
    async finish() {
      if (!header && outputs !== undefined) await writeHeader(outputs);
    },
  };
}
