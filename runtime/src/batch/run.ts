// One shard of a batch run, start to finish: skip it when its marker exists;
// list the input and plan the shard's part of it; bind columns to the model;
// score; commit the part file (and the errors file) whole; write the marker
// last. Returns the summary the command reports and exits by.
import type { Logger } from '../../../common/src/logger.ts';
import type { BatchConfig, Format } from './config.ts';
import { BadRowLog } from './bad-rows.ts';
import { bindInputs, MappingError } from './mapping.ts';
import { errorsName, markerName, parseMarker, partName, summarize, type ShardSummary } from './markers.ts';
import type { BatchModel } from './model.ts';
import { planByteShard, type FileSize } from './plan.ts';
import { createProgress } from './progress.ts';
import { csvReader } from './readers/csv.ts';
import { jsonlReader } from './readers/jsonl.ts';
import { parquetReader } from './readers/parquet.ts';
import type { ShardReader } from './records.ts';
import { scoreShard } from './score.ts';
import type { InputStore } from './stores/store.ts';
import type { Stores } from './stores/open.ts';
import { csvWriter } from './writers/csv.ts';
import { jsonlWriter } from './writers/jsonl.ts';
import type { PartWriter } from './writers/part.ts';
import { parquetWriter } from './writers/parquet.ts';
import type { Sink } from './stores/store.ts';

export class BatchInputError extends Error {}

const BY_EXTENSION: Record<string, Format> = { jsonl: 'jsonl', ndjson: 'jsonl', json: 'jsonl', csv: 'csv', parquet: 'parquet', pq: 'parquet' };

/** The input format: the flag, else the extension shared by the input files. */
export function formatOf(files: readonly FileSize[], given: Format | undefined): Format {
  if (given !== undefined) return given;
  const found = new Set(files.map((f) => BY_EXTENSION[f.name.slice(f.name.lastIndexOf('.') + 1).toLowerCase()]));
  const [only] = [...found];
  if (found.size === 1 && only !== undefined) return only;
  throw new BatchInputError('cannot tell the input format from the file names; give --input-format jsonl|csv|parquet');
}

export interface RunDeps {
  readonly config: BatchConfig;
  readonly stores: Stores;
  readonly logger: Logger;
  readonly loadModel: () => Promise<BatchModel>;
  readonly isTty: boolean;
}

async function openReader(input: InputStore, files: readonly FileSize[], format: Format, config: BatchConfig): Promise<{ reader: ShardReader; total: number | undefined; setColumns?: (c: readonly string[]) => void }> {
  if (format === 'parquet') {
    const shard = await parquetReader(input, files, config.shardIndex, config.shardCount);
    return { reader: shard.reader, total: shard.groups.reduce((s, g) => s + g.rows, 0), setColumns: shard.setColumns };
  }
  const pieces = planByteShard(files, config.shardIndex, config.shardCount);
  return { reader: format === 'csv' ? csvReader(input, pieces) : jsonlReader(input, pieces), total: undefined };
}

function writerFor(format: Format, sink: Sink, carried: readonly string[], carriedTypes: ReadonlyMap<string, string>, model: BatchModel, outputs: readonly string[], config: BatchConfig): PartWriter {
  const specs = outputs.map((name) => model.spec.outputs.find((o) => o.name === name)!);
  if (format === 'jsonl') return jsonlWriter(sink);
  if (format === 'csv') {
    // Outputs with a dynamic per-row width get their header from the first batch.
    const fixed = specs.every((s) => s.shape.slice(1).every((d) => d >= 0));
    return csvWriter(sink, carried, fixed ? specs.map((s) => ({ name: s.name, datatype: s.datatype, shape: s.shape.map((d) => (d < 0 ? 0 : d)), data: [] })) : undefined);
  }
  return parquetWriter(sink, { carried, carriedTypes, outputs: specs, rowGroupSize: config.outputRowGroupSize });
}

