// The bytes of a text piece (plan.ts): every line that starts in [start, end),
// each whole. The stream opens one byte early, so a piece whose start falls
// just after a newline keeps its first line; it reads on past `end` only to
// finish the line that crosses it.
import type { BytePiece } from '../plan.ts';
import type { InputStore } from '../stores/store.ts';

const NEWLINE = 0x0a;

export interface PieceBytes {
  /** Offset in the file of the first byte yielded. */
  readonly start: number;
  readonly chunks: AsyncIterable<Buffer>;
}

export async function pieceBytes(store: InputStore, piece: BytePiece): Promise<PieceBytes> {
  const open = Math.max(0, piece.start - 1);
  const stream = await store.stream(piece.file, open);
  // Lines starting at or after `stopAfter + 1` belong to the next piece: stop at the first newline at or after end - 1.
  const stopFrom = piece.end - 1;
  let aligned = piece.start === 0;
  let offset = open;
  let first = piece.start === 0 ? 0 : -1;
  async function* chunks(): AsyncGenerator<Buffer> {
    try {
      for await (const raw of stream as AsyncIterable<Buffer>) {
        let chunk = raw;
        let chunkOffset = offset;
        offset += raw.length;
        if (!aligned) {
          // Skip the tail of the line that started before the piece.
          const nl = chunk.indexOf(NEWLINE);
          if (nl < 0) continue;
          aligned = true;
          chunk = chunk.subarray(nl + 1);
          chunkOffset += nl + 1;
          first = chunkOffset;
          if (chunkOffset > stopFrom) return;
        }
        const from = Math.max(0, stopFrom - chunkOffset);
        if (from < chunk.length) {
          const nl = chunk.indexOf(NEWLINE, from);
          if (nl >= 0) {
            if (nl + 1 > 0) yield chunk.subarray(0, nl + 1);
            return;
          }
        }
        if (chunk.length > 0) yield chunk;
      }
    } finally {
      (stream as { destroy?: () => void }).destroy?.();
    }
  }
  return {
    get start() {
      return first < 0 ? piece.start : first;
    },
    chunks: chunks(),
  };
}
