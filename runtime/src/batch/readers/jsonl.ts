// JSON Lines input: one JSON object per line, read line by line from each
// piece of the shard (piece.ts), so memory holds one batch of rows. Blank
// lines are skipped; a line that is not a JSON object is a bad row.
import type { BytePiece } from '../plan.ts';
import { TextRowBatch, type BadRow, type ReadBatch, type ShardReader } from '../records.ts';
import type { InputStore } from '../stores/store.ts';
import { pieceBytes } from './piece.ts';

const NEWLINE = 0x0a;

interface Line {
  readonly text: string;
  readonly byte: number;
  /** 1-based line number in the file when the piece starts at the file's start. */
  readonly line: number | undefined;
}

/** The lines of a piece, with their byte offsets; a final line without a newline counts. */
export async function* pieceLines(store: InputStore, piece: BytePiece): AsyncGenerator<Line> {
  const bytes = await pieceBytes(store, piece);
  const numbered = piece.start === 0;
  let carry: Buffer[] = [];
  let carryBytes = 0;
  let lineStart = -1;
  let lineNo = 0;
  let offset = -1;
  for await (const chunk of bytes.chunks) {
    if (offset < 0) offset = bytes.start;
    if (lineStart < 0) lineStart = offset;
    let from = 0;
    for (;;) {
      const nl = chunk.indexOf(NEWLINE, from);
      if (nl < 0) break;
      const part = chunk.subarray(from, nl);
      const text = carryBytes === 0 ? part.toString('utf8') : Buffer.concat([...carry, part]).toString('utf8');
      carry = [];
      carryBytes = 0;
      lineNo++;
      yield { text, byte: lineStart, line: numbered ? lineNo : undefined };
      lineStart = offset + nl + 1;
      from = nl + 1;
    }
    if (from < chunk.length) {
      carry.push(chunk.subarray(from));
      carryBytes += chunk.length - from;
    }
    offset += chunk.length;
  }
  if (carryBytes > 0) {
    lineNo++;
    yield { text: Buffer.concat(carry).toString('utf8'), byte: lineStart, line: numbered ? lineNo : undefined };
  }
}

function parseLine(text: string): Record<string, unknown> | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return `not valid JSON: ${(error as Error).message}`;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  return value as Record<string, unknown>;
}

export function jsonlReader(store: InputStore, pieces: readonly BytePiece[]): ShardReader {
  let head: { columns: string[] } | undefined;
  return {
    async columns() {
      if (head) return head.columns;
      // The first object of the shard names the columns (for the default mapping).
      for (const piece of pieces) {
        for await (const line of pieceLines(store, piece)) {
          if (line.text.trim() === '') continue;
          const parsed = parseLine(line.text);
          if (typeof parsed === 'string') continue;
          head = { columns: Object.keys(parsed) };
          return head.columns;
        }
      }
      head = { columns: [] };
      return head.columns;
    },
    async *batches(batchSize) {
      let row = 0;
      for (const piece of pieces) {
        const file = store.describe(piece.file);
        let rows: Record<string, unknown>[] = [];
        let bytes: number[] = [];
        let lines: number[] = [];
        let fileRows: number[] = [];
        let shardRows: number[] = [];
        let bad: BadRow[] = [];
        let fileRow = 0;
        const numbered = piece.start === 0;
        const flush = (): ReadBatch => {
          const batch = new TextRowBatch(rows, undefined, file, shardRows, bytes, numbered ? lines : undefined, numbered ? fileRows : undefined);
          const out = { rows: batch, bad };
          rows = [];
          bytes = [];
          lines = [];
          fileRows = [];
          shardRows = [];
          bad = [];
          return out;
        };
        for await (const line of pieceLines(store, piece)) {
          if (line.text.trim() === '') continue;
          const parsed = parseLine(line.text);
          if (typeof parsed === 'string') {
            bad.push({ position: { file, row, ...(numbered ? { fileRow, line: line.line as number } : {}), byte: line.byte }, reason: parsed });
            // A bad row keeps its place in the shard's numbering, so numbers match the input.
            row++;
            fileRow++;
            continue;
          }
          rows.push(parsed);
          shardRows.push(row);
          bytes.push(line.byte);
          lines.push(line.line as number);
          fileRows.push(fileRow);
          row++;
          fileRow++;
          if (rows.length >= batchSize) yield flush();
        }
        if (rows.length > 0 || bad.length > 0) yield flush();
      }
    },
    async close() {},
  };
}
