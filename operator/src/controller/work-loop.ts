// The worker side both controllers share: a work queue of namespace/name
// keys, every key enqueued at start and at each resync, and the reconcile
// duration and outcome counted per pass. The InferenceService and the
// BatchInference controllers each own one, so neither waits for the other.
import type { Clock } from '../kube/clock.ts';
import { WorkQueue, type WorkQueueOptions } from '../kube/workqueue.ts';
import type { OperatorMetrics } from '../metrics.ts';

export interface WorkLoopOptions {
  clock: Clock;
  concurrency: number;
  resyncSeconds: number;
  metrics: OperatorMetrics;
  /** Every key to reconcile at start and at each resync. */
  keys: () => string[];
  reconcile: (key: string) => Promise<{ requeueAfterMs: number } | undefined>;
  onError: NonNullable<WorkQueueOptions['onError']>;
  onDepth?: WorkQueueOptions['onDepth'];
}

export class WorkLoop {
  readonly queue: WorkQueue;
  readonly #o: WorkLoopOptions;
  #resync: { cancel(): void } | undefined;
  #running = false;

  constructor(options: WorkLoopOptions) {
    this.#o = options;
    this.queue = new WorkQueue({
      concurrency: options.concurrency,
      clock: options.clock,
      handler: (key) => this.#measured(key),
      onError: options.onError,
      ...(options.onDepth === undefined ? {} : { onDepth: options.onDepth }),
    });
  }

  get running(): boolean {
    return this.#running;
  }

  start(): void {
    this.#running = true;
    this.#enqueueAll();
    this.queue.start();
    this.#scheduleResync();
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#resync?.cancel();
    await this.queue.stop();
  }

  #enqueueAll(): void {
    for (const key of this.#o.keys()) this.queue.add(key);
  }

  #scheduleResync(): void {
    this.#resync = this.#o.clock.setTimeout(() => {
      if (!this.#running) return;
      this.#enqueueAll();
      this.#scheduleResync();
    }, this.#o.resyncSeconds * 1000);
  }

  async #measured(key: string): Promise<{ requeueAfterMs: number } | undefined> {
    const m = this.#o.metrics;
    const end = m.reconcileDuration.startTimer();
    try {
      const next = await this.#o.reconcile(key);
      m.reconciles.inc({ result: 'success' });
      return next;
    } catch (err) {
      m.reconciles.inc({ result: 'error' });
      m.reconcileErrors.inc();
      throw err;
    } finally {
      end();
    }
  }
}
