// Streams one object to a file that appears under its final name only once
// complete and of the expected size, so a half-written model is never
// mistaken for a model. Two bounds instead of one wall-clock limit: no data
// for `idleMs` aborts (a stalled store), and the bytes of the whole fetch
// count against one budget (a store that sends more than the limit).
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FetchError } from './errors.ts';

/** Bytes left for the whole fetch; shared by concurrent downloads. */
export class ByteBudget {
  #left: number;
  readonly limit: number;
  constructor(limit: number) {
    this.limit = limit;
    this.#left = limit;
  }
  take(bytes: number): void {
    this.#left -= bytes;
    if (this.#left < 0) throw new FetchError(`the model is larger than the ${this.limit}-byte limit (--max-model-bytes)`);
  }
}

export interface SaveOptions {
  expectedSize: number | undefined;
  idleMs: number;
  budget: ByteBudget;
  /** Aborted when the download stalls; the opener passes it to the request. */
  controller: AbortController;
}

/** Resets a timer on every chunk; when it fires, the pipeline fails with a FetchError. */
function idleGuard(idleMs: number, what: string, controller: AbortController): Transform {
  let timer: NodeJS.Timeout;
  const guard = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      timer.refresh();
      done(null, chunk);
    },
    flush(done) {
      clearTimeout(timer);
      done();
    },
    destroy(error, done) {
      clearTimeout(timer);
      done(error);
    },
  });
  timer = setTimeout(() => {
    const error = new FetchError(`${what}: no data for ${Math.round(idleMs / 1000)} s (--idle-timeout-seconds)`);
    controller.abort(error);
    guard.destroy(error);
  }, idleMs);
  return guard;
}

/**
 * Writes `open()`'s stream to `file` via a temporary name. The idle timer
 * starts before the request, so a store that never answers is caught too.
 */
export async function saveObject(open: (signal: AbortSignal) => Promise<Readable>, file: string, what: string, options: SaveOptions): Promise<number> {
  await mkdir(path.dirname(file), { recursive: true });
  const partial = `${file}.partial-${process.pid}`;
  const guard = idleGuard(options.idleMs, what, options.controller);
  let written = 0;
  const count = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      written += chunk.length;
      try {
        options.budget.take(chunk.length);
        if (options.expectedSize !== undefined && written > options.expectedSize) throw new FetchError(`${what}: more bytes than the store lists (${options.expectedSize})`);
      } catch (error) {
        done(error as Error);
        return;
      }
      done(null, chunk);
    },
  });
  try {
    const body = await Promise.race([
      open(options.controller.signal),
      new Promise<never>((_, reject) => guard.once('error', reject)),
    ]);
    await pipeline(body, guard, count, createWriteStream(partial));
    if (options.expectedSize !== undefined && written !== options.expectedSize) {
      throw new FetchError(`${what}: got ${written} bytes, the store lists ${options.expectedSize}`);
    }
    await rename(partial, file);
    return written;
  } catch (error) {
    guard.destroy();
    if (options.controller.signal.aborted && options.controller.signal.reason instanceof FetchError) throw options.controller.signal.reason;
    throw error;
  } finally {
    await rm(partial, { force: true });
  }
}
