// Dynamic batching scheduler: a bounded FIFO of jobs, coalesced by signature
// into runs of at most `maxBatchSize` rows on at most `concurrency` runners.
//
// A group is dispatched to a free runner when it is full, when its oldest job
// has waited `maxQueueDelayMs`, or at once when nothing at all is running:
// waiting then could only add latency (a lone client never pays the delay),
// while under load runners are busy and jobs pile up into full batches anyway.
// Jobs of different signatures (shapes besides the batch dimension) are never
// mixed. The scheduler knows nothing about tensors: see assemble.ts.
import { ClientClosedError, QueueFullError, QueueTimeoutError } from '../errors.ts';

export interface BatchJob {
  /** Jobs coalesce only with equal signatures; undefined means never coalesce. */
  readonly signature: string | undefined;
  /** Rows along the batch dimension this job contributes. */
  readonly rows: number;
}

export interface BatcherOptions {
  readonly maxBatchSize: number;
  readonly maxQueueDelayMs: number;
  readonly maxQueueSize: number;
  /** 0: jobs wait as long as it takes (--queue-timeout-ms; the runtime's default is 30 s). */
  readonly queueTimeoutMs: number;
  /** Runs in flight at once (the worker count). */
  readonly concurrency: number;
}

export interface BatcherHooks {
  onQueueLength?(length: number): void;
  /** A run starts: its rows and each job's wait in the queue. */
  onDispatch?(rows: number, waitsSeconds: readonly number[]): void;
  /** A job left the queue without running: it timed out, or its client went away. */
  onDrop?(reason: 'timeout' | 'client_closed'): void;
}

interface Entry<J, R> {
  readonly job: J;
  readonly enqueuedAt: number;
  readonly resolve: (result: R) => void;
  readonly reject: (error: unknown) => void;
  timeout: NodeJS.Timeout | undefined;
  /** Detaches the client-gone listener. */
  forget: (() => void) | undefined;
}

export type RunBatch<J, R> = (jobs: J[]) => Promise<R[]>;

export class Batcher<J extends BatchJob, R> {
  readonly #options: BatcherOptions;
  readonly #run: RunBatch<J, R>;
  readonly #hooks: BatcherHooks;
  readonly #now: () => number;
  #pending: Entry<J, R>[] = [];
  /** The jobs of each run in flight, so abort() can answer them. */
  readonly #inRun = new Set<Entry<J, R>[]>();
  #running = 0;
  #delayTimer: NodeJS.Timeout | undefined;
  #idleWaiters: (() => void)[] = [];

  constructor(options: BatcherOptions, run: RunBatch<J, R>, hooks: BatcherHooks = {}, now: () => number = () => performance.now()) {
    this.#options = options;
    this.#run = run;
    this.#hooks = hooks;
    this.#now = now;
  }

  get queued(): number {
    return this.#pending.length;
  }

  get running(): number {
    return this.#running;
  }

