// A fixed pool of inference worker threads, each with its own session. The
// batcher never has more runs in flight than there are workers; the pool
// still queues internally so a worker being replaced after a crash cannot
// lose a run.
import { Worker } from 'node:worker_threads';
import { InferenceError } from '../errors.ts';
import type { Logger } from '../../../common/src/logger.ts';
import type { Tensor } from '../protocol/types.ts';
import { fp16AsBits, fp16FromBits, transferList, type FromWorker, type RunMessage, type WorkerOptions } from './messages.ts';

export type LoadedInfo = Extract<FromWorker, { kind: 'loaded' }>;

export interface RunResult {
  readonly outputs: Tensor[];
  readonly computeSeconds: number;
}

interface Task {
  readonly inputs: readonly Tensor[];
  readonly resolve: (result: RunResult) => void;
  readonly reject: (error: unknown) => void;
}

interface Slot {
  readonly worker: Worker;
  task: (Task & { id: number }) | undefined;
}

// Compiled into dist/ for the images the worker is worker.js; run from source it is worker.ts.
const WORKER_URL = new URL(import.meta.url.endsWith('.ts') ? './worker.ts' : './worker.js', import.meta.url);

export class WorkerPool {
  readonly size: number;
  readonly #options: WorkerOptions;
  readonly #logger: Logger;
  readonly #slots = new Set<Slot>();
  readonly #idle: Slot[] = [];
  readonly #waiting: Task[] = [];
  #nextId = 1;
  #closing = false;

  private constructor(size: number, options: WorkerOptions, logger: Logger) {
    this.size = size;
    this.#options = options;
    this.#logger = logger;
  }

  /** Starts `size` workers, each loading the model; resolves with the first worker's load report. */
  static async start(size: number, options: WorkerOptions, logger: Logger): Promise<{ pool: WorkerPool; loaded: LoadedInfo }> {
    const pool = new WorkerPool(size, options, logger);
    try {
      const reports = await Promise.all(Array.from({ length: size }, () => pool.#spawn()));
      return { pool, loaded: reports[0] as LoadedInfo };
    } catch (error) {
      await pool.close();
      throw error;
    }
  }

  /** Runs one (possibly batched) set of inputs on the next free worker. */
  run(inputs: readonly Tensor[]): Promise<RunResult> {
    return new Promise((resolve, reject) => {
      const task = { inputs, resolve, reject };
      const slot = this.#idle.pop();
      if (slot) this.#send(slot, task);
      else this.#waiting.push(task);
    });
  }

  async close(): Promise<void> {
    this.#closing = true;
    const workers = [...this.#slots].map((s) => s.worker);
    this.#slots.clear();
    await Promise.all(workers.map((w) => w.terminate()));
  }

  #spawn(): Promise<LoadedInfo> {
    return new Promise((resolve, reject) => {
      const worker = new Worker(WORKER_URL, { workerData: this.#options });
      const slot: Slot = { worker, task: undefined };
      let loaded = false;
      worker.on('message', (message: FromWorker) => {
        switch (message.kind) {
          case 'loaded':
            loaded = true;
            this.#slots.add(slot);
            this.#release(slot);
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
        this.#lost(slot, code);
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
    }
  }

  #settle(slot: Slot, message: Extract<FromWorker, { kind: 'result' | 'error' }>): void {
    const task = slot.task;
    if (!task || task.id !== message.id) return;
    slot.task = undefined;
    this.#release(slot);
    if (message.kind === 'result') task.resolve({ outputs: fp16FromBits(message.outputs), computeSeconds: message.computeSeconds });
    else task.reject(new InferenceError(`inference failed: ${message.message}`));
  }

  #release(slot: Slot): void {
    const next = this.#waiting.shift();
    if (next) this.#send(slot, next);
    else this.#idle.push(slot);
  }

  /** A worker died after loading: fail its run, forget it, and start a replacement. */
  #lost(slot: Slot, code: number): void {
    if (!this.#slots.delete(slot)) return;
    const index = this.#idle.indexOf(slot);
    if (index >= 0) this.#idle.splice(index, 1);
    slot.task?.reject(new InferenceError(`the inference worker exited (code ${code}) during the run`));
    if (this.#closing) return;
    this.#logger.error('inference worker exited; starting a replacement', { code });
    this.#spawn().catch((error: unknown) => this.#logger.error('replacing an inference worker failed', { error: String(error) }));
  }
}
