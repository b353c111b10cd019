import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { createLogger } from '../../../common/src/logger.ts';
import { RuntimeMetrics } from '../metrics.ts';
import type { Tensor } from '../protocol/types.ts';
import type { Profile } from '../profile/profile.ts';
import { featureLabels, MAX_FEATURE_LABELS, OTHER_FEATURES } from './metrics.ts';
import type { InferenceEngine } from '../inference/engine.ts';
import { DriftMonitor, MAX_PENDING, SAMPLED_VALUES } from './monitor.ts';

const load = (name: string) => JSON.parse(readFileSync(new URL(`../../../examples/models/${name}.profile.json`, import.meta.url), 'utf8')) as Profile;
const silent = createLogger({ component: 't', silent: true });
const row = (values: number[]): Tensor[] => [{ name: 'input', datatype: 'FP32', shape: [1, values.length], data: Float32Array.from(values) }];

describe('drift monitor', () => {
  it('counts off the request path and drops beyond its queue instead of waiting', async () => {
    const metrics = new RuntimeMetrics('iris', { processMetrics: false });
    const monitor = new DriftMonitor(load('iris'), { size: 10, slices: 1, threshold: 0.2 }, metrics.drift, silent);
    for (let i = 0; i < MAX_PENDING + 5; i++) monitor.offer(row([5, 3, 9, 1]), []);
    assert.equal(monitor.report.counted, 0, 'nothing is counted synchronously in offer');
    assert.equal(monitor.report.dropped, 5);
    await monitor.settled();
    assert.equal(monitor.report.counted, MAX_PENDING);
    const text = await metrics.registry.metrics();
    assert.match(text, new RegExp(`modelship_feature_out_of_range_total\\{model="iris",feature="petal_length"\\} ${MAX_PENDING}`), 'petal length 9 is past the training maximum');
    assert.match(text, /modelship_feature_out_of_range_total\{model="iris",feature="sepal_width"\} 0/, 'exported at 0');
    assert.match(text, /modelship_feature_drift\{model="iris",feature="petal_length",statistic="psi"\} \d/);
  });

  it('exports its own PSI threshold, which the chart\'s drift alert compares each feature with', async () => {
    const metrics = new RuntimeMetrics('iris', { processMetrics: false });
    new DriftMonitor(load('iris'), { size: 10, slices: 1, threshold: 0.35 }, metrics.drift, silent);
    assert.match(await metrics.registry.metrics(), /^modelship_drift_threshold\{model="iris"\} 0\.35$/m);
  });

  it('counts predicted classes per output, exported at 0 from the start, unseen classes apart', async () => {
    const metrics = new RuntimeMetrics('iris', { processMetrics: false });
    const monitor = new DriftMonitor(load('iris'), { size: 1000, slices: 4, threshold: 0.2 }, metrics.drift, silent);
    const before = await metrics.registry.metrics();
    assert.match(before, /modelship_predictions_total\{model="iris",output="label",class="2"\} 0/);
    assert.match(before, /modelship_predictions_total\{model="iris",output="label",class="_unseen"\} 0/);
    const answer = (label: bigint, probabilities: number[]): Tensor[] => [
      { name: 'label', datatype: 'INT64', shape: [1], data: BigInt64Array.from([label]) },
      { name: 'probabilities', datatype: 'FP32', shape: [1, 3], data: Float32Array.from(probabilities) },
    ];
    for (let i = 0; i < 3; i++) monitor.offer(row([5, 3, 1.5, 0.2]), answer(0n, [0.9, 0.05, 0.05]));
    monitor.offer(row([6, 3, 5, 2]), answer(2n, [0.1, 0.2, 0.7]));
    monitor.offer(row([6, 3, 5, 2]), answer(7n, [0.1, 0.8, 0.1]));
    await monitor.settled();
    const text = await metrics.registry.metrics();
    const count = (output: string, cls: string) => Number(new RegExp(`modelship_predictions_total\\{model="iris",output="${output}",class="${cls}"\\} (\\d+)`).exec(text)?.[1]);
    assert.deepEqual(['0', '1', '2', '_unseen'].map((c) => count('label', c)), [3, 0, 1, 1]);
    assert.deepEqual(['0', '1', '2', '_unseen'].map((c) => count('probabilities', c)), [3, 1, 1, 0], 'argmax outputs count their argmax');
  });

  it('bounds feature labels: the first names by order keep theirs, the rest share one', async () => {
    const metrics = new RuntimeMetrics('mnist', { processMetrics: false });
    const monitor = new DriftMonitor(load('mnist-mlp'), { size: 1, slices: 1, threshold: 0.2 }, metrics.drift, silent);
    monitor.offer(row(new Array<number>(784).fill(2)), [{ name: 'logits', datatype: 'FP32', shape: [1, 10], data: new Float32Array(10) }]);
    await monitor.settled();
    const text = await metrics.registry.metrics();
    const labels = new Set([...text.matchAll(/modelship_feature_drift\{model="mnist",feature="([^"]+)",statistic="psi"\}/g)].map((m) => m[1]));
    assert.equal(labels.size, MAX_FEATURE_LABELS + 1);
    assert.ok(labels.has(OTHER_FEATURES));
    assert.match(text, /modelship_prediction_drift\{model="mnist",output="logits",statistic="psi"\}/);
  });

  it('each gauge shows its feature\'s statistic; the shared label shows the largest of the features behind it', async () => {
    const metrics = new RuntimeMetrics('mnist', { processMetrics: false });
    const monitor = new DriftMonitor(load('mnist-mlp'), { size: 1, slices: 1, threshold: 0.2 }, metrics.drift, silent);
    // Pixel values spread over the range, so the features' statistics differ.
    monitor.offer(row(Array.from({ length: 784 }, (_, i) => ((i * 37) % 256) / 255)), [{ name: 'logits', datatype: 'FP32', shape: [1, 10], data: new Float32Array(10) }]);
    await monitor.settled();
    const text = await metrics.registry.metrics();
    const gauge = (feature: string, statistic: string) => {
      const m = text.match(new RegExp(`^modelship_feature_drift\\{model="mnist",feature="${feature.replace(/[[\]().*+?^$|\\{}]/g, '\\$&')}",statistic="${statistic}"\\} (\\S+)$`, 'm'));
      return m === null ? undefined : Number(m[1]);
    };
    const features = monitor.report.features;
    const labels = featureLabels(features.map((f) => f.feature));
    for (const statistic of ['psi', 'ks'] as const) {
      const own = features.find((f) => labels.get(f.feature) !== OTHER_FEATURES && f[statistic] !== null)!;
      assert.equal(gauge(own.feature, statistic), own[statistic]);
      const shared = features.filter((f) => labels.get(f.feature) === OTHER_FEATURES).map((f) => f[statistic]).filter((v): v is number => v !== null);
      assert.ok(new Set(shared).size > 1, 'the shared features differ');
      assert.equal(gauge(OTHER_FEATURES, statistic), Math.max(...shared));
    }
  });

  it('samples wide requests to a budget of feature values, deterministically', async () => {
    const metrics = new RuntimeMetrics('mnist', { processMetrics: false });
    const monitor = new DriftMonitor(load('mnist-mlp'), { size: 1000, slices: 4, threshold: 0.2 }, metrics.drift, silent);
    const pixels = row(new Array<number>(784).fill(0));
    for (let i = 0; i < 784; i++) monitor.offer(pixels, []);
    assert.equal(monitor.report.sampled, SAMPLED_VALUES, 'one request in 784 / 256');
    const batch: Tensor[] = [{ name: 'input', datatype: 'FP32', shape: [4, 784], data: new Float32Array(4 * 784) }];
    for (let i = 0; i < 784; i++) monitor.offer(batch, []);
    assert.equal(monitor.report.sampled, SAMPLED_VALUES + SAMPLED_VALUES / 4, 'a four-row request counts four times the values');
    await monitor.settled();
    assert.equal(monitor.report.counted, monitor.report.sampled);
  });

  it('never lets a counting failure reach the caller', async () => {
    const metrics = new RuntimeMetrics('iris', { processMetrics: false });
    const errors: string[] = [];
    const logger = createLogger({ component: 't', silent: true });
    logger.error = ((message: string) => (errors.push(message), logger)) as typeof logger.error;
    const monitor = new DriftMonitor(load('iris'), { size: 1, slices: 1, threshold: 0.2 }, metrics.drift, logger);
    const unreadable = [{ name: 'input', datatype: 'FP32', shape: [1, 4], get data(): never { throw new Error('boom'); } }] as unknown as Tensor[];
    assert.doesNotThrow(() => monitor.offer(unreadable, []));
    const poisoned = new Proxy(new BigInt64Array(1), { get: (target, p) => (p === '0' ? assert.fail('poisoned element') : Reflect.get(target, p)) });
    assert.doesNotThrow(() => monitor.offer(row([5, 3, 1.5, 0.2]), [{ name: 'label', datatype: 'INT64', shape: [1], data: poisoned }]));
    await monitor.settled();
    assert.deepEqual(errors, ['drift monitoring could not take a request', 'drift monitoring failed on a batch of requests']);
    monitor.offer(row([5, 3, 1.5, 0.2]), []);
    await monitor.settled();
    assert.equal(monitor.report.counted, 1, 'the poisoned request is lost, and counting goes on afterwards');
  });

  it('counts what a request carried even when the run transfers its buffers away (unbatched requests)', async () => {
    const metrics = new RuntimeMetrics('iris', { processMetrics: false });
    const monitor = new DriftMonitor(load('iris'), { size: 1, slices: 1, threshold: 0.2 }, metrics.drift, silent);
    const engine = {
      model: { name: 'iris' },
      async infer(request: { inputs: Tensor[] }): Promise<Tensor[]> {
        const buffer = (request.inputs[0]!.data as Float32Array).buffer as ArrayBuffer;
        structuredClone(buffer, { transfer: [buffer] });
        return [];
      },
    } as unknown as InferenceEngine;
    const wrapped = monitor.observing(engine);
    assert.equal(wrapped.model.name, 'iris');
    const inputs = row([5, 3, 9, 0.2]);
    await wrapped.infer({ id: undefined, inputs, outputs: [] });
    assert.equal(inputs[0]!.data.length, 0, 'the buffer was detached by the run');
    await monitor.settled();
    const report = monitor.report;
    assert.deepEqual(report.features.map((f) => f.values), [1, 1, 1, 1]);
    assert.equal(report.features[2]!.outOfRangeShare, 1);
  });

  it('copies at most MAX_ROWS_PER_REQUEST rows of a large request', async () => {
    const metrics = new RuntimeMetrics('iris', { processMetrics: false });
    const monitor = new DriftMonitor(load('iris'), { size: 1, slices: 1, threshold: 0.2 }, metrics.drift, silent);
    const taken = monitor.take([{ name: 'input', datatype: 'FP32', shape: [1000, 4], data: Float32Array.from({ length: 4000 }, (_, i) => i) }])!;
    assert.deepEqual(taken[0]!.shape, [63, 4]);
    assert.deepEqual(Array.from(taken[0]!.data.slice(4, 8) as Float32Array), [64, 65, 66, 67], 'every 16th row');
  });
});