  /** Queues a job; `gone` aborts when its client disconnected, which drops the job if it has not started. */
  submit(job: J, gone?: AbortSignal): Promise<R> {
    if (gone?.aborted) return Promise.reject(new ClientClosedError('the client closed the connection before the request was queued'));
    if (this.#pending.length >= this.#options.maxQueueSize) {
      return Promise.reject(new QueueFullError(`the inference queue is full (${this.#options.maxQueueSize} requests waiting); retry later`));
    }
    return new Promise<R>((resolve, reject) => {
      const entry: Entry<J, R> = { job, enqueuedAt: this.#now(), resolve, reject, timeout: undefined, forget: undefined };
      if (this.#options.queueTimeoutMs > 0) {
        entry.timeout = setTimeout(
          () => this.#drop(entry, 'timeout', new QueueTimeoutError(`the request waited longer than the queue timeout (${this.#options.queueTimeoutMs} ms); retry later`)),
          this.#options.queueTimeoutMs,
        );
      }
      if (gone) {
        const onGone = (): void => this.#drop(entry, 'client_closed', new ClientClosedError('the client closed the connection while the request was queued; it was not run'));
        gone.addEventListener('abort', onGone, { once: true });
        entry.forget = () => gone.removeEventListener('abort', onGone);
      }
      this.#pending.push(entry);
      this.#hooks.onQueueLength?.(this.#pending.length);
      this.#pump();
    });
  }

  /** Resolves once nothing is queued or running (used when draining on SIGTERM). */
  idle(): Promise<void> {
    if (this.#pending.length === 0 && this.#running === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /**
   * Rejects every queued job and every job of a run in flight with `error`
   * (the shutdown grace period ended). Runs still on a worker finish or die
   * there; their results are dropped.
   */
  abort(error: Error): void {
    const queued = this.#pending;
    this.#pending = [];
    if (this.#delayTimer) clearTimeout(this.#delayTimer);
    this.#delayTimer = undefined;
    for (const entry of queued) {
      clearTimeout(entry.timeout);
      entry.forget?.();
      entry.reject(error);
    }
    for (const group of this.#inRun) for (const entry of group) entry.reject(error);
    this.#inRun.clear();
    this.#hooks.onQueueLength?.(0);
    this.#notifyIdle();
  }

  /** Takes a job that has not started out of the queue, failing it with `error`. */
  #drop(entry: Entry<J, R>, reason: 'timeout' | 'client_closed', error: Error): void {
    const index = this.#pending.indexOf(entry);
    if (index < 0) return;
    this.#pending.splice(index, 1);
    clearTimeout(entry.timeout);
    entry.forget?.();
    this.#hooks.onQueueLength?.(this.#pending.length);
    this.#hooks.onDrop?.(reason);
    entry.reject(error);
    this.#notifyIdle();
  }

  #pump(): void {
    const { maxBatchSize, maxQueueDelayMs, concurrency } = this.#options;
    while (this.#running < concurrency && this.#pending.length > 0) {
      const head = this.#pending[0] as Entry<J, R>;
      const group = [head];
      let rows = head.job.rows;
      let blocked = false;
      const signature = head.job.signature;
      if (signature !== undefined && maxBatchSize > 1) {
        for (let i = 1; i < this.#pending.length && rows < maxBatchSize; i++) {
          const entry = this.#pending[i] as Entry<J, R>;
          if (entry.job.signature !== signature) continue;
          if (rows + entry.job.rows > maxBatchSize) {
            // Too big for this run; smaller jobs behind it may still fill the gap.
            blocked = true;
            continue;
          }
          group.push(entry);
          rows += entry.job.rows;
        }
      }
      const now = this.#now();
      const ripe = signature === undefined || maxBatchSize <= 1 || rows >= maxBatchSize || blocked || this.#running === 0 || now - head.enqueuedAt >= maxQueueDelayMs;
      if (!ripe) {
        this.#armDelay(head.enqueuedAt + maxQueueDelayMs - now);
        return;
      }
      this.#dispatch(group, rows, now);
    }
  }

  #armDelay(ms: number): void {
    if (this.#delayTimer) return;
    this.#delayTimer = setTimeout(() => {
      this.#delayTimer = undefined;
      this.#pump();
    }, Math.max(0, ms));
  }

  #dispatch(group: Entry<J, R>[], rows: number, now: number): void {
    if (group.length === 1) this.#pending.shift();
    else {
      const taken = new Set(group);
      this.#pending = this.#pending.filter((e) => !taken.has(e));
    }
    for (const entry of group) {
      clearTimeout(entry.timeout);
      entry.forget?.();
    }
    this.#hooks.onQueueLength?.(this.#pending.length);
    this.#hooks.onDispatch?.(rows, group.map((e) => (now - e.enqueuedAt) / 1000));
    this.#running++;
    this.#inRun.add(group);
    let results: Promise<R[]>;
    try {
      results = this.#run(group.map((e) => e.job));
    } catch (error) {
      results = Promise.reject(error);
    }
    results
      .then(
        (values) => {
          if (values.length !== group.length) throw new Error(`a batch of ${group.length} jobs returned ${values.length} results`);
          group.forEach((e, i) => e.resolve(values[i] as R));
        },
      )
      .catch((error: unknown) => {
        for (const e of group) e.reject(error);
      })
      .finally(() => {
        this.#inRun.delete(group);
        this.#running--;
        this.#pump();
        this.#notifyIdle();
      });
  }

  #notifyIdle(): void {
    if (this.#pending.length > 0 || this.#running > 0) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
