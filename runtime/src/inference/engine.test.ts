import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InferenceError } from '../errors.ts';
import { RuntimeMetrics } from '../metrics.ts';
import { testModel } from '../../../test/runtime/support/test-model.ts';
import type { Tensor } from '../protocol/types.ts';
import { WorkerLostError, type RunResult } from '../workers/pool.ts';
import { InferenceEngine, type Runner } from './engine.ts';

const model = testModel([{ name: 'x', datatype: 'FP32', shape: [-1, 1] }], [{ name: 'x', datatype: 'FP32', shape: [-1, 1] }]);
const request = (v: number) => ({ id: undefined, inputs: [{ name: 'x', datatype: 'FP32' as const, shape: [1, 1], data: new Float32Array([v]) }], outputs: [{ name: 'x', binary: false }] });

/** One worker; the first run waits for `release`, so the next requests queue up and share a batch. */
function blockingRunner(fail: (inputs: readonly Tensor[]) => Error | undefined) {
  let release = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  const runs: number[] = [];
  const runner: Runner = {
    size: 1,
    async run(inputs): Promise<RunResult> {
      runs.push(inputs[0]?.shape[0] ?? 0);
      if (runs.length === 1) await gate;
      const error = fail(inputs);
      if (error) throw error;
      return { outputs: inputs.map((t) => ({ ...t })), computeSeconds: 0 };
    },
  };
  return { runner, runs, release };
}

async function batchOfTwo(fail: (inputs: readonly Tensor[]) => Error | undefined) {
  const { runner, runs, release } = blockingRunner(fail);
  const engine = new InferenceEngine(model, runner, { maxBatchSize: 8, maxQueueDelayMs: 1000, maxQueueSize: 8, queueTimeoutMs: 0 }, new RuntimeMetrics('m', { processMetrics: false }));
  const first = engine.infer(request(0));
  const pair = [engine.infer(request(1)), engine.infer(request(2))].map((p) => p.then(() => 'ok', (e: unknown) => e));
  release();
  await first;
  return { results: await Promise.all(pair), runs };
}

describe('inference engine', () => {
  it('reruns each request of a failed batch alone, so one bad request fails only itself', async () => {
    const { results, runs } = await batchOfTwo((inputs) => ((inputs[0]?.data as Float32Array).includes(2) ? new InferenceError('bad row') : undefined));
    assert.deepEqual(runs, [1, 2, 1, 1]);
    assert.equal(results[0], 'ok');
    assert.match(String(results[1]), /bad row/);
  });

  it('does not rerun a batch whose worker died or hung: every request of it fails', async () => {
    const { results, runs } = await batchOfTwo((inputs) => (inputs[0]?.shape[0] === 2 ? new WorkerLostError('the inference worker exited (code 7) during the run') : undefined));
    assert.deepEqual(runs, [1, 2]);
    for (const r of results) assert.ok(r instanceof WorkerLostError);
  });
});
