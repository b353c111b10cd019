// The main thread's side of the front-end threads (--frontend-threads above
// 1): starts them on one port, keeps each told of the phase and model,
// answers their validated requests through the one engine (so batches fill
// across all front ends), gathers their metrics for the metrics port, drains
// and closes them, and replaces a thread that dies.
import { createServer } from 'node:http';
import { Worker } from 'node:worker_threads';
import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import type { Logger } from '../../../common/src/logger.ts';
import type { Answered } from '../fallback/fallback.ts';
import type { InferRequest } from '../protocol/types.ts';
import { listen } from '../http-server.ts';
import { fp16AsBits, fp16FromBits } from '../workers/messages.ts';
import type { Failure, FromFrontend, FrontendOptions, Snapshot, ToFrontend } from './messages.ts';

// The compiled image runs dist/**/*.js: the thread script has the extension of this module.
const THREAD_URL = new URL(import.meta.url.endsWith('.ts') ? './thread.ts' : './thread.js', import.meta.url);

/** What the front ends need of the main thread. */
export interface FrontendHost {
  snapshot(): Snapshot;
  /** Answers a validated request (input policy, fallback, drift, engine); throws what core.describe maps. */
  answer(request: InferRequest, gone: AbortSignal): Promise<Answered>;
  describe(error: unknown): Failure;
  driftReport(): object | undefined;
  /** A thread died (it is replaced). */
  threadFailed(): void;
}

interface Thread {
  readonly index: number;
  readonly worker: Worker;
  /** Requests of this thread being answered, by its id: aborted when the thread dies. */
  readonly inFlight: Map<number, AbortController>;
  /** Answers to the main thread's requests (collect, quiet, close), by id. */
  readonly replies: Map<number, (message: FromFrontend) => void>;
}

const REPLACE_DELAY_MS = 200;

export class FrontendPool {
  readonly #port: number;
  readonly #threads: (Thread | undefined)[];
  readonly #options: Omit<FrontendOptions, 'index'> & { readonly silent: boolean };
  readonly #host: FrontendHost;
  readonly #logger: Logger;
  readonly #url: URL;
  #nextId = 0;
  #closing = false;

  private constructor(count: number, options: Omit<FrontendOptions, 'index'> & { readonly silent: boolean }, host: FrontendHost, logger: Logger, url: URL) {
    this.#port = options.port;
    this.#threads = Array.from({ length: count });
    this.#options = options;
    this.#host = host;
    this.#logger = logger;
    this.#url = url;
  }

