// What readers hand to the scoring loop: a batch of rows, read column by
// column (Parquet decodes columns; text formats build them from rows), with
// where each row came from, and the rows a reader could not parse at all.

/** Where a row came from, as the errors file reports it. */
export interface RowPosition {
  /** The input file (a local path or an object key). */
  readonly file: string;
  /** 0-based index of the row among those this shard read. */
  readonly row: number;
  /** 0-based index of the row in its file, when known (Parquet always; text when the shard read the file from its start). */
  readonly fileRow?: number;
  /** 1-based line number in the file (text formats, when the shard read the file from its start). */
  readonly line?: number;
  /** Byte offset of the row's first line in the file (text formats). */
  readonly byte?: number;
}

export interface BadRow {
  readonly position: RowPosition;
  readonly reason: string;
}

export interface RowBatch {
  readonly length: number;
  /** The values of a column, one per row (undefined where a row lacks the field). */
  column(name: string): ArrayLike<unknown>;
  position(index: number): RowPosition;
}

/** A batch and the rows around it that could not be parsed into it. */
export interface ReadBatch {
  readonly rows: RowBatch;
  readonly bad: readonly BadRow[];
}

/** A dataset reader for one shard: the columns it knows up front, then its batches in input order. */
export interface ShardReader {
  /** Column names in file order (CSV header, Parquet schema, JSONL first record); empty for an empty shard of JSONL. */
  columns(): Promise<readonly string[]>;
  /** Type hints for output schemas (Parquet input), by column name. */
  columnTypes?(): Promise<ReadonlyMap<string, string>>;
  batches(batchSize: number): AsyncIterable<ReadBatch>;
  close(): Promise<void>;
}

/** Rows held as objects (JSONL) or arrays keyed by header index (CSV), with per-row positions. */
export class TextRowBatch implements RowBatch {
  readonly #rows: readonly unknown[];
  readonly #index: ReadonlyMap<string, number> | undefined;
  readonly #file: string;
  readonly #shardRows: readonly number[];
  readonly #bytes: readonly number[];
  readonly #lines: readonly number[] | undefined;
  readonly #fileRows: readonly number[] | undefined;

  /** `index`: header name to array index when rows are arrays (CSV); undefined when rows are objects (JSONL). */
  constructor(rows: readonly unknown[], index: ReadonlyMap<string, number> | undefined, file: string, shardRows: readonly number[], bytes: readonly number[], lines: readonly number[] | undefined, fileRows: readonly number[] | undefined) {
    this.#rows = rows;
    this.#index = index;
    this.#file = file;
    this.#shardRows = shardRows;
    this.#bytes = bytes;
    this.#lines = lines;
    this.#fileRows = fileRows;
  }

  get length(): number {
    return this.#rows.length;
  }

  column(name: string): ArrayLike<unknown> {
    const at = this.#index?.get(name);
    if (this.#index !== undefined) return at === undefined ? new Array(this.#rows.length) : this.#rows.map((r) => (r as unknown[])[at]);
    return this.#rows.map((r) => (Object.hasOwn(r as object, name) ? (r as Record<string, unknown>)[name] : undefined));
  }

  position(i: number): RowPosition {
    return {
      file: this.#file,
      row: this.#shardRows[i] as number,
      ...(this.#fileRows ? { fileRow: this.#fileRows[i] as number } : {}),
      ...(this.#lines ? { line: this.#lines[i] as number } : {}),
      byte: this.#bytes[i] as number,
    };
  }
}

/** Column slices of one Parquet row group (or a part of one). */
export class ColumnRowBatch implements RowBatch {
  readonly length: number;
  readonly #columns: ReadonlyMap<string, ArrayLike<unknown>>;
  readonly #file: string;
  readonly #firstRow: number;
  readonly #firstFileRow: number;

  constructor(columns: ReadonlyMap<string, ArrayLike<unknown>>, length: number, file: string, firstRow: number, firstFileRow: number) {
    this.#columns = columns;
    this.length = length;
    this.#file = file;
    this.#firstRow = firstRow;
    this.#firstFileRow = firstFileRow;
  }

  column(name: string): ArrayLike<unknown> {
    return this.#columns.get(name) ?? new Array(this.length);
  }

  position(i: number): RowPosition {
    return { file: this.#file, row: this.#firstRow + i, fileRow: this.#firstFileRow + i };
  }
}