export async function runShard(deps: RunDeps): Promise<ShardSummary> {
  const { config, stores, logger } = deps;
  const started = performance.now();
  const marker = await stores.output.readText(markerName(config.shardIndex));
  const previous = marker === undefined ? undefined : parseMarker(marker);
  if (previous !== undefined) {
    logger.info('shard already done; not scoring it again', { shard: config.shardIndex, marker: stores.output.describe(markerName(config.shardIndex)), rowsScored: previous.rowsScored, rowsFailed: previous.rowsFailed });
    return { ...summarize(config.shardIndex, config.shardCount, previous.rowsScored, previous.rowsFailed, previous.seconds, config.maxFailedRowsPercent, previous.part), skipped: true };
  }
  if (marker !== undefined) logger.warn('ignoring an unreadable marker; scoring the shard', { marker: stores.output.describe(markerName(config.shardIndex)) });

  const files = await stores.input.list();
  if (files.length === 0) throw new BatchInputError('the input has no files');
  const inputFormat = formatOf(files, config.inputFormat);
  const outputFormat = config.outputFormat ?? inputFormat;
  const { reader, total, setColumns } = await openReader(stores.input, files, inputFormat, config);
  const model = await deps.loadModel();
  const part = partName(config.shardIndex, outputFormat);
  const sink = await stores.output.sink(part);
  const badRows = new BadRowLog(stores.output, errorsName(config.shardIndex));
  const progress = createProgress({ mode: config.progress, isTty: deps.isTty, total, intervalMs: config.progressIntervalSeconds * 1000, logger, shard: config.shardIndex });
  try {
    const columns = await reader.columns();
    const carried = [...(config.idColumn === undefined ? [] : [config.idColumn]), ...config.passthroughColumns];
    const known = columns.length > 0;
    const absent = known ? carried.filter((c) => !columns.includes(c)) : [];
    if (absent.length > 0) throw new MappingError(`the input has no column ${absent.join(', ')} (it has ${columns.slice(0, 20).join(', ')}${columns.length > 20 ? ', ...' : ''})`);
    // An empty JSONL shard knows no columns; with nothing to read, any mapping will do.
    const inputs = known || config.inputMap !== undefined ? bindInputs(model.spec.inputs, config.inputMap, known ? columns : [...(config.inputMap?.values() ?? [])].flat(), carried) : [];
    const outputs = config.outputs ?? model.spec.outputs.map((o) => o.name);
    const unknownOutputs = outputs.filter((o) => !model.spec.outputs.some((s) => s.name === o));
    if (unknownOutputs.length > 0) throw new MappingError(`--outputs names ${unknownOutputs.join(', ')}; the model returns ${model.spec.outputs.map((o) => o.name).join(', ')}`);
    setColumns?.([...new Set([...carried, ...inputs.flatMap((i) => i.columns)])]);
    const writer = writerFor(outputFormat, sink, carried, (await reader.columnTypes?.()) ?? new Map(), model, outputs, config);
    logger.info('scoring shard', { shard: config.shardIndex, shards: config.shardCount, files: files.length, inputFormat, outputFormat, rows: total, batchSize: config.batchSize, intraOpThreads: model.intraOpThreads, workers: config.workers });
    const totals = await scoreShard({
      reader,
      inputs,
      parseStrings: inputFormat === 'csv',
      carried,
      outputs,
      run: (t) => model.run(t),
      writer,
      badRows,
      batchSize: config.batchSize,
      concurrency: config.workers,
      onProgress: (done, failed) => progress.update(done, failed),
    });
    await writer.finish();
    // The part and errors files become visible whole, and only then the marker that says the shard is done.
    await sink.commit();
    await badRows.commit();
    const summary = summarize(config.shardIndex, config.shardCount, totals.rowsScored, totals.rowsFailed, (performance.now() - started) / 1000, config.maxFailedRowsPercent, part);
    await stores.output.put(markerName(config.shardIndex), `${JSON.stringify(summary)}\n`);
    return summary;
  } catch (error) {
    await sink.abort().catch(() => undefined);
    await badRows.abort().catch(() => undefined);
    throw error;
  } finally {
    progress.stop();
    await reader.close();
    await model.close();
  }
}
