// Copies a model from its source into a local folder: every object under an
// S3/GCS prefix (keeping the layout below the prefix), or one HTTP(S) file.
// All destination paths are checked before the first byte is written, so a
// hostile key aborts the whole fetch rather than half of it.
import path from 'node:path';
import type { Logger } from '../../../common/src/logger.ts';
import type { FetchConfig } from './config.ts';
import { gcsStore } from './gcs.ts';
import { relativeKey, safeJoin } from './paths.ts';
import { s3Store } from './s3.ts';
import { describeSource } from './source.ts';
import type { Store } from './store.ts';
import { getWithRetry, saveBody, TransferError, type RequestSpec } from './transfer.ts';

export interface FetchedFile {
  path: string;
  bytes: number;
}

interface Planned {
  request: () => RequestSpec;
  file: string;
  size: number | undefined;
}

async function planPrefix(store: Store, prefix: string, dest: string, where: string): Promise<Planned[]> {
  const objects = await store.list(prefix);
  const planned: Planned[] = [];
  for (const object of objects) {
    const relative = relativeKey(prefix, object.key);
    if (relative === undefined) continue;
    planned.push({ request: () => store.object(object.key), file: safeJoin(dest, relative), size: object.size });
  }
  if (planned.length === 0) throw new TransferError(`${where}: no objects found under this prefix`);
  return planned;
}

function planHttp(url: URL, dest: string): Planned[] {
  const name = decodeURIComponent(url.pathname.slice(url.pathname.lastIndexOf('/') + 1));
  if (name === '') throw new TransferError(`${url.href}: the URL names no file (it ends with '/')`);
  return [{ request: () => ({ url, headers: {} }), file: safeJoin(dest, name), size: undefined }];
}

/** Runs `work` over items with at most `limit` in flight; rejects on the first failure. */
async function eachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  await Promise.all(lanes);
}

export async function fetchModel(config: FetchConfig, logger: Logger): Promise<FetchedFile[]> {
  const source = config.source;
  const options = { timeoutMs: config.timeoutMs, retries: config.retries };
  const where = describeSource(source);
  const dest = path.resolve(config.dest);
  const planned =
    source.kind === 'http'
      ? planHttp(source.url, dest)
      : await planPrefix(
          source.kind === 's3' ? s3Store(config.s3, source.bucket, options) : gcsStore(config.gcs, source.bucket, options),
          source.prefix,
          dest,
          where,
        );
  logger.info('fetching', { source: where, dest, objects: planned.length });
  const fetched: FetchedFile[] = [];
  await eachLimited(planned, config.concurrency, async (p) => {
    const started = Date.now();
    const bytes = await getWithRetry(p.request, (response) => saveBody(response, p.file, p.size), options);
    fetched.push({ path: p.file, bytes });
    logger.info('fetched', { file: path.relative(dest, p.file), bytes, ms: Date.now() - started });
  });
  return fetched.sort((a, b) => a.path.localeCompare(b.path));
}
