// Shadow traffic without a mesh (Service mode): the serving revision's
// runtime copies a sampled share of its REST inference requests to the
// shadow's Service (--mirror-url, --mirror-percent). The client never waits
// for a copy: a request is offered once its answer has been written, to a
// bounded queue that a fixed number of senders drain in the background. A
// full queue drops the copy, and every copy is counted by outcome
// (modelship_mirror_requests_total); the shadow's answers are read and
// discarded (the shadow logs them itself when its spec has a logger).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../../common/src/logger.ts';

export interface MirrorConfig {
  /** Base URL of the shadow (its per-revision Service); the request path is appended. */
  readonly url: string;
  /** Percent of requests copied, 0..100. */
  readonly percent: number;
  /** Most copies waiting; more are dropped. */
  readonly queueSize: number;
  /** Most body bytes waiting (copies hold their bodies until sent); more are dropped. */
  readonly queueBytes: number;
  /** Copies in flight at once. */
  readonly concurrency: number;
  /** A copy the shadow has not answered within this is abandoned (failed). */
  readonly timeoutMs: number;
}

export type MirrorOutcome = 'sent' | 'failed' | 'dropped';

/** Header marking a copy, so the shadow's logs and access logs can tell copies from live requests. */
export const MIRRORED_HEADER = 'x-modelship-mirrored';

/** Request headers a copy keeps: what the body needs to be read, and the trace and request ids to correlate. */
const FORWARDED = ['content-type', 'inference-header-content-length', 'traceparent', 'tracestate', 'x-request-id'];

interface Copy {
  path: string;
  headers: Record<string, string>;
  body: Buffer;
}

export interface MirrorDeps {
  readonly logger: Logger;
  readonly count: (outcome: MirrorOutcome) => void;
  /** Seams for tests. */
  readonly random?: () => number;
  readonly send?: (url: string, init: { headers: Record<string, string>; body: Buffer; signal: AbortSignal }) => Promise<number>;
}

async function fetchSend(url: string, init: { headers: Record<string, string>; body: Buffer; signal: AbortSignal }): Promise<number> {
  const response = await fetch(url, { method: 'POST', headers: init.headers, body: init.body, signal: init.signal });
  // Read to the end so the connection goes back to the pool; the answer itself is discarded.
  await response.arrayBuffer();
  return response.status;
}

export class Mirror {
  readonly #c: MirrorConfig;
  readonly #d: Required<MirrorDeps>;
  readonly #base: string;
  #queue: Copy[] = [];
  #queuedBytes = 0;
  #inFlight = 0;
  #closing = false;
  #idle: Array<() => void> = [];
  #lastWarnAt = -Infinity;

  constructor(config: MirrorConfig, deps: MirrorDeps) {
    this.#c = config;
    this.#d = { random: Math.random, send: fetchSend, ...deps };
    this.#base = config.url.replace(/\/+$/, '');
  }

  get queued(): number {
    return this.#queue.length;
  }

  /**
   * Called with a request whose body has been read: if sampled, a copy is
   * queued once the client's answer is written. Never throws, never waits.
   */
  offer(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
    if (this.#c.percent <= 0 || this.#d.random() * 100 >= this.#c.percent) return;
    const headers: Record<string, string> = { [MIRRORED_HEADER]: 'true' };
    for (const name of FORWARDED) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    const copy: Copy = { path: req.url ?? '/', headers, body };
    res.once('finish', () => this.#enqueue(copy));
  }

  /**
   * A copy of a request already answered (the gRPC relay calls it after the
   * client's answer is sent): sampled, then queued like a REST copy.
   */
  copy(path: string, headers: Record<string, string>, body: Buffer): void {
    if (this.#c.percent <= 0 || this.#d.random() * 100 >= this.#c.percent) return;
    this.#enqueue({ path, headers: { ...headers, [MIRRORED_HEADER]: 'true' }, body });
  }

  #enqueue(copy: Copy): void {
    if (this.#closing || this.#queue.length >= this.#c.queueSize || this.#queuedBytes + copy.body.length > this.#c.queueBytes) {
      this.#d.count('dropped');
      this.#warn(this.#closing ? 'the server is shutting down' : 'the mirror queue is full');
      return;
    }
    this.#queue.push(copy);
    this.#queuedBytes += copy.body.length;
    this.#pump();
  }

  #pump(): void {
    while (this.#inFlight < this.#c.concurrency && this.#queue.length > 0) {
      const copy = this.#queue.shift() as Copy;
      this.#queuedBytes -= copy.body.length;
      this.#inFlight++;
      void this.#send(copy).finally(() => {
        this.#inFlight--;
        if (this.#queue.length > 0) this.#pump();
        else if (this.#inFlight === 0) for (const done of this.#idle.splice(0)) done();
      });
    }
  }

  async #send(copy: Copy): Promise<void> {
    try {
      const status = await this.#d.send(`${this.#base}${copy.path}`, { headers: copy.headers, body: copy.body, signal: AbortSignal.timeout(this.#c.timeoutMs) });
      this.#d.count(status >= 200 && status < 300 ? 'sent' : 'failed');
    } catch (error) {
      this.#d.count('failed');
      this.#warn(`a copy could not be sent: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** At most one warning a minute: a shadow that is down must not flood the log. */
  #warn(why: string): void {
    const now = performance.now();
    if (now - this.#lastWarnAt < 60_000) return;
    this.#lastWarnAt = now;
    this.#d.logger.warn('shadow copies are being lost', { reason: why, url: this.#base });
  }

  /** Stops taking copies and waits (up to `deadlineMs`) for those queued and in flight. */
  async close(deadlineMs: number): Promise<void> {
    this.#closing = true;
    if (this.#inFlight === 0 && this.#queue.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve) => this.#idle.push(resolve)),
      new Promise<void>((resolve) => { timer = setTimeout(resolve, deadlineMs); timer.unref(); }),
    ]);
    clearTimeout(timer);
    for (let i = this.#queue.length; i > 0; i--) this.#d.count('dropped');
    this.#queue = [];
    this.#queuedBytes = 0;
  }
}
