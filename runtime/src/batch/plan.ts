// Which part of the input a shard scores: a pure function of the listing and
// (index, count), so every shard computes the same split without talking to
// the others, and a retried shard scores exactly what it did before.
//
// Text formats (JSONL, CSV) are split by bytes: the files, in name order,
// are laid end to end, and shard I takes the bytes [I*T/K, (I+1)*T/K) of
// that total T. A piece is a byte range of one file; a shard scores every
// line that starts inside its pieces (a line running past the end is read to
// its end; one starting before the range belongs to the previous shard), as
// Hadoop's TextInputFormat does. Splitting by bytes costs a shard nothing
// before its range (splitting by row index would make every shard read all
// the bytes before its first row), and many small files or one huge file
// split equally well. The price: a shard starting mid-file does not know
// its lines' numbers in the file, so its errors carry byte offsets.
//
// Parquet is split by row groups, the format's unit of independent reading:
// the row groups of all files, in order, are laid end to end by row count,
// and shard I takes the groups whose first row falls in [I*R/K, (I+1)*R/K).

export interface FileSize {
  readonly name: string;
  readonly size: number;
}

/** Bytes [start, end) of a file; lines starting in the range belong to the shard. */
export interface BytePiece {
  readonly file: string;
  readonly start: number;
  readonly end: number;
}

function bounds(total: number, index: number, count: number): [number, number] {
  // Exact integer products (BigInt: total * index may pass 2^53): the K ranges tile [0, total) with no gap or overlap.
  const at = (i: number) => Number((BigInt(total) * BigInt(i)) / BigInt(count));
  return [at(index), at(index + 1)];
}

export function planByteShard(files: readonly FileSize[], index: number, count: number): BytePiece[] {
  const total = files.reduce((sum, f) => sum + f.size, 0);
  const [start, end] = bounds(total, index, count);
  const pieces: BytePiece[] = [];
  let offset = 0;
  for (const file of files) {
    const from = Math.max(start, offset);
    const to = Math.min(end, offset + file.size);
    if (from < to) pieces.push({ file: file.name, start: from - offset, end: to - offset });
    offset += file.size;
  }
  return pieces;
}

export interface RowGroupInfo {
  readonly file: string;
  /** Index of the group within its file. */
  readonly group: number;
  /** Index of the group's first row within its file. */
  readonly firstRow: number;
  readonly rows: number;
}

export function planRowGroupShard(groups: readonly RowGroupInfo[], index: number, count: number): RowGroupInfo[] {
  const total = groups.reduce((sum, g) => sum + g.rows, 0);
  const [start, end] = bounds(total, index, count);
  const mine: RowGroupInfo[] = [];
  let offset = 0;
  for (const g of groups) {
    if (g.rows > 0 && offset >= start && offset < end) mine.push(g);
    offset += g.rows;
  }
  return mine;
}