  /**
   * Starts `count` threads on `options.port`, all at once (each loads the
   * app's modules, the slow part of starting). Port 0: a socket of the main
   * thread's own, with SO_REUSEPORT, holds a free port until they listen on it.
   */
  static async start(count: number, options: Omit<FrontendOptions, 'index'> & { readonly silent: boolean }, host: FrontendHost, logger: Logger, url = THREAD_URL): Promise<FrontendPool> {
    const placeholder = options.port === 0 ? createServer() : undefined;
    const port = placeholder === undefined ? options.port : await listen(placeholder, options.host, 0, true);
    const pool = new FrontendPool(count, { ...options, port }, host, logger, url);
    try {
      await Promise.all(Array.from({ length: count }, (_, i) => pool.#spawn(i, port)));
      return pool;
    } catch (error) {
      await pool.close();
      throw error;
    } finally {
      placeholder?.close();
    }
  }

  /** The inference port every thread listens on. */
  get port(): number {
    return this.#port;
  }

  /** Requests the threads handed over that are not answered yet. */
  get inFlight(): number {
    return this.#live().reduce((sum, t) => sum + t.inFlight.size, 0);
  }

  /** Tells every thread the current phase and model (call on every phase change). */
  broadcast(): void {
    const message: ToFrontend = { kind: 'state', snapshot: this.#host.snapshot() };
    for (const thread of this.#threads) thread?.worker.postMessage(message);
  }

  /** Each live thread's metrics (getMetricsAsJSON), for AggregatorRegistry.aggregate. */
  collect(): Promise<MetricObjectWithValues<MetricValue<string>>[][]> {
    return Promise.all(this.#live().map((t) => this.#ask(t, 'collect').then((m) => (m.kind === 'collect' ? m.metrics : []))));
  }

  /** Resolves when no thread has an inference request in flight. */
  async quiet(): Promise<void> {
    await Promise.all(this.#live().map((t) => this.#ask(t, 'quiet')));
  }

  /** Closes every listener and connection, then ends the threads. */
  async close(): Promise<void> {
    this.#closing = true;
    const live = this.#live();
    await Promise.all(live.map((t) => Promise.race([this.#ask(t, 'close'), new Promise((resolve) => setTimeout(resolve, 1000).unref())])));
    await Promise.all(live.map((t) => t.worker.terminate()));
  }

  #live(): Thread[] {
    return this.#threads.filter((t): t is Thread => t !== undefined);
  }

  #ask(thread: Thread, kind: 'collect' | 'quiet' | 'close'): Promise<FromFrontend> {
    const id = this.#nextId++;
    return new Promise((resolve) => {
      thread.replies.set(id, resolve);
      thread.worker.postMessage({ kind, id } satisfies ToFrontend);
    });
  }

  /** Starts thread `index` on `port`; resolves with the port it listens on. */
  #spawn(index: number, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const worker = new Worker(this.#url, { name: `frontend-${index}`, workerData: { ...this.#options, index, port } satisfies FrontendOptions & { silent: boolean } });
      const thread: Thread = { index, worker, inFlight: new Map(), replies: new Map() };
      this.#threads[index] = thread;
      let listening = false;
      worker.once('error', (error) => {
        if (!listening) reject(error);
        else this.#logger.error('front-end thread failed', { thread: index, error: error.stack ?? error.message });
      });
      worker.on('message', (message: FromFrontend) => {
        if (message.kind === 'listening') {
          listening = true;
          worker.postMessage({ kind: 'state', snapshot: this.#host.snapshot() } satisfies ToFrontend);
          resolve(message.port);
        } else this.#receive(thread, message);
      });
      worker.once('exit', (code) => {
        if (!listening) reject(new Error(`front-end thread ${index} exited with code ${code} before listening`));
        this.#lost(thread, code);
      });
    });
  }

  #lost(thread: Thread, code: number): void {
    if (this.#threads[thread.index] !== thread) return;
    this.#threads[thread.index] = undefined;
    // Its clients' connections died with it: queued requests of theirs are dropped, not run.
    for (const controller of thread.inFlight.values()) controller.abort();
    for (const reply of thread.replies.values()) reply({ kind: 'quiet', id: -1 });
    if (this.#closing) return;
    this.#host.threadFailed();
    this.#logger.error('front-end thread exited; starting a replacement', { thread: thread.index, code });
    setTimeout(() => {
      if (this.#closing) return;
      this.#spawn(thread.index, this.port).then(
        () => this.#logger.info('front-end thread replaced', { thread: thread.index }),
        (error: unknown) => this.#logger.error('replacing a front-end thread failed', { thread: thread.index, error: error instanceof Error ? error.message : String(error) }),
      );
    }, REPLACE_DELAY_MS).unref();
  }

  #receive(thread: Thread, message: FromFrontend): void {
    switch (message.kind) {
      case 'infer': {
        const controller = new AbortController();
        thread.inFlight.set(message.id, controller);
        const request = { ...message.request, inputs: fp16FromBits([...message.request.inputs]) };
        this.#host.answer(request, controller.signal).then(
          // Outputs are copied, not transferred: a static fallback answer hands out the same tensors every time.
          (answered) => thread.worker.postMessage({ kind: 'answered', id: message.id, outputs: fp16AsBits(answered.outputs), fallback: answered.fallback, outOfRange: answered.outOfRange } satisfies ToFrontend),
          (error: unknown) => thread.worker.postMessage({ kind: 'failed', id: message.id, failure: this.#host.describe(error) } satisfies ToFrontend),
        ).finally(() => thread.inFlight.delete(message.id));
        return;
      }
      case 'gone':
        thread.inFlight.get(message.id)?.abort();
        return;
      case 'drift-report':
        thread.worker.postMessage({ kind: 'drift-report', id: message.id, report: this.#host.driftReport() } satisfies ToFrontend);
        return;
      case 'listening':
        return;
      default: {
        const reply = thread.replies.get(message.id);
        thread.replies.delete(message.id);
        reply?.(message);
      }
    }
  }
}
