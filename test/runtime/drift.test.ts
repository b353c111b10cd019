// The drift scenario of issue 11, in process over loopback with the real
// runtime: the iris model with its committed training profile; 5,000
// requests resampled from the training data flag nothing; 5,000 with
// petal_length shifted by two standard deviations flag that feature (and only
// it) within one window, in the report and the metrics; 5,000 back from
// training clear it within one window. Plus: gRPC and v1 requests are counted
// too, a model without a profile has no report, and a profile that does not
// fit its model stops the start naming the field.
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ModelInferRequestSchema, ModelInferResponseSchema } from '../../runtime/src/grpc/gen/grpc_predict_v2_pb.ts';
import type { DriftReport } from '../../runtime/src/drift/monitor.ts';
import type { Profile } from '../../runtime/src/profile/profile.ts';
import { GrpcTestClient } from './support/grpc.ts';
import { tempDir } from './support/models.ts';
import { random } from './support/random.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const MODELS = join(import.meta.dirname, '../../examples/models');
const PROFILE = JSON.parse(readFileSync(join(MODELS, 'iris.profile.json'), 'utf8')) as Profile;
const TRAINING = readFileSync(join(MODELS, 'iris.train.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
const SHIFTED = 2;
const SHIFT = 2 * PROFILE.inputs[0]!.features[SHIFTED]!.std!;
const WINDOW = 1000;
const THRESHOLD = 0.2;

describe('drift scenario (iris, in process)', () => {
  let server: TestServer;
  const next = random(11);

  before(async () => {
    server = await startTestServer(join(MODELS, 'iris.onnx'), ['--drift-window', String(WINDOW), '--drift-slices', '4', '--drift-threshold', String(THRESHOLD)], 'iris');
  });
  after(async () => server?.close());

  /** `count` single-row v2 requests resampled from the training rows, `shift` added to petal_length; 16 at a time. */
  async function send(count: number, shift: number): Promise<void> {
    let sent = 0;
    const worker = async (): Promise<void> => {
      while (sent < count) {
        sent++;
        const row = TRAINING[Math.floor(next() * TRAINING.length)]!.slice();
        row[SHIFTED] = row[SHIFTED]! + shift;
        const res = await fetch(`${server.url}/v2/models/iris/infer`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: row }] }),
        });
        assert.equal(res.status, 200, await res.text());
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
  }

  async function report(): Promise<DriftReport> {
    const res = await fetch(`${server.url}/v2/models/iris/drift`);
    assert.equal(res.status, 200);
    return (await res.json()) as DriftReport;
  }

  /** The report once every request sent so far is counted (bounded wait). */
  async function settled(observed: number): Promise<DriftReport> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const r = await report();
      if (r.observed >= observed && r.counted + r.dropped >= r.sampled) return r;
      if (Date.now() > deadline) assert.fail(`drift counting did not catch up: ${JSON.stringify({ observed: r.observed, counted: r.counted, dropped: r.dropped })}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async function gauge(feature: string, statistic: string): Promise<number> {
    const text = await (await fetch(`${server.url.replace(/:\d+$/, '')}:${server.running.metricsPort}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`modelship_feature_drift{model="iris",feature="${feature}",statistic="${statistic}"}`));
    assert.ok(line, `no ${statistic} gauge for ${feature}`);
    return Number(line.split(' ').pop());
  }

  async function outOfRange(feature: string): Promise<number> {
    const text = await (await fetch(`${server.metricsUrl}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`modelship_feature_out_of_range_total{model="iris",feature="${feature}"}`));
    assert.ok(line, `no out-of-range counter for ${feature}`);
    return Number(line.split(' ').pop());
  }

  it('flags nothing for 5,000 requests from the training distribution', async () => {
    await send(5000, 0);
    const r = await settled(5000);
    assert.equal(r.dropped, 0, 'a quiet queue drops nothing');
    assert.equal(r.sampled, 5000, 'a 4-feature model is under the sampling budget: every request is counted');
    assert.equal(r.requests, WINDOW);
    assert.deepEqual(r.drifted, [], JSON.stringify(r.features.map((f) => [f.feature, f.psi])));
    for (const f of r.features) {
      assert.ok(f.psi !== null && f.psi < THRESHOLD, `${f.feature}: PSI ${f.psi}`);
      assert.ok((await gauge(f.feature, 'psi')) < THRESHOLD);
    }
  });

  it('flags the feature shifted by two standard deviations within one window, and only it', async () => {
    const before = await outOfRange('petal_length');
    await send(WINDOW, SHIFT);
    const r = await settled(5000 + WINDOW);
    assert.deepEqual(r.features.filter((f) => f.drifted).map((f) => f.feature), ['petal_length']);
    assert.equal(r.drifted[0]!.feature, 'petal_length', 'worst first');
    assert.ok((await gauge('petal_length', 'psi')) > THRESHOLD);
    assert.ok((await gauge('petal_length', 'out_of_range_share')) > 0.1);
    for (const other of ['sepal_length', 'sepal_width', 'petal_width']) assert.ok((await gauge(other, 'psi')) < THRESHOLD, other);
    assert.ok((await outOfRange('petal_length')) > before + 100, 'shifted values past the training maximum are counted');
    await send(4000, SHIFT);
    const still = await settled(10_000);
    assert.deepEqual(still.features.filter((f) => f.drifted).map((f) => f.feature), ['petal_length']);
  });

  it('clears within one window once traffic is back to the training distribution', async () => {
    await send(WINDOW, 0);
    const r = await settled(10_000 + WINDOW);
    assert.deepEqual(r.features.filter((f) => f.drifted).map((f) => f.feature), []);
    assert.ok((await gauge('petal_length', 'psi')) < THRESHOLD);
    await send(4000, 0);
    assert.deepEqual((await settled(15_000)).drifted, []);
  });

  it('counts gRPC and v1 requests too', async () => {
    const observed = (await report()).observed;
    const client = new GrpcTestClient(server.running.grpcPort);
    try {
      const reply = await client.call('ModelInfer', ModelInferRequestSchema, { modelName: 'iris', inputs: [{ name: 'input', datatype: 'FP32', shape: [1n, 4n], contents: { fp32Contents: TRAINING[0]! } }] }, ModelInferResponseSchema);
      assert.equal(reply.outputs.length, 2);
    } finally {
      client.close();
    }
    const v1 = await fetch(`${server.url}/v1/models/iris:predict`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ instances: [TRAINING[1]] }) });
    assert.equal(v1.status, 200);
    assert.equal((await settled(observed + 2)).observed, observed + 2);
  });
});

describe('drift without a fitting profile', () => {
  it('has no report for a model without a profile', async () => {
    const dir = tempDir('drift-none-');
    copyFileSync(join(MODELS, 'iris.onnx'), join(dir, 'iris.onnx'));
    const server = await startTestServer(join(dir, 'iris.onnx'), [], 'iris');
    try {
      const res = await fetch(`${server.url}/v2/models/iris/drift`);
      assert.equal(res.status, 404);
      assert.match(((await res.json()) as { error: string }).error, /no training profile/);
      assert.equal((await fetch(`${server.url}/v2/models/other/drift`)).status, 404);
    } finally {
      await server.close();
    }
  });

  it('refuses to start with a malformed profile or one for another model, naming the field', async () => {
    const dir = tempDir('drift-bad-');
    const broken = structuredClone(PROFILE) as unknown as { inputs: { features: { bins?: { counts: number[] } }[] }[] };
    broken.inputs[0]!.features[1]!.bins!.counts.pop();
    writeFileSync(join(dir, 'broken.json'), JSON.stringify(broken));
    await assert.rejects(startTestServer(join(MODELS, 'iris.onnx'), ['--profile-path', join(dir, 'broken.json')], 'iris'), /inputs\[0\]\.features\[1\]\.bins\.counts: has 8 entries for 10 edges/);
    const mnist = join(MODELS, 'mnist-mlp.profile.json');
    await assert.rejects(startTestServer(join(MODELS, 'iris.onnx'), ['--profile-path', mnist], 'iris'), /inputs\[0\]\.features\[4\]\.index: 4 is past the 4 values of a row of 'input'.*outputs\[0\]\.name: 'logits' is not an output of the model/);
  });
});
