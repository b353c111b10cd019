// A bounded queue in front of one sink, drained in the background. The
// inference path only calls offer(), which never waits and never throws: a
// full queue drops the event and counts it. Batches go to the sink when the
// flush policy says so; a failed batch is retried with exponential backoff,
// then given up and counted. Losses are logged as one warning per interval,
// not one per event. close() flushes what is queued within a deadline.
import type { Logger } from '../../../common/src/logger.ts';
import { sizeOf, type PayloadEvent } from './events.ts';

export type SinkName = 'http' | 'blob';
export type Outcome = 'sent' | 'dropped' | 'failed';

export interface Sink {
  readonly name: SinkName;
  /** Delivers a batch; resolves to the events that could not be delivered (empty: all sent) and why. Throwing means all failed. */
  write(events: readonly PayloadEvent[]): Promise<WriteResult>;
  /** Releases what the sink holds (its thread); called once, when the dispatcher is closed. */
  close?(): Promise<void>;
}

export interface WriteResult {
  readonly failed: readonly PayloadEvent[];
  readonly error?: string | undefined;
}

export interface FlushPolicy {
  /** Most events handed to one write. */
  readonly maxBatch: number;
  /** Write as soon as anything is queued (HTTP), or only once `bytes` are queued or `intervalMs` passed (blob files). */
  readonly bytes: number;
  readonly intervalMs: number;
}

export interface DispatcherOptions {
  readonly sink: Sink;
  readonly capacity: number;
  /** Memory bound of the queue; an event that would pass it is dropped. */
  readonly maxBytes: number;
  readonly policy: FlushPolicy;
  readonly logger: Logger;
  readonly count: (sink: SinkName, outcome: Outcome, n: number) => void;
  readonly retries?: number;
  readonly backoffMs?: number;
  readonly maxBackoffMs?: number;
  readonly warnIntervalMs?: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

export class Dispatcher {
  readonly #o: Required<DispatcherOptions>;
  #queue: PayloadEvent[] = [];
  #bytes = 0;
  #oldestAt = 0;
  #running: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closing = false;
  #deadline = Infinity;
  /** Losses since the last warning, by outcome. */
  #lost = { dropped: 0, failed: 0 };
  #lastError = '';
  #lastWarnAt = -Infinity;

  constructor(options: DispatcherOptions) {
    this.#o = { retries: 5, backoffMs: 100, maxBackoffMs: 5_000, warnIntervalMs: 30_000, ...options };
  }

  get queued(): number {
    return this.#queue.length;
  }

  /** Never blocks, never throws. */
  offer(event: PayloadEvent): void {
    const size = sizeOf(event);
    if (this.#closing || this.#queue.length >= this.#o.capacity || this.#bytes + size > this.#o.maxBytes) {
      this.#lose('dropped', 1, this.#closing ? 'the server is shutting down' : 'the queue is full');
      return;
    }
    if (this.#queue.length === 0) this.#oldestAt = performance.now();
    this.#queue.push(event);
    this.#bytes += size;
    this.#schedule();
  }

  /** Stops taking events and delivers what is queued until `deadlineMs` (performance.now() clock); the rest is counted dropped. */
  async close(deadlineMs: number): Promise<void> {
    this.#closing = true;
    this.#deadline = deadlineMs;
    clearTimeout(this.#timer);
    const finish = async () => {
      while (this.#queue.length > 0 && performance.now() < this.#deadline) {
        await (this.#running ?? this.#drain());
      }
    };
    const left = Math.max(0, deadlineMs - performance.now());
    await Promise.race([finish(), sleep(left)]);
    if (this.#queue.length > 0) {
      this.#lose('dropped', this.#queue.length, 'the grace period ended before they were delivered');
      this.#queue = [];
      this.#bytes = 0;
    }
    // A write still out past the deadline fails (and is counted) when its sink closes.
    await this.#o.sink.close?.();
    this.#warn(true);
  }

  #due(): boolean {
    if (this.#queue.length === 0) return false;
    const { bytes, intervalMs } = this.#o.policy;
    return this.#closing || this.#bytes >= Math.min(bytes, this.#o.maxBytes / 2) || performance.now() - this.#oldestAt >= intervalMs;
  }

  #schedule(): void {
    if (this.#running !== undefined) return;
    if (this.#due()) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#running = this.#drain().finally(() => {
        this.#running = undefined;
        this.#schedule();
      });
    } else if (this.#queue.length > 0 && this.#timer === undefined) {
      const wait = Math.max(1, this.#o.policy.intervalMs - (performance.now() - this.#oldestAt));
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#schedule();
      }, wait);
      this.#timer.unref();
    }
  }

  async #drain(): Promise<void> {
    while (this.#due()) {
      const batch = this.#queue.splice(0, this.#o.policy.maxBatch);
      for (const e of batch) this.#bytes -= sizeOf(e);
      this.#oldestAt = performance.now();
      await this.#deliver(batch);
    }
  }

  async #deliver(batch: readonly PayloadEvent[]): Promise<void> {
    let pending = batch;
    for (let attempt = 0; ; attempt++) {
      let failed: readonly PayloadEvent[];
      try {
        const result = await this.#o.sink.write(pending);
        failed = result.failed;
        if (result.error !== undefined) this.#lastError = result.error;
      } catch (error) {
        failed = pending;
        this.#lastError = error instanceof Error ? error.message : String(error);
      }
      const sent = pending.length - failed.length;
      if (sent > 0) this.#o.count(this.#o.sink.name, 'sent', sent);
      if (failed.length === 0) return;
      const backoff = Math.min(this.#o.maxBackoffMs, this.#o.backoffMs * 2 ** attempt);
      if (attempt >= this.#o.retries || performance.now() + backoff > this.#deadline) {
        this.#lose('failed', failed.length, this.#lastError);
        return;
      }
      pending = failed;
      await sleep(backoff);
    }
  }

  #lose(outcome: 'dropped' | 'failed', n: number, reason: string): void {
    this.#o.count(this.#o.sink.name, outcome, n);
    this.#lost[outcome] += n;
    if (outcome === 'dropped') this.#lastError = reason;
    this.#warn(false);
  }

  /** At most one warning per interval, with the losses since the last one. */
  #warn(force: boolean): void {
    const { dropped, failed } = this.#lost;
    if (dropped + failed === 0) return;
    const now = performance.now();
    if (!force && now - this.#lastWarnAt < this.#o.warnIntervalMs) return;
    this.#lastWarnAt = now;
    this.#o.logger.warn('payload logger lost events', { sink: this.#o.sink.name, dropped, failed, reason: this.#lastError });
    this.#lost = { dropped: 0, failed: 0 };
  }
}
