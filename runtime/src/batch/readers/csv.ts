// CSV input through csv-parse (streaming): RFC 4180 quoting, a header row
// naming the columns (required), a BOM at the file's start. Each piece of the
// shard (piece.ts) is parsed on its own; a piece that starts mid-file reads
// the header from the file's first line. A record with the wrong number of
// fields, or one csv-parse cannot parse, is a bad row. Splitting one file by
// bytes assumes no newline inside a quoted field (as Spark's default CSV
// reader does); with such fields, score the file with --shard-count 1 or
// split it into several files.
import { Readable } from 'node:stream';
import { parse, type Info } from 'csv-parse';
import type { BytePiece } from '../plan.ts';
import { TextRowBatch, type BadRow, type ReadBatch, type ShardReader } from '../records.ts';
import type { InputStore } from '../stores/store.ts';
import { pieceBytes } from './piece.ts';

const HEADER_LIMIT = 16 * 1024 * 1024;

/** The header record of a file: its first line, parsed. */
async function readHeader(store: InputStore, file: string): Promise<string[]> {
  for (let size = 64 * 1024; ; size *= 4) {
    const bytes = Buffer.from(await store.read(file, 0, size));
    const nl = bytes.indexOf(0x0a);
    if (nl >= 0 || bytes.length < size) {
      const line = (nl >= 0 ? bytes.subarray(0, nl) : bytes).toString('utf8').replace(/^\uFEFF/, '');
      const records = await parseAll(line);
      const header = records[0];
      if (!header || header.length === 0) throw new Error(`${store.describe(file)}: the CSV file has no header row`);
      return header;
    }
    if (size >= HEADER_LIMIT) throw new Error(`${store.describe(file)}: no end of the header line in the first ${HEADER_LIMIT} bytes`);
  }
}

function parseAll(text: string): Promise<string[][]> {
  return new Promise((resolve, reject) => {
    parse(text, { relax_column_count: true }, (error, records: string[][]) => (error ? reject(error) : resolve(records)));
  });
}

function checkHeader(header: readonly string[], file: string): Map<string, number> {
  const index = new Map<string, number>();
  header.forEach((name, i) => {
    if (index.has(name)) throw new Error(`${file}: the CSV header names column ${JSON.stringify(name)} twice`);
    index.set(name, i);
  });
  return index;
}

export function csvReader(store: InputStore, pieces: readonly BytePiece[]): ShardReader {
  let firstHeader: string[] | undefined;
  return {
    async columns() {
      const piece = pieces[0];
      if (piece === undefined) return [];
      firstHeader ??= await readHeader(store, piece.file);
      return firstHeader;
    },
    async *batches(batchSize) {
      let row = 0;
      for (const piece of pieces) {
        const file = store.describe(piece.file);
        const header = await readHeader(store, piece.file);
        const index = checkHeader(header, file);
        const atStart = piece.start === 0;
        const bytes = await pieceBytes(store, piece);
        const skipped: { raw: string | undefined; message: string; lines: number; bytes: number }[] = [];
        const parser = parse({
          bom: atStart,
          info: true,
          relax_column_count: true,
          skip_empty_lines: true,
          skip_records_with_error: true,
          on_skip: (error, raw) => {
            skipped.push({ raw, message: error?.message ?? 'unparseable record', lines: parser.info.lines, bytes: parser.info.bytes_records });
            return undefined;
          },
        });
        const source = Readable.from(bytes.chunks);
        source.on('error', (error) => parser.destroy(error));
        source.pipe(parser);
        let rows: string[][] = [];
        let offsets: number[] = [];
        let lines: number[] = [];
        let fileRows: number[] = [];
        let shardRows: number[] = [];
        let bad: BadRow[] = [];
        let previousEnd = 0;
        let fileRow = 0;
        let headerSeen = !atStart;
        const flush = (): ReadBatch => {
          const out = { rows: new TextRowBatch(rows, index, file, shardRows, offsets, atStart ? lines : undefined, atStart ? fileRows : undefined), bad };
          rows = [];
          offsets = [];
          lines = [];
          fileRows = [];
          shardRows = [];
          bad = [];
          return out;
        };
        const takeSkipped = () => {
          for (const s of skipped.splice(0)) {
            bad.push({ position: { file, row, ...(atStart ? { fileRow, line: s.lines } : {}), byte: bytes.start + previousEnd }, reason: `unparseable CSV record: ${s.message}` });
            row++;
            fileRow++;
          }
        };
        for await (const item of parser as AsyncIterable<{ record: string[]; info: Info }>) {
          takeSkipped();
          const { record, info } = item;
          const byte = bytes.start + previousEnd;
          previousEnd = info.bytes;
          if (!headerSeen) {
            headerSeen = true;
            continue;
          }
          if (record.length !== header.length) {
            bad.push({ position: { file, row, ...(atStart ? { fileRow, line: info.lines } : {}), byte }, reason: `${record.length} fields, the header has ${header.length}` });
          } else {
            rows.push(record);
            offsets.push(byte);
            lines.push(info.lines);
            fileRows.push(fileRow);
            shardRows.push(row);
          }
          row++;
          fileRow++;
          if (rows.length >= batchSize) yield flush();
        }
        takeSkipped();
        if (rows.length > 0 || bad.length > 0) yield flush();
      }
    },
    async close() {},
  };
}
