// The HTTP edge shared by every store: requests with a per-attempt timeout and
// bounded retries (network errors, 429 and 5xx), and streaming a body to a
// file that appears under its final name only once complete and of the
// expected size, so a half-written model is never mistaken for a model.
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';

export interface RequestSpec {
  url: URL;
  headers: Record<string, string>;
}

export interface TransferOptions {
  timeoutMs: number;
  retries: number;
}

export class TransferError extends Error {}

const RETRYABLE = (status: number) => status === 429 || status >= 500;

/**
 * GETs what `build()` describes (rebuilt per attempt: signatures carry a
 * timestamp) and calls `use` with a 2xx response, whose body must be consumed
 * within the same attempt's timeout. Non-retryable statuses fail at once with
 * the server's error text.
 */
export async function getWithRetry<T>(
  build: () => RequestSpec,
  use: (response: Response) => Promise<T>,
  options: TransferOptions,
): Promise<T> {
  let lastError: unknown;
  for (let attempt = 0; attempt <= options.retries; attempt++) {
    if (attempt > 0) await sleep(Math.min(250 * 2 ** attempt, 5000));
    const spec = build();
    let response: Response;
    try {
      response = await fetch(spec.url, { headers: spec.headers, signal: AbortSignal.timeout(options.timeoutMs), redirect: 'follow' });
    } catch (error) {
      lastError = error;
      continue;
    }
    if (response.ok) {
      try {
        return await use(response);
      } catch (error) {
        if (error instanceof TransferError) throw error;
        lastError = error;
        continue;
      }
    }
    const text = (await response.text().catch(() => '')).slice(0, 500);
    const error = new TransferError(`GET ${redact(spec.url)}: HTTP ${response.status} ${text}`.trim());
    if (!RETRYABLE(response.status)) throw error;
    lastError = error;
  }
  const reason = lastError instanceof Error ? lastError.message : String(lastError);
  throw new TransferError(`GET ${redact(build().url)} failed after ${options.retries + 1} attempts: ${reason}`, { cause: lastError });
}

/** URLs may carry signed query parameters; logs and errors get the path only. */
export function redact(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

/** Streams a response body to `file` via a temporary name; checks the size when known. */
export async function saveBody(response: Response, file: string, expectedSize: number | undefined): Promise<number> {
  if (!response.body) throw new TransferError(`empty response body for ${file}`);
  await mkdir(path.dirname(file), { recursive: true });
  const partial = `${file}.partial-${process.pid}`;
  let written = 0;
  try {
    const counted = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>).on('data', (chunk: Buffer) => {
      written += chunk.length;
    });
    await pipeline(counted, createWriteStream(partial));
    if (expectedSize !== undefined && written !== expectedSize) {
      throw new Error(`${file}: got ${written} bytes, the store lists ${expectedSize}`);
    }
    await rename(partial, file);
    return written;
  } finally {
    await rm(partial, { force: true });
  }
}
