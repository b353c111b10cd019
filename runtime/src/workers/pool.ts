// A fixed pool of inference worker threads, each with its own session. The
// batcher never has more runs in flight than there are workers; the pool
// still queues internally so a worker being replaced after a crash cannot
// lose a run. Supervision (supervision.ts): a worker that exits or hangs past
// the run limit fails its run with 500 and is replaced; failed replacements
// are retried with backoff; with no worker left, runs get 503 at once and,
// after a bound, the pool gives up.
import { Worker } from 'node:worker_threads';
import { InferenceError, UnavailableError } from '../errors.ts';
import type { Logger } from '../../../common/src/logger.ts';
import type { Tensor } from '../protocol/types.ts';
import { fp16AsBits, fp16FromBits, transferList, type FromWorker, type RunMessage, type ToWorker, type WorkerOptions } from './messages.ts';
import { DEFAULT_SUPERVISION, retryDelay, type PoolHooks, type SupervisionPolicy } from './supervision.ts';

export type LoadedInfo = Extract<FromWorker, { kind: 'loaded' }>;

export interface RunResult {
  readonly outputs: Tensor[];
  readonly computeSeconds: number;
  /** Thread id of the worker that ran it (a trace attribute). */
  readonly worker?: number | undefined;
}

/** A run failed because its worker died or hung, not because of its inputs: rerunning it alone proves nothing. */
export class WorkerLostError extends InferenceError {}

interface Task {
  readonly inputs: readonly Tensor[];
  readonly resolve: (result: RunResult) => void;
  readonly reject: (error: unknown) => void;
}

interface Slot {
  readonly worker: Worker;
  task: (Task & { id: number }) | undefined;
  timer: NodeJS.Timeout | undefined;
}

// Compiled into dist/ for the images the worker is worker.js; run from source it is worker.ts.
const WORKER_URL = new URL(import.meta.url.endsWith('.ts') ? './worker.ts' : './worker.js', import.meta.url);

export interface PoolSettings {
  readonly policy?: SupervisionPolicy;
  readonly hooks?: PoolHooks;
  /** The worker script; tests substitute one that wraps the real worker with injected faults. */
  readonly workerUrl?: URL;
}

export class WorkerPool {
  readonly size: number;
  readonly #options: WorkerOptions;
  readonly #logger: Logger;
  readonly #policy: SupervisionPolicy;
  readonly #hooks: PoolHooks;
  readonly #workerUrl: URL;
  readonly #slots = new Set<Slot>();
  readonly #idle: Slot[] = [];
  readonly #waiting: Task[] = [];
  #nextId = 1;
  #closing = false;
  #giveUp: NodeJS.Timeout | undefined;
  #lastFailure = 'no replacement attempt finished';

  private constructor(size: number, options: WorkerOptions, logger: Logger, settings: PoolSettings) {
    this.size = size;
    this.#options = options;
    this.#logger = logger;
    this.#policy = settings.policy ?? DEFAULT_SUPERVISION;
    this.#hooks = settings.hooks ?? {};
    this.#workerUrl = settings.workerUrl ?? WORKER_URL;
  }

