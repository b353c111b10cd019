// Reads a request body into one Buffer, refusing it (413) as soon as it is
// known to exceed the limit, and refusing content types and encodings the
// runtime does not speak (415) before reading anything.
import type { IncomingMessage } from 'node:http';
import { InvalidInputError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../errors.ts';

/**
 * JSON, or raw bytes for the binary tensor extension; text/plain and form
 * encoding for clients that mislabel JSON (curl's `-d` sends a form type, and
 * KServe's docs use `curl -d @input.json` without a header).
 */
const ACCEPTED = /^(application\/(json|[\w.+-]*\+json|octet-stream|x-www-form-urlencoded)|text\/plain)\s*(;|$)/i;
const FORM = /^application\/x-www-form-urlencoded\s*(;|$)/i;

/** True when the body is labelled as form data: parsed as JSON if it is JSON, 415 if it is not. */
export function isFormEncoded(req: IncomingMessage): boolean {
  const type = req.headers['content-type'];
  return type !== undefined && FORM.test(type);
}

export function checkContentType(req: IncomingMessage): void {
  const type = req.headers['content-type'];
  if (type !== undefined && !ACCEPTED.test(type)) {
    throw new UnsupportedMediaTypeError(`content type ${JSON.stringify(type.slice(0, 100))} is not supported; send application/json (or application/octet-stream with Inference-Header-Content-Length)`);
  }
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity') {
    throw new UnsupportedMediaTypeError(`content encoding ${JSON.stringify(encoding.slice(0, 100))} is not supported; send the body uncompressed`);
  }
}

/** Where a body's bytes are accounted while it is read (admission/body-budget.ts); throwing refuses the body. */
export interface BodyAccount {
  holdAtLeast(bytes: number): void;
}

/**
 * Reads the body, refusing it past `limit` (413). With `account`, the
 * declared length is reserved before anything is read, and bytes beyond it
 * (chunked bodies) as they arrive.
 */
export function readBody(req: IncomingMessage, limit: number, account?: BodyAccount): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    return Promise.reject(new PayloadTooLargeError(`the body is ${declared} bytes, more than the limit of ${limit}`));
  }
  try {
    if (declared !== undefined) account?.holdAtLeast(Number(declared));
  } catch (error) {
    req.resume();
    return Promise.reject(error);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (error: Error | undefined, body?: Buffer): void => {
      if (done) return;
      done = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
      if (error) {
        // Discard the rest; the error response closes the connection.
        req.resume();
        reject(error);
      } else resolve(body as Buffer);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        finish(new PayloadTooLargeError(`the body is more than the limit of ${limit} bytes`));
        return;
      }
      try {
        account?.holdAtLeast(size);
      } catch (error) {
        finish(error as Error);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => finish(undefined, chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    const onError = (error: Error): void => finish(new InvalidInputError(`reading the body failed: ${error.message}`));
    const onAborted = (): void => finish(new InvalidInputError('the client aborted the request'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}
