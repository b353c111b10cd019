// Parquet input through hyparquet: each file's footer is read once, the
// shard's row groups (plan.ts) are read one at a time, only the columns the
// run needs, and cut into batches; the next group's bytes are fetched while
// the current one is scored. Memory holds one row group of the needed columns
// decoded (flat numeric columns as typed arrays: 8k rows of 784 FLOATs is
// ~25 MB) and the next one compressed: write inputs with row groups of a size
// that fits (pyarrow's row_group_size).
import { parquetMetadataAsync, parquetRead, parquetSchema, type AsyncBuffer, type FileMetaData, type SchemaTree } from 'hyparquet';
import { chunkRange, decodeFlatChunk, flatNumeric } from './parquet-flat.ts';
import { planRowGroupShard, type FileSize, type RowGroupInfo } from '../plan.ts';
import { ColumnRowBatch, type ReadBatch, type ShardReader } from '../records.ts';
import type { InputStore } from '../stores/store.ts';

function asyncBuffer(store: InputStore, file: FileSize): AsyncBuffer {
  return {
    byteLength: file.size,
    async slice(start, end) {
      const bytes = await store.read(file.name, start, end ?? file.size);
      // A view into a larger buffer (Node's pooled Buffers) is copied out: hyparquet reads the whole ArrayBuffer.
      return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? (bytes.buffer as ArrayBuffer) : (bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    },
  };
}

interface OpenFile {
  readonly file: FileSize;
  readonly buffer: AsyncBuffer;
  readonly metadata: FileMetaData;
}

/** Top-level column names, and a writer type for each flat one (for the output schema). */
function describeColumns(metadata: FileMetaData): { names: string[]; types: Map<string, string> } {
  const tree = parquetSchema(metadata);
  const names: string[] = [];
  const types = new Map<string, string>();
  for (const child of tree.children) {
    const e = child.element;
    names.push(e.name);
    if (child.children.length > 0) continue;
    const logical = e.logical_type?.type ?? e.converted_type;
    if (e.type === 'BYTE_ARRAY' && (logical === 'STRING' || logical === 'UTF8')) types.set(e.name, 'STRING');
    else if (e.type === 'INT64' && logical === undefined) types.set(e.name, 'INT64');
    else if (e.type === 'INT32' && logical === undefined) types.set(e.name, 'INT32');
    else if (e.type === 'FLOAT') types.set(e.name, 'FLOAT');
    else if (e.type === 'DOUBLE') types.set(e.name, 'DOUBLE');
    else if (e.type === 'BOOLEAN') types.set(e.name, 'BOOLEAN');
  }
  return { names, types };
}

/** A row group's flat numeric columns as compressed bytes (one range read), and the names of its other columns. */
interface FetchedGroup {
  readonly open: OpenFile;
  readonly group: RowGroupInfo;
  readonly flat: readonly { name: string; path: SchemaTree[]; chunk: ColumnChunk; start: number; end: number }[];
  readonly bytes: Uint8Array | undefined;
  readonly offset: number;
  readonly other: readonly string[];
}

type ColumnChunk = FileMetaData['row_groups'][number]['columns'][number];

/** The I/O half of reading a row group: one read (one GET on object storage) for its flat numeric columns. */
async function fetchGroup(store: InputStore, open: OpenFile, group: RowGroupInfo, columns: readonly string[]): Promise<FetchedGroup> {
  const tree = parquetSchema(open.metadata);
  const chunks = open.metadata.row_groups[group.group]!.columns;
  const flat: { name: string; path: SchemaTree[]; chunk: ColumnChunk; start: number; end: number }[] = [];
  const other: string[] = [];
  for (const name of columns) {
    const path = flatNumeric(tree, name);
    const chunk = path && chunks.find((c) => c.meta_data?.path_in_schema.length === 1 && c.meta_data.path_in_schema[0] === name);
    if (path && chunk) flat.push({ name, path, chunk, ...chunkRange(chunk) });
    else other.push(name);
  }
  if (flat.length === 0) return { open, group, flat, bytes: undefined, offset: 0, other };
  const offset = Math.min(...flat.map((f) => f.start));
  const bytes = await store.read(open.file.name, offset, Math.max(...flat.map((f) => f.end)));
  return { open, group, flat, bytes, offset, other };
}

/** The CPU half: flat columns decoded from the fetched bytes (parquet-flat.ts), the rest through parquetRead. */
async function decodeGroup(fetched: FetchedGroup): Promise<Map<string, ArrayLike<unknown>>> {
  const { open, group, flat, bytes, offset } = fetched;
  const out = fetched.other.length > 0 ? await readOther(open, group, fetched.other) : new Map<string, ArrayLike<unknown>>();
  for (const f of flat) out.set(f.name, decodeFlatChunk(bytes!.subarray(f.start - offset, f.end - offset), f.chunk, f.path, group.rows));
  return out;
}

/** Reads columns of any type through hyparquet's parquetRead; several chunks of one column are joined. */
async function readOther(open: OpenFile, group: RowGroupInfo, columns: readonly string[]): Promise<Map<string, ArrayLike<unknown>>> {
  const parts = new Map<string, { rowStart: number; data: ArrayLike<unknown> }[]>();
  await parquetRead({
    file: open.buffer,
    metadata: open.metadata,
    rowStart: group.firstRow,
    rowEnd: group.firstRow + group.rows,
    columns: [...columns],
    utf8: true,
    onChunk: (chunk) => {
      const list = parts.get(chunk.columnName) ?? [];
      list.push({ rowStart: chunk.rowStart, data: chunk.columnData as ArrayLike<unknown> });
      parts.set(chunk.columnName, list);
    },
  });
  const out = new Map<string, ArrayLike<unknown>>();
  for (const [name, list] of parts) {
    list.sort((a, b) => a.rowStart - b.rowStart);
    if (list.length === 1 && list[0]!.rowStart === group.firstRow && list[0]!.data.length === group.rows) {
      out.set(name, list[0]!.data);
      continue;
    }
    const joined = new Array<unknown>(group.rows);
    for (const { rowStart, data } of list) {
      for (let i = 0; i < data.length; i++) {
        const at = rowStart - group.firstRow + i;
        if (at >= 0 && at < group.rows) joined[at] = data[i];
      }
    }
    out.set(name, joined);
  }
  return out;
}

function slice(data: ArrayLike<unknown>, start: number, end: number): ArrayLike<unknown> {
  if (start === 0 && end === data.length) return data;
  return ArrayBuffer.isView(data) ? (data as unknown as Float32Array).subarray(start, end) : Array.prototype.slice.call(data, start, end);
}

export interface ParquetShard {
  readonly reader: ShardReader;
  readonly groups: readonly RowGroupInfo[];
}

/** Opens every file's footer, plans this shard's row groups, and returns its reader. `needed` is called once columns are known. */
export async function parquetReader(store: InputStore, files: readonly FileSize[], index: number, count: number): Promise<ParquetShard & { setColumns(columns: readonly string[]): void }> {
  const opened = new Map<string, OpenFile>();
  const all: RowGroupInfo[] = [];
  for (const file of files) {
    const buffer = asyncBuffer(store, file);
    let metadata: FileMetaData;
    try {
      metadata = await parquetMetadataAsync(buffer);
    } catch (error) {
      throw new Error(`${store.describe(file.name)}: not a readable Parquet file (${(error as Error).message})`);
    }
    opened.set(file.name, { file, buffer, metadata });
    let firstRow = 0;
    metadata.row_groups.forEach((g, group) => {
      const rows = Number(g.num_rows);
      all.push({ file: file.name, group, firstRow, rows });
      firstRow += rows;
    });
  }
  const groups = planRowGroupShard(all, index, count);
  const first = files[0] === undefined ? undefined : opened.get(files[0].name);
  const described = first === undefined ? { names: [], types: new Map<string, string>() } : describeColumns(first.metadata);
  let wanted: readonly string[] = described.names;
  const reader: ShardReader = {
    async columns() {
      return described.names;
    },
    async columnTypes() {
      return described.types;
    },
    async *batches(batchSize): AsyncGenerator<ReadBatch> {
      let row = 0;
      const load = (g: RowGroupInfo | undefined) => {
        if (g === undefined) return undefined;
        const open = opened.get(g.file) as OpenFile;
        const names = new Set(describeColumns(open.metadata).names);
        const missing = wanted.filter((c) => !names.has(c));
        if (missing.length > 0) return Promise.reject(new Error(`${store.describe(g.file)}: no column ${missing.join(', ')} (the files of one input must share their columns)`));
        return fetchGroup(store, open, g, wanted);
      };
      // Only the next group's bytes are fetched ahead: decoding runs on this thread either way, so
      // decoding ahead would hold two decoded groups for no gain.
      let next = load(groups[0]);
      next?.catch(() => undefined);
      for (let i = 0; i < groups.length; i++) {
        const group = groups[i] as RowGroupInfo;
        const fetched = await (next as Promise<FetchedGroup>);
        next = load(groups[i + 1]);
        next?.catch(() => undefined);
        const columns = await decodeGroup(fetched);
        const file = store.describe(group.file);
        for (let start = 0; start < group.rows; start += batchSize) {
          const end = Math.min(group.rows, start + batchSize);
          const view = new Map<string, ArrayLike<unknown>>();
          for (const [name, data] of columns) view.set(name, slice(data, start, end));
          yield { rows: new ColumnRowBatch(view, end - start, file, row, group.firstRow + start), bad: [] };
          row += end - start;
        }
      }
    },
    async close() {},
  };
  return {
    reader,
    groups,
    setColumns(columns) {
      wanted = columns;
    },
  };
}
