// What a batch run needs from where its data lives (a local folder, S3, GCS):
// list the input files, read byte ranges (Parquet footers and row groups)
// and streams from an offset (text formats), and write outputs so that a
// file appears whole or not at all: a local file is written under a
// temporary name and renamed; an object is a multipart (S3) or resumable
// (GCS) upload that becomes visible only when completed.
import type { Readable } from 'node:stream';
import type { FileSize } from '../plan.ts';

export interface Sink {
  /** Resolves when the chunk may be reused and more may be written (backpressure). */
  write(chunk: Uint8Array): Promise<void>;
  /** Makes the file visible under its name, whole. */
  commit(): Promise<void>;
  /** Drops what was written; the name is left as it was. */
  abort(): Promise<void>;
}

export interface InputStore {
  /** The files to score, sorted by name: the location itself when it names one file, else every file below it (names starting with `_` or `.` skipped). */
  list(): Promise<FileSize[]>;
  /** Bytes [start, end) of a file. */
  read(file: string, start: number, end: number): Promise<Uint8Array>;
  /** The file from `start` to its end; destroy it to stop early. */
  stream(file: string, start: number): Promise<Readable>;
  /** A short name for logs and the errors file (the path below the location). */
  describe(file: string): string;
}

/** Names are relative to the output location (`part-0.parquet`, `_markers/part-0.json`). */
export interface OutputStore {
  /** The file's text, or undefined when there is none. */
  readText(name: string): Promise<string | undefined>;
  /** Writes a small file whole (a marker). */
  put(name: string, body: string): Promise<void>;
  sink(name: string): Promise<Sink>;
  describe(name: string): string;
}

/** Skips Hadoop/Spark-style hidden and bookkeeping entries (`_SUCCESS`, `_markers/`, `.tmp` files). */
export function isDataName(relative: string): boolean {
  return relative.split('/').every((segment) => segment !== '' && !segment.startsWith('_') && !segment.startsWith('.'));
}