  /** Starts `size` workers, each loading the model; resolves with the first worker's load report. */
  static async start(size: number, options: WorkerOptions, logger: Logger, settings: PoolSettings = {}): Promise<{ pool: WorkerPool; loaded: LoadedInfo }> {
    const pool = new WorkerPool(size, options, logger, settings);
    try {
      const reports = await Promise.all(Array.from({ length: size }, () => pool.#spawn()));
      return { pool, loaded: reports[0] as LoadedInfo };
    } catch (error) {
      await pool.close();
      throw error;
    }
  }

  /** Loaded workers (fewer than `size` while replacements load). */
  get alive(): number {
    return this.#slots.size;
  }

  /** Runs one (possibly batched) set of inputs on the next free worker. */
  run(inputs: readonly Tensor[]): Promise<RunResult> {
    if (this.#slots.size === 0) return Promise.reject(this.#noWorker());
    return new Promise((resolve, reject) => {
      const task = { inputs, resolve, reject };
      const slot = this.#idle.pop();
      if (slot) this.#send(slot, task);
      else this.#waiting.push(task);
    });
  }

  async close(): Promise<void> {
    this.#closing = true;
    clearTimeout(this.#giveUp);
    const slots = [...this.#slots];
    this.#slots.clear();
    for (const slot of slots) clearTimeout(slot.timer);
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  #noWorker(): UnavailableError {
    return new UnavailableError('no inference worker is running; a replacement is starting, retry later', 2);
  }

  #spawn(): Promise<LoadedInfo> {
    return new Promise((resolve, reject) => {
      const worker = new Worker(this.#workerUrl, { workerData: this.#options });
      const slot: Slot = { worker, task: undefined, timer: undefined };
      let loaded = false;
      worker.on('message', (message: FromWorker) => {
        switch (message.kind) {
          case 'loaded':
            loaded = true;
            if (this.#closing) {
              void worker.terminate();
              reject(new Error('the pool closed while the worker was loading'));
              return;
            }
            this.#slots.add(slot);
            this.#release(slot);
            this.#aliveChanged();
            resolve(message);
            return;
          case 'load-failed':
            void worker.terminate();
            reject(new Error(`loading ${this.#options.modelPath} failed: ${message.message}`));
            return;
          case 'result':
          case 'error':
            this.#settle(slot, message);
        }
      });
      worker.on('error', (error) => {
        if (!loaded) reject(error);
        else this.#logger.error('inference worker failed', { error: error.message });
      });
      worker.on('exit', (code) => {
        if (!loaded) {
          reject(new Error(`inference worker exited with code ${code} while loading the model`));
          return;
        }
        this.#lost(slot, 'exited', `the inference worker exited (code ${code}) during the run`);
      });
    });
  }

  #send(slot: Slot, task: Task): void {
    const id = this.#nextId++;
    slot.task = { ...task, id };
    const message: RunMessage = { kind: 'run', id, inputs: fp16AsBits(task.inputs) };
    try {
      slot.worker.postMessage(message, transferList(task.inputs));
    } catch (error) {
      slot.task = undefined;
      this.#release(slot);
      task.reject(error);
      return;
    }
    const { maxRunMs } = this.#policy;
    if (maxRunMs > 0) {
      slot.timer = setTimeout(() => {
        // Not terminate(): mid-run the thread is in native code, where termination aborts the process.
        slot.worker.postMessage({ kind: 'stop' } satisfies ToWorker);
        this.#lost(slot, 'hung', `the run took longer than the limit of ${maxRunMs / 1000} s (--max-run-seconds); its worker is being replaced`);
      }, maxRunMs);
    }
  }

  #settle(slot: Slot, message: Extract<FromWorker, { kind: 'result' | 'error' }>): void {
    const task = slot.task;
    if (!task || task.id !== message.id) return;
    clearTimeout(slot.timer);
    slot.task = undefined;
    this.#release(slot);
    if (message.kind === 'result') task.resolve({ outputs: fp16FromBits(message.outputs), computeSeconds: message.computeSeconds, worker: slot.worker.threadId });
    else task.reject(new InferenceError(`inference failed: ${message.message}`));
  }

  #release(slot: Slot): void {
    const next = this.#waiting.shift();
    if (next) this.#send(slot, next);
    else this.#idle.push(slot);
  }

  /** A worker died or hung after loading: fail its run, forget it, and start a replacement. */
  #lost(slot: Slot, kind: 'exited' | 'hung', reason: string): void {
    if (!this.#slots.delete(slot)) return;
    this.#hooks.onFailure?.(kind);
    clearTimeout(slot.timer);
    const index = this.#idle.indexOf(slot);
    if (index >= 0) this.#idle.splice(index, 1);
    slot.task?.reject(new WorkerLostError(reason));
    slot.task = undefined;
    if (this.#closing) return;
    this.#logger.error('inference worker lost; starting a replacement', { reason, alive: this.#slots.size });
    this.#aliveChanged();
    this.#replace(0);
  }

  #replace(attempt: number): void {
    this.#spawn().catch((error: unknown) => {
      if (this.#closing) return;
      this.#lastFailure = error instanceof Error ? error.message : String(error);
      this.#hooks.onFailure?.('load_failed');
      const delay = retryDelay(this.#policy, attempt);
      this.#logger.error('replacing an inference worker failed; retrying', { error: this.#lastFailure, attempt: attempt + 1, retryInMs: delay });
      setTimeout(() => {
        if (!this.#closing) this.#replace(attempt + 1);
      }, delay).unref();
    });
  }

  #aliveChanged(): void {
    const alive = this.#slots.size;
    if (alive === 0) {
      // Nothing can run until a replacement loads: fail what waits at once (clients retry elsewhere), and bound the wait.
      for (const task of this.#waiting.splice(0)) task.reject(this.#noWorker());
      this.#giveUp ??= setTimeout(() => this.#exhausted(), this.#policy.giveUpMs);
    } else {
      clearTimeout(this.#giveUp);
      this.#giveUp = undefined;
    }
    this.#hooks.onAlive?.(alive);
  }

  #exhausted(): void {
    const error = new Error(`no inference worker could be started for ${this.#policy.giveUpMs / 1000} s: ${this.#lastFailure}`);
    void this.close();
    this.#hooks.onExhausted?.(error);
  }
}
