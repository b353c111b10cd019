// A level-triggered work queue of keys (namespace/name), after client-go's:
// a key waiting in the queue is never queued twice, a key being processed is
// never processed by two workers at once (an add while it runs makes it run
// again afterwards), failures back off exponentially per key, and at most
// `concurrency` keys are processed at a time. Handlers read the latest state
// themselves; the queue carries keys, never snapshots.
import { backoff, type Clock } from './clock.ts';

export type KeyHandler = (key: string) => Promise<{ requeueAfterMs?: number } | void>;

export interface WorkQueueOptions {
  concurrency: number;
  handler: KeyHandler;
  clock: Clock;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Called with every failure before the key is retried. */
  onError?: (key: string, err: unknown, attempt: number) => void;
  onDepth?: (depth: number) => void;
}

export class WorkQueue {
  readonly #o: Required<Omit<WorkQueueOptions, 'onError' | 'onDepth'>> & Pick<WorkQueueOptions, 'onError' | 'onDepth'>;
  readonly #queue: string[] = [];
  readonly #queued = new Set<string>();
  readonly #processing = new Set<string>();
  readonly #dirty = new Set<string>();
  readonly #failures = new Map<string, number>();
  readonly #delayed = new Map<string, { at: number; cancel(): void }>();
  readonly #idleWaiters: Array<() => void> = [];
  #running = false;

  constructor(options: WorkQueueOptions) {
    this.#o = { baseDelayMs: 100, maxDelayMs: 60_000, ...options };
  }

  get depth(): number {
    return this.#queue.length;
  }

  get active(): number {
    return this.#processing.size;
  }

  add(key: string): void {
    if (this.#processing.has(key)) {
      this.#dirty.add(key);
      return;
    }
    if (this.#queued.has(key)) return;
    this.#queued.add(key);
    this.#queue.push(key);
    this.#o.onDepth?.(this.#queue.length);
    this.#pump();
  }

  /** Adds the key after a delay; an earlier pending delay for the key wins. */
  addAfter(key: string, ms: number): void {
    if (ms <= 0) return this.add(key);
    const at = this.#o.clock.now() + ms;
    const pending = this.#delayed.get(key);
    if (pending !== undefined && pending.at <= at) return;
    pending?.cancel();
    const timer = this.#o.clock.setTimeout(() => {
      this.#delayed.delete(key);
      this.add(key);
    }, ms);
    this.#delayed.set(key, { at, cancel: () => timer.cancel() });
  }

  failures(key: string): number {
    return this.#failures.get(key) ?? 0;
  }

  /** Starts workers; keys added before start wait in the queue. */
  start(): void {
    this.#running = true;
    this.#pump();
  }

  /** Stops taking keys and waits for the ones in flight. */
  async stop(): Promise<void> {
    this.#running = false;
    for (const d of this.#delayed.values()) d.cancel();
    this.#delayed.clear();
    if (this.#processing.size > 0) await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
  }

  #pump(): void {
    while (this.#running && this.#processing.size < this.#o.concurrency && this.#queue.length > 0) {
      const key = this.#queue.shift() as string;
      this.#queued.delete(key);
      this.#processing.add(key);
      this.#o.onDepth?.(this.#queue.length);
      void this.#process(key);
    }
  }

  async #process(key: string): Promise<void> {
    let retryIn: number | undefined;
    try {
      const result = await this.#o.handler(key);
      this.#failures.delete(key);
      retryIn = result?.requeueAfterMs;
    } catch (err) {
      const attempt = (this.#failures.get(key) ?? 0) + 1;
      this.#failures.set(key, attempt);
      this.#o.onError?.(key, err, attempt);
      retryIn = backoff(attempt, this.#o.baseDelayMs, this.#o.maxDelayMs);
    } finally {
      this.#processing.delete(key);
    }
    if (this.#dirty.delete(key)) this.add(key);
    else if (retryIn !== undefined && this.#running) this.addAfter(key, retryIn);
    if (this.#processing.size === 0) for (const resolve of this.#idleWaiters.splice(0)) resolve();
    this.#pump();
  }
}
