// A front-end thread (--frontend-threads above 1): the REST app (app.ts) on
// its own event loop, listening on the inference port beside its siblings
// (SO_REUSEPORT: the kernel spreads connections). It reads, parses and
// validates bodies and encodes answers; a validated request goes to the main
// thread, whose one batching queue per model fills from every front end.
// Phase and model come from the main thread (messages.ts); its own request
// metrics are collected at scrape time and summed there.
import { parentPort, workerData } from 'node:worker_threads';
import { createLogger } from '../../../common/src/logger.ts';
import { createApp } from '../app.ts';
import type { Answered } from '../fallback/fallback.ts';
import { createRestServer, listen } from '../http-server.ts';
import { RuntimeMetrics } from '../metrics.ts';
import { RuntimeState } from '../state.ts';
import { fp16AsBits, fp16FromBits, transferList } from '../workers/messages.ts';
import type { FromFrontend, FrontendOptions, ToFrontend } from './messages.ts';
import { RemoteEngine, revive } from './remote.ts';

const port = parentPort;
if (!port) throw new Error('frontend/thread.ts must run in a worker thread');
const options = workerData as FrontendOptions & { readonly silent: boolean };
const post = (message: FromFrontend, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);

const logger = createLogger({ component: 'runtime', level: options.logLevel, silent: options.silent }).child({ frontendThread: options.index });
const metrics = new RuntimeMetrics(options.modelName, { processMetrics: false, constLabels: options.constLabels });
const state = new RuntimeState();

let nextId = 0;
const pending = new Map<number, { resolve(value: never): void; reject(error: Error): void }>();
function ask<T>(message: (id: number) => FromFrontend, transfer?: ArrayBuffer[]): { id: number; answer: Promise<T> } {
  const id = nextId++;
  const answer = new Promise<T>((resolve, reject) => pending.set(id, { resolve: resolve as (value: never) => void, reject }));
  post(message(id), transfer);
  return { id, answer };
}

/** The main thread answers: input policy, fallback, drift window and the model's batching queue are all there. */
function answer(_engine: unknown, request: Parameters<RemoteEngine['infer']>[0], _trace: unknown, gone?: AbortSignal): Promise<Answered> {
  const inputs = fp16AsBits(request.inputs);
  const call = ask<Answered>((id) => ({ kind: 'infer', id, request: { ...request, inputs } }), transferList(inputs));
  gone?.addEventListener('abort', () => post({ kind: 'gone', id: call.id }), { once: true });
  return call.answer;
}

const app = createApp({
  modelName: options.modelName,
  modelVersion: options.modelVersion,
  maxBodyBytes: options.maxBodyBytes,
  maxBodyBytesInFlight: options.maxBodyBytesInFlight,
  bodyBytesInFlight: options.bodyBytesInFlight,
  accessLog: options.accessLog,
  logger,
  metrics,
  state,
  answer,
  driftReport: () => ask<object | undefined>((id) => ({ kind: 'drift-report', id })).answer,
});
const received = metrics.frontendRequests(options.index);
const server = createRestServer((req, res) => {
  received.inc();
  app(req, res);
});

port.on('message', (message: ToFrontend) => {
  switch (message.kind) {
    case 'state': {
      const { phase, model } = message.snapshot;
      if (model !== undefined && state.engine?.model !== model) state.engine = new RemoteEngine(model, (request, gone) => answer(undefined, request, undefined, gone));
      state.phase = phase;
      // As on the main thread: idle keep-alive connections go now, busy ones close after their answer (app.ts).
      if (phase === 'draining') server.closeIdleConnections();
      return;
    }
    case 'answered':
      pending.get(message.id)?.resolve({ outputs: fp16FromBits(message.outputs), fallback: message.fallback, outOfRange: message.outOfRange } as never);
      pending.delete(message.id);
      return;
    case 'failed':
      pending.get(message.id)?.reject(revive(message.failure));
      pending.delete(message.id);
      return;
    case 'drift-report':
      pending.get(message.id)?.resolve(message.report as never);
      pending.delete(message.id);
      return;
    case 'collect':
      void metrics.registry.getMetricsAsJSON().then((collected) => post({ kind: 'collect', id: message.id, metrics: collected }));
      return;
    case 'quiet':
      void state.quiet().then(() => post({ kind: 'quiet', id: message.id }));
      return;
    case 'close':
      server.close();
      server.closeAllConnections();
      post({ kind: 'close', id: message.id });
      return;
  }
});

post({ kind: 'listening', port: await listen(server, options.host, options.port, true) });
