// The blob sink: a batch of events becomes one JSONL file (one event per
// line; a request and its response share `id`) under the configured prefix,
// in hive-style time partitions, so a day of traffic loads straight into
// DuckDB or pandas:
//   <prefix>/year=2026/month=11/day=29/hour=10/<revision>-<host>-20261129T103012Z-000042.jsonl
// Objects are written with the AWS SDK (s3://, and gs:// through Cloud
// Storage's S3-compatible XML API with HMAC keys); file:// (a mounted pvc)
// writes a temporary file and renames it, so readers never see half a file.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Sink, WriteResult } from './dispatcher.ts';
import { jsonlLine } from './events.ts';

/** Where finished files go; `key` is relative to the prefix. */
export interface ObjectStore {
  put(key: string, body: Buffer): Promise<void>;
}

export interface BlobLocation {
  readonly scheme: 's3' | 'gs' | 'file';
  /** Bucket (s3, gs) or directory (file). */
  readonly root: string;
  /** Prefix inside the bucket, no leading or trailing slash; '' for none. */
  readonly prefix: string;
}

export function parseBlobUri(uri: string): BlobLocation {
  const file = /^file:\/\/(\/.*)$/.exec(uri);
  if (file !== null) return { scheme: 'file', root: (file[1] as string).replace(/\/+$/, '') || '/', prefix: '' };
  const bucket = /^(s3|gs):\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (bucket === null) throw new Error(`unsupported logger storage URI ${uri}`);
  return { scheme: bucket[1] as 's3' | 'gs', root: bucket[2] as string, prefix: (bucket[3] as string).replace(/^\/+|\/+$/g, '') };
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Pure: the object key of the seq-th file written by `writer` at `now`. */
export function objectKey(prefix: string, writer: string, now: Date, seq: number): string {
  const [y, m, d, h] = [now.getUTCFullYear(), pad(now.getUTCMonth() + 1), pad(now.getUTCDate()), pad(now.getUTCHours())];
  const stamp = `${y}${m}${d}T${h}${pad(now.getUTCMinutes())}${pad(now.getUTCSeconds())}Z`;
  const key = `year=${y}/month=${m}/day=${d}/hour=${h}/${writer}-${stamp}-${pad(seq, 6)}.jsonl`;
  return prefix === '' ? key : `${prefix}/${key}`;
}

export function fileStore(root: string): ObjectStore {
  return {
    async put(key, body) {
      const path = join(root, key);
      await mkdir(dirname(path), { recursive: true });
      const temporary = join(dirname(path), `.${key.split('/').pop()}.partial`);
      await writeFile(temporary, body);
      await rename(temporary, path);
    },
  };
}

export interface BlobSinkOptions {
  readonly store: ObjectStore;
  readonly prefix: string;
  /** Names files apart from other pods' (revision and pod name). */
  readonly writer: string;
  readonly now?: () => Date;
}

export function createBlobSink(options: BlobSinkOptions): Sink {
  const now = options.now ?? (() => new Date());
  let seq = 0;
  return {
    name: 'blob',
    async write(events): Promise<WriteResult> {
      // Bodies are JSON the server parsed or produced. A failed put lands nothing (S3 puts are atomic, files are
      // renamed into place), so the dispatcher's retry writes the batch once, under a new key.
      const body = Buffer.from(events.map(jsonlLine).join(''), 'utf8');
      await options.store.put(objectKey(options.prefix, options.writer, now(), seq++), body);
      return { failed: [] };
    },
  };
}
