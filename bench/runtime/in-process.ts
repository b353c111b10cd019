// The baseline the server is measured against: onnxruntime-node called
// directly in this process, on the same model file and the same input rows,
// with no HTTP, JSON or queueing in the way.
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import { summarizeLatencies } from './stats.ts';
import type { InProcess } from './targets.ts';

export interface InProcessOptions {
  modelPath: string;
  inputName: string;
  /** Feature rows to cycle through (each `features` long). */
  rows: Float32Array[];
  features: number;
  batchSize: number;
  durationS: number;
  sessionOptions: ort.InferenceSession.SessionOptions;
}

function batchOf(rows: readonly Float32Array[], features: number, size: number, offset: number): Float32Array {
  const data = new Float32Array(size * features);
  for (let i = 0; i < size; i++) data.set(rows[(offset + i) % rows.length]!, i * features);
  return data;
}

/** Runs `size`-row batches back to back for `durationS`; returns per-run ms. */
async function timeRuns(session: ort.InferenceSession, o: InProcessOptions, size: number, durationS: number): Promise<number[]> {
  const feeds = o.rows.map((_, i) => ({
    [o.inputName]: new ort.Tensor('float32', batchOf(o.rows, o.features, size, i), [size, o.features]),
  }));
  const samples: number[] = [];
  const end = performance.now() + durationS * 1000;
  // Bounded by time and by count, whichever comes first.
  for (let i = 0; i < 5_000_000 && performance.now() < end; i++) {
    const start = performance.now();
    await session.run(feeds[i % feeds.length]!);
    samples.push(performance.now() - start);
  }
  return samples;
}

export async function measureInProcess(o: InProcessOptions): Promise<InProcess> {
  const session = await ort.InferenceSession.create(o.modelPath, o.sessionOptions);
  try {
    // Warm-up: first runs allocate arenas and pick kernels.
    await timeRuns(session, o, 1, 0.5);
    await timeRuns(session, o, o.batchSize, 0.5);

    const single = await timeRuns(session, o, 1, o.durationS);
    const batched = await timeRuns(session, o, o.batchSize, o.durationS);
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    return {
      batch1: { throughputRps: (single.length * 1000) / sum(single), latency: summarizeLatencies(single) },
      batched: {
        batchSize: o.batchSize,
        throughputRowsPerS: (batched.length * o.batchSize * 1000) / sum(batched),
        latency: summarizeLatencies(batched),
      },
    };
  } finally {
    await session.release();
  }
}
