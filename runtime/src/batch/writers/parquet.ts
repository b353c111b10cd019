// Parquet output through hyparquet-writer: rows are buffered up to
// --output-row-group-size and written as one row group, whose bytes go to the
// sink before the next group is encoded, so memory holds one row group. Id and
// passthrough columns keep their Parquet types when the input is Parquet, and
// otherwise take them from the first rows (numbers DOUBLE, text STRING);
// outputs take the model's datatypes, as lists when a row has several values.
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
// The writer's own copy of hyparquet's types (it pins its own hyparquet).
type SchemaElement = ConstructorParameters<typeof ParquetWriter>[0]['schema'][number];
import type { Datatype } from '../../protocol/datatypes.ts';
import type { TensorSpec } from '../../protocol/types.ts';
import type { RowBatch } from '../records.ts';
import type { Sink } from '../stores/store.ts';
import type { PartWriter, ScoredBatch } from './part.ts';

type Physical = 'BOOLEAN' | 'INT32' | 'INT64' | 'FLOAT' | 'DOUBLE' | 'STRING';

const OUTPUT_TYPES: Record<Datatype, Physical> = {
  BOOL: 'BOOLEAN',
  UINT8: 'INT32',
  UINT16: 'INT32',
  UINT32: 'INT64',
  UINT64: 'INT64',
  INT8: 'INT32',
  INT16: 'INT32',
  INT32: 'INT32',
  INT64: 'INT64',
  FP16: 'FLOAT',
  FP32: 'FLOAT',
  FP64: 'DOUBLE',
  BYTES: 'STRING',
};

function leaf(name: string, type: Physical, repetition: 'OPTIONAL' | 'REQUIRED'): SchemaElement {
  if (type === 'STRING') return { name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: repetition };
  return { name, type, repetition_type: repetition };
}

/** Converts one value for a column of `type`; undefined when it cannot be held. */
function convert(value: unknown, type: Physical): unknown {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'STRING':
      return typeof value === 'string' ? value : typeof value === 'bigint' ? value.toString() : JSON.stringify(value);
    case 'BOOLEAN':
      return typeof value === 'boolean' ? value : typeof value === 'number' && (value === 0 || value === 1) ? value === 1 : undefined;
    case 'INT64':
      if (typeof value === 'bigint') return value;
      return typeof value === 'number' && Number.isSafeInteger(value) ? BigInt(value) : undefined;
    case 'INT32':
      if (typeof value === 'bigint') return value >= -(2n ** 31n) && value < 2n ** 31n ? Number(value) : undefined;
      return typeof value === 'number' && Number.isInteger(value) && Math.abs(value) < 2 ** 31 ? value : undefined;
    case 'FLOAT':
    case 'DOUBLE':
      return typeof value === 'number' ? value : typeof value === 'bigint' ? Number(value) : undefined;
  }
}

function inferType(values: ArrayLike<unknown>): Physical {
  let seen: Physical | undefined;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) continue;
    const t: Physical = typeof v === 'number' ? 'DOUBLE' : typeof v === 'bigint' ? 'INT64' : typeof v === 'boolean' ? 'BOOLEAN' : 'STRING';
    if (seen !== undefined && seen !== t) return 'STRING';
    seen = t;
  }
  return seen ?? 'STRING';
}

/** A ByteWriter whose bytes leave for the sink after every row group, as the library's own file writer does. */
function sinkWriter(sink: Sink): ByteWriter {
  const writer = new ByteWriter(1 << 20);
  const flush = async () => {
    if (writer.index === 0) return;
    const bytes = new Uint8Array(writer.buffer.slice(0, writer.index));
    writer.index = 0;
    await sink.write(bytes);
  };
  Object.assign(writer, { flush, finish: flush });
  return writer;
}

export interface ParquetWriterOptions {
  readonly carried: readonly string[];
  /** Known Parquet types of carried columns (a Parquet input's schema). */
  readonly carriedTypes: ReadonlyMap<string, string>;
  readonly outputs: readonly TensorSpec[];
  readonly rowGroupSize: number;
}

export function parquetWriter(sink: Sink, options: ParquetWriterOptions): PartWriter {
  const types = new Map<string, Physical>();
  for (const name of options.carried) {
    const known = options.carriedTypes.get(name);
    if (known !== undefined) types.set(name, known as Physical);
  }
  const lists = new Map(options.outputs.map((o) => [o.name, o.shape.length !== 1]));
  let writer: ParquetWriter | undefined;
  let buffered: Map<string, unknown[]> = new Map();
  let rows = 0;

  const start = () => {
    for (const name of options.carried) if (!types.has(name)) types.set(name, 'STRING');
    const schema: SchemaElement[] = [{ name: 'schema', num_children: options.carried.length + options.outputs.length }];
    for (const name of options.carried) schema.push(leaf(name, types.get(name) as Physical, 'OPTIONAL'));
    for (const o of options.outputs) {
      const type = OUTPUT_TYPES[o.datatype];
      if (lists.get(o.name)) {
        schema.push({ name: o.name, repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 });
        schema.push({ name: 'list', repetition_type: 'REPEATED', num_children: 1 });
        schema.push(leaf('element', type, 'REQUIRED'));
      } else schema.push(leaf(o.name, type, 'OPTIONAL'));
    }
    return new ParquetWriter({ writer: sinkWriter(sink), schema, createdBy: 'modelship batch' });
  };

  const writeGroup = async () => {
    if (rows === 0) return;
    writer ??= start();
    const columnData = [...options.carried, ...options.outputs.map((o) => o.name)].map((name) => ({ name, data: buffered.get(name) ?? [] }));
    const n = rows;
    buffered = new Map();
    rows = 0;
    await writer.write({ columnData, rowGroupSize: n });
  };

  return {
    check(batch: RowBatch, indices: readonly number[]) {
      const problems: { index: number; reason: string }[] = [];
      for (const name of options.carried) {
        const values = batch.column(name);
        if (!types.has(name)) types.set(name, inferType(values));
        const type = types.get(name) as Physical;
        for (const i of indices) {
          if (convert(values[i], type) === undefined) problems.push({ index: i, reason: `column ${name}: ${JSON.stringify(values[i]) ?? String(values[i])} does not fit the output's ${type} column (typed by the first rows)` });
        }
      }
      return problems;
    },
    async write(batch: ScoredBatch) {
      for (const name of options.carried) {
        const type = types.get(name) as Physical;
        const target = buffered.get(name) ?? [];
        for (const v of batch.carried.get(name) ?? []) target.push(convert(v, type));
        buffered.set(name, target);
      }
      for (const tensor of batch.outputs) {
        const type = OUTPUT_TYPES[tensor.datatype];
        const data = tensor.data as ArrayLike<unknown>;
        const width = tensor.shape.slice(1).reduce((a, b) => a * b, 1);
        const target = buffered.get(tensor.name) ?? [];
        const fix = (v: unknown) => (type === 'BOOLEAN' ? v === 1 || v === true : type === 'INT32' && typeof v === 'bigint' ? Number(v) : type === 'INT64' && typeof v === 'number' ? BigInt(v) : v);
        for (let i = 0; i < batch.rows; i++) {
          if (!lists.get(tensor.name)) target.push(fix(data[i]));
          else {
            const row = new Array<unknown>(width);
            for (let k = 0; k < width; k++) row[k] = fix(data[i * width + k]);
            target.push(row);
          }
        }
        buffered.set(tensor.name, target);
      }
      rows += batch.rows;
      if (rows >= options.rowGroupSize) await writeGroup();
    },
    async finish() {
      await writeGroup();
      writer ??= start();
      await writer.finish();
    },
  };
}
