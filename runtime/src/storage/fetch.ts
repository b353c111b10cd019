// Copies a model from its source into a local folder: every object under an
// S3/GCS prefix (keeping the layout below the prefix), or one HTTP(S) file.
// All destination paths are checked, and the listed sizes summed against the
// size limit, before the first byte is written, so a hostile listing aborts
// the whole fetch rather than half of it.
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { Logger } from '../../../common/src/logger.ts';
import type { FetchConfig } from './config.ts';
import { companionAbsent, profileCompanion } from './companion.ts';
import { ByteBudget, saveObject } from './download.ts';
import { FetchError } from './errors.ts';
import { openHttp } from './http-source.ts';
import { relativeKey, safeJoin } from './paths.ts';
import { describeSource, redact } from './source.ts';
import type { Store } from './store.ts';

export interface FetchedFile {
  path: string;
  bytes: number;
}

interface Planned {
  open: (signal: AbortSignal) => Promise<Readable>;
  /** For logs and errors: never a signed URL. */
  name: string;
  file: string;
  size: number | undefined;
  /** The model's profile beside a single-file source: skipped when the store says it is not there. */
  optional?: boolean;
}

async function planPrefix(store: Store, prefix: string, dest: string, where: string, maxBytes: number): Promise<Planned[]> {
  const objects = await store.list(prefix);
  const planned: Planned[] = [];
  let listed = 0;
  for (const object of objects) {
    const relative = relativeKey(prefix, object.key);
    if (relative === undefined) continue;
    planned.push({ open: (signal) => store.open(object.key, signal), name: object.key, file: safeJoin(dest, relative), size: object.size });
    listed += object.size ?? 0;
  }
  if (planned.length === 0) throw new FetchError(`${where}: no objects found under this prefix`);
  if (listed > maxBytes) throw new FetchError(`${where}: ${listed} bytes listed, more than the ${maxBytes}-byte limit (--max-model-bytes)`);
  return planned;
}

async function plan(config: FetchConfig, dest: string): Promise<Planned[]> {
  const source = config.source;
  const policy = { allowMetadataAddresses: config.allowMetadataAddresses };
  if (source.kind === 'http') {
    const url = source.url;
    const name = decodeURIComponent(url.pathname.slice(url.pathname.lastIndexOf('/') + 1));
    if (name === '') throw new FetchError(`${redact(url)}: the URL names no file (it ends with '/')`);
    const options = { retries: config.retries, idleMs: config.idleTimeoutMs, policy };
    const planned: Planned[] = [{ open: (signal) => openHttp(url, options, signal), name: redact(url), file: safeJoin(dest, name), size: undefined }];
    // Same origin, no query: a presigned URL's signature covers the model's path only (the store answers 403, taken as absent).
    const companion = profileCompanion(url.pathname);
    if (companion !== undefined) {
      const profileUrl = new URL(companion, url.origin);
      const profileName = decodeURIComponent(companion.slice(companion.lastIndexOf('/') + 1));
      planned.push({ open: (signal) => openHttp(profileUrl, options, signal), name: redact(profileUrl), file: safeJoin(dest, profileName), size: undefined, optional: true });
    }
    return planned;
  }
  // Each SDK is loaded only when its store is used: `serve` shares this binary
  // and should not pay for either, nor an S3 fetch for Google's libraries.
  let store: Store;
  if (source.kind === 's3') {
    const { s3Client, s3Store } = await import('./s3.ts');
    store = s3Store(await s3Client(config.s3, { retries: config.retries, idleMs: config.idleTimeoutMs, policy }), source.bucket);
  } else {
    const { gcsClient, gcsStore } = await import('./gcs.ts');
    store = gcsStore(await gcsClient(config.gcs, { retries: config.retries, policy }), source.bucket, config.idleTimeoutMs);
  }
  const planned = await planPrefix(store, source.prefix, dest, describeSource(source), config.maxModelBytes);
  // A source naming one .onnx object: its profile is listed (by its exact key) and copied when present.
  const companion = profileCompanion(source.prefix);
  if (companion !== undefined) {
    const found = (await store.list(companion)).find((o) => o.key === companion);
    if (found !== undefined) {
      const listed = planned.reduce((sum, p) => sum + (p.size ?? 0), 0) + (found.size ?? 0);
      if (listed > config.maxModelBytes) throw new FetchError(`${describeSource(source)}: ${listed} bytes with its profile, more than the ${config.maxModelBytes}-byte limit (--max-model-bytes)`);
      planned.push({ open: (signal) => store.open(found.key, signal), name: found.key, file: safeJoin(dest, relativeKey(companion, found.key)!), size: found.size });
    }
  }
  return planned;
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
  const dest = path.resolve(config.dest);
  const planned = await plan(config, dest);
  logger.info('fetching', { source: describeSource(config.source), dest, objects: planned.length });
  const budget = new ByteBudget(config.maxModelBytes);
  const fetched: FetchedFile[] = [];
  await eachLimited(planned, config.concurrency, async (p) => {
    const started = Date.now();
    let bytes: number;
    try {
      bytes = await saveObject(p.open, p.file, p.name, { expectedSize: p.size, idleMs: config.idleTimeoutMs, budget, controller: new AbortController() });
    } catch (error) {
      if (!(p.optional === true && companionAbsent(error))) throw error;
      logger.info('no profile beside the model: drift monitoring and range checks stay off', { file: path.relative(dest, p.file) });
      return;
    }
    fetched.push({ path: p.file, bytes });
    logger.info('fetched', { file: path.relative(dest, p.file), bytes, ms: Date.now() - started });
  });
  return fetched.sort((a, b) => a.path.localeCompare(b.path));
}
