// One file over HTTP(S). Redirects are followed only on the same host and
// never from https to plain http (a presigned URL that bounces elsewhere is
// refused, not chased); every connection goes through the address policy.
// Retries: network errors, 429 and 5xx, with backoff, before the body starts.
import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { FetchError, HttpStatusError } from './errors.ts';
import { checkUrlHost, guardedLookup, type AddressPolicy } from './policy.ts';
import { redact } from './source.ts';

const MAX_REDIRECTS = 5;
const RETRYABLE = (status: number) => status === 429 || status >= 500;

export interface HttpOptions {
  retries: number;
  idleMs: number;
  policy: AddressPolicy;
}

/** Where a redirect may go, or a FetchError saying why not. */
export function redirectTarget(from: URL, location: string | undefined): URL {
  if (!location) throw new FetchError(`${redact(from)}: redirect without a Location`);
  let to: URL;
  try {
    to = new URL(location, from);
  } catch {
    throw new FetchError(`${redact(from)}: redirect to an invalid URL`);
  }
  if (to.protocol !== from.protocol && !(from.protocol === 'http:' && to.protocol === 'https:')) {
    throw new FetchError(`${redact(from)}: refusing a redirect from ${from.protocol} to ${to.protocol}`);
  }
  if (to.hostname !== from.hostname) throw new FetchError(`${redact(from)}: refusing a redirect to another host (${to.hostname})`);
  return to;
}

function get(url: URL, options: HttpOptions, signal: AbortSignal): Promise<http.IncomingMessage> {
  checkUrlHost(url, options.policy);
  const lib = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = lib.get(url, { lookup: guardedLookup(options.policy), signal, timeout: options.idleMs }, (response) => {
      // From here the download's own idle guard (download.ts) watches the body.
      request.setTimeout(0);
      resolve(response);
    });
    request.on('timeout', () => request.destroy(new FetchError(`${redact(url)}: no answer for ${Math.round(options.idleMs / 1000)} s`)));
    request.on('error', reject);
  });
}

/** Opens the body of `url`: redirects checked, transient failures retried, other statuses fail with the status alone. */
export async function openHttp(start: URL, options: HttpOptions, signal: AbortSignal): Promise<Readable> {
  let lastError: unknown;
  for (let attempt = 0; attempt <= options.retries; attempt++) {
    if (attempt > 0) await sleep(Math.min(250 * 2 ** attempt, 5000), undefined, { signal });
    let url = start;
    try {
      for (let hop = 0; ; hop++) {
        const response = await get(url, options, signal);
        const status = response.statusCode ?? 0;
        if (status >= 200 && status < 300) return response;
        // The body is the server's text: drained, never read into an error.
        response.resume();
        if (status >= 300 && status < 400 && status !== 304) {
          if (hop >= MAX_REDIRECTS) throw new FetchError(`${redact(start)}: more than ${MAX_REDIRECTS} redirects`);
          url = redirectTarget(url, response.headers.location);
          continue;
        }
        if (!RETRYABLE(status)) throw new HttpStatusError(`GET ${redact(url)}: HTTP ${status}`, status);
        const error = new FetchError(`GET ${redact(url)}: HTTP ${status}`);
        lastError = error;
        break;
      }
    } catch (error) {
      if (error instanceof FetchError && error !== lastError) throw error;
      if (signal.aborted) throw error;
      lastError = error;
    }
  }
  throw lastError instanceof FetchError ? lastError : new FetchError(`GET ${redact(start)}: ${(lastError as { code?: string }).code ?? 'failed'} after ${options.retries + 1} attempts`);
}
