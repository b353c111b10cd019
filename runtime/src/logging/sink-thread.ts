// The HTTP sink on its own worker thread. With logging `all` every inference
// costs two POSTs; a profile of the runtime under load (bench/observe/hooks.ts)
// put the delivery (CloudEvents headers, node:http client requests, socket
// writes) at more CPU than answering the inference itself, all of it on the
// thread that parses and answers requests. Here that thread only hands each
// batch to the sink thread (one postMessage per batch) and gets back which
// events failed; the dispatcher in front (dispatcher.ts) keeps the queue,
// retries, backoff and counting, unchanged.
//
// A sink thread that dies fails its batches in flight (the dispatcher
// retries them) and is started again on the next write.
import { Worker } from 'node:worker_threads';
import type { Sink, WriteResult } from './dispatcher.ts';
import type { PayloadEvent } from './events.ts';
import type { HttpSinkOptions } from './http-sink.ts';

/** A batch for the sink thread, and its answer: the indices of the events that failed. */
export interface SinkBatch {
  readonly id: number;
  readonly events: readonly PayloadEvent[];
}
export interface SinkAnswer {
  readonly id: number;
  readonly failed: readonly number[];
  readonly error: string | undefined;
}

// Compiled into dist/ for the images the worker is sink-worker.js; run from source it is sink-worker.ts.
const WORKER_URL = new URL(import.meta.url.endsWith('.ts') ? './sink-worker.ts' : './sink-worker.js', import.meta.url);

interface InFlight {
  readonly events: readonly PayloadEvent[];
  readonly resolve: (result: WriteResult) => void;
}

export function createThreadedHttpSink(options: HttpSinkOptions): Sink {
  let worker: Worker | undefined;
  let nextId = 0;
  const inFlight = new Map<number, InFlight>();

  function failAll(error: string): void {
    for (const { events, resolve } of inFlight.values()) resolve({ failed: events, error });
    inFlight.clear();
  }

  function start(): Worker {
    const w = new Worker(WORKER_URL, { workerData: options });
    // Idle between batches: never what keeps the process alive.
    w.unref();
    w.on('message', (answer: SinkAnswer) => {
      const batch = inFlight.get(answer.id);
      if (batch === undefined) return;
      inFlight.delete(answer.id);
      if (inFlight.size === 0) w.unref();
      batch.resolve({ failed: answer.failed.map((i) => batch.events[i] as PayloadEvent), error: answer.error });
    });
    const lost = (reason: string) => {
      if (worker === w) worker = undefined;
      failAll(reason);
    };
    w.on('error', (error) => lost(`the sink thread failed: ${error.message}`));
    w.on('exit', (code) => lost(`the sink thread exited with ${code}`));
    return w;
  }

  return {
    name: 'http',
    write(events): Promise<WriteResult> {
      worker ??= start();
      const id = nextId++;
      const w = worker;
      return new Promise((resolve) => {
        inFlight.set(id, { events, resolve });
        // Keeps the process alive while a batch is out (close() waits for it within the grace period).
        w.ref();
        w.postMessage({ id, events } satisfies SinkBatch);
      });
    },
    async close() {
      const w = worker;
      worker = undefined;
      failAll('the sink thread was stopped');
      if (w !== undefined) await w.terminate();
    },
  };
}
