// Plain HTTP for the local cluster and its end-to-end tests: one connection per request (no
// keep-alive), so that the service proxy, which balances connections as
// kube-proxy does, balances requests too. Loopback only.
import { request, type IncomingHttpHeaders } from 'node:http';

export interface Reply {
  status: number;
  body: string;
  headers?: IncomingHttpHeaders;
}

/** A request body sent as is, with its own headers (e.g. the binary tensor extension). */
export interface RawBody {
  raw: Buffer;
  headers: Record<string, string>;
}

/** GET without a body; POST of JSON with one (a string is sent as already-serialised JSON), or of a RawBody. */
export function http(url: string, body?: unknown, timeoutMs = 10_000): Promise<Reply> {
  const host = new URL(url).hostname;
  if (!host.startsWith('127.')) return Promise.reject(new Error(`refusing to dial non-loopback ${host}`));
  return new Promise((resolve, reject) => {
    const raw = body !== null && typeof body === 'object' && 'raw' in body ? (body as RawBody) : undefined;
    const payload = raw?.raw ?? (body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body));
    const req = request(url, {
      method: payload === undefined ? 'GET' : 'POST',
      agent: false,
      timeout: timeoutMs,
      headers: payload === undefined ? {} : { 'content-type': 'application/json', ...raw?.headers, 'content-length': Buffer.byteLength(payload) },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, headers: res.headers }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns a value (not undefined), bounded by `timeoutMs`. */
export async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ''}`);
}
