// The sink thread's side of sink-thread.ts: delivers each batch it is handed
// with the HTTP sink (http-sink.ts) and answers with the indices of the
// events that failed and why.
import { parentPort, workerData } from 'node:worker_threads';
import { createHttpSink, type HttpSinkOptions } from './http-sink.ts';
import type { SinkAnswer, SinkBatch } from './sink-thread.ts';
import type { PayloadEvent } from './events.ts';

const sink = createHttpSink(workerData as HttpSinkOptions);
const port = parentPort!;

port.on('message', async ({ id, events }: SinkBatch) => {
  let answer: SinkAnswer;
  try {
    const { failed, error } = await sink.write(events);
    const index = new Map<PayloadEvent, number>(events.map((e, i) => [e, i]));
    answer = { id, failed: failed.map((e) => index.get(e)!), error };
  } catch (error) {
    answer = { id, failed: events.map((_, i) => i), error: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(answer);
});
