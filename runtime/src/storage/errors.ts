// The one error type of `fetch`: its message is what the operator may show
// (the init container's termination message), so it is built only from what
// we know (the source, an HTTP status, the store's short error code) and
// never from a response body or a signed URL.
export class FetchError extends Error {}

/** A server answered with a status that is not retried (4xx); `status` lets a caller tell "absent" from "refused". */
export class HttpStatusError extends FetchError {
  readonly status: number;
  constructor(message: string, status: number) {
    super(message);
    this.status = status;
  }
}

const CODE = /^[A-Za-z][A-Za-z0-9.]{0,63}$/;

/** A store's error code (`AccessDenied`, `NoSuchBucket`, `notFound`) when it looks like one, else nothing. */
export function safeCode(code: unknown): string | undefined {
  return typeof code === 'string' && CODE.test(code) ? code : undefined;
}

/** One line for an error from an SDK or the network: status, code and Node's errno, nothing the server wrote. */
export function describeError(error: unknown): string {
  if (error instanceof FetchError) return error.message;
  const e = error as { name?: unknown; code?: unknown; status?: unknown; $metadata?: { httpStatusCode?: unknown }; errors?: Array<{ reason?: unknown }> };
  if (typeof e !== 'object' || e === null) return String(error);
  const status = [e.$metadata?.httpStatusCode, e.status, e.code].find((s) => typeof s === 'number');
  const code = safeCode(e.errors?.[0]?.reason) ?? (typeof e.code === 'string' ? safeCode(e.code) : undefined) ?? safeCode(e.name);
  // Node's resolver and socket errors name the host they could not reach (ours to know, not the server's).
  const host = typeof (e as { hostname?: unknown }).hostname === 'string' && /^[A-Za-z0-9.:-]{1,253}$/.test((e as { hostname: string }).hostname) ? (e as { hostname: string }).hostname : undefined;
  const parts = [status !== undefined ? `HTTP ${status}` : undefined, code, host].filter((p) => p !== undefined);
  return parts.length > 0 ? parts.join(' ') : 'request failed';
}
