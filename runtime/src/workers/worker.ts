// An inference worker thread: owns one onnxruntime InferenceSession and runs
// one batch at a time, so session.run (synchronous in onnxruntime-node) never
// blocks the HTTP event loop, and N workers use N cores.
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { createWithFallback } from '../model/providers.ts';
import { DATATYPES, datatypeOfOrt, type TensorData } from '../protocol/datatypes.ts';
import type { Tensor } from '../protocol/types.ts';
import { transferList, type FromWorker, type RunMessage, type ToWorker, type WorkerOptions } from './messages.ts';

// onnxruntime-common would wrap float16 data in Float16Array, which the native
// binding cannot read; without the global it keeps the Uint16Array bits we send.
delete (globalThis as { Float16Array?: unknown }).Float16Array;

const port = parentPort;
if (!port) throw new Error('worker.ts must run in a worker thread');
const options = workerData as WorkerOptions;
ort.env.logLevel = (['verbose', 'info', 'warning', 'error', 'fatal'] as const)[options.ortLogSeverity];

function send(message: FromWorker, transfer: ArrayBuffer[] = []): void {
  try {
    port?.postMessage(message, transfer);
  } catch {
    // Buffers onnxruntime owns natively cannot be detached; copy them instead.
    port?.postMessage(message);
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function load(): Promise<ort.InferenceSession | undefined> {
  const started = performance.now();
  try {
    const { session, provider, fallbackReason } = await createWithFallback(options.executionProviders, (providers) =>
      ort.InferenceSession.create(options.modelPath, {
        executionProviders: providers,
        intraOpNumThreads: options.intraOpThreads,
        interOpNumThreads: options.interOpThreads,
        graphOptimizationLevel: 'all',
        executionMode: 'sequential',
        logSeverityLevel: options.ortLogSeverity,
      }),
    );
    send({
      kind: 'loaded',
      inputs: session.inputMetadata.map((m) => ({ ...m })),
      outputs: session.outputMetadata.map((m) => ({ ...m })),
      provider,
      fallbackReason,
      loadSeconds: (performance.now() - started) / 1000,
    });
    return session;
  } catch (error) {
    send({ kind: 'load-failed', message: errorMessage(error) });
    return undefined;
  }
}

async function run(session: ort.InferenceSession, message: RunMessage): Promise<void> {
  try {
    const feeds: Record<string, ort.Tensor> = {};
    for (const input of message.inputs) {
      feeds[input.name] = new ort.Tensor(DATATYPES[input.datatype].ort, input.data as ort.Tensor.DataType, input.shape);
    }
    const started = performance.now();
    const results = await session.run(feeds, { logSeverityLevel: options.ortLogSeverity });
    const computeSeconds = (performance.now() - started) / 1000;
    const outputs: Tensor[] = [];
    for (const name of session.outputNames) {
      const value = results[name] as ort.Tensor;
      const datatype = datatypeOfOrt(value.type);
      if (!datatype) throw new Error(`output '${name}' has type ${value.type}, which the protocol cannot carry`);
      outputs.push({ name, datatype, shape: value.dims.slice(), data: value.data as TensorData });
    }
    send({ kind: 'result', id: message.id, outputs, computeSeconds }, transferList(outputs));
  } catch (error) {
    send({ kind: 'error', id: message.id, message: errorMessage(error) });
  }
}

const session = await load();
if (session) {
  port.on('message', (message: ToWorker) => {
    if (message.kind === 'stop') process.exit(0);
    else void run(session, message);
  });
}
