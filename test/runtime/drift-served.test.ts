// Drift counting in a served runtime (a child process, as in a pod): request
// tensors are transferred to the inference worker thread (moved, not
// copied), so the drift monitor must count what the request held, not the
// buffers left behind. Before the fix a pod counted every request and no
// value: the window stayed empty and no drift gauge was ever exported.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startChildServer, type ChildServer } from './support/server.ts';
import { tempDir } from './support/models.ts';

const MODELS = join(import.meta.dirname, '../../examples/models');
const TRAINING = readFileSync(join(MODELS, 'iris.train.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
const WINDOW = 100;

let server: ChildServer;
before(async () => {
  const dir = tempDir();
  copyFileSync(join(MODELS, 'iris.onnx'), join(dir, 'iris.onnx'));
  copyFileSync(join(MODELS, 'iris.profile.json'), join(dir, 'iris.profile.json'));
  server = await startChildServer(join(dir, 'iris.onnx'), ['--drift-window', String(WINDOW), '--drift-slices', '1'], 'iris');
});
after(() => {
  server?.child.kill('SIGKILL');
});

test('a served runtime counts the values of every request in its drift window and exports the gauges', async () => {
  for (let i = 0; i < WINDOW + 10; i++) {
    const res = await fetch(`${server.url}/v2/models/iris/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: TRAINING[i % TRAINING.length] }] }),
    });
    assert.equal(res.status, 200, await res.text());
  }
  const deadline = Date.now() + 30_000;
  let report: { counted: number; features: Array<{ feature: string; values: number; psi: number | null }> };
  for (;;) {
    report = (await (await fetch(`${server.url}/v2/models/iris/drift`)).json()) as typeof report;
    if (report.counted >= WINDOW + 10 || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.deepEqual(report.features.map((f) => [f.feature, f.values]), report.features.map((f) => [f.feature, WINDOW]), 'one value per feature per request in the window');
  assert.ok(report.features.every((f) => f.psi !== null && Number.isFinite(f.psi)));
  const metrics = await (await fetch(`${server.metricsUrl}/metrics`)).text();
  assert.match(metrics, /^modelship_feature_drift\{model="iris",feature="petal_length",statistic="psi"[^}]*\} [0-9.]+$/m);
});
