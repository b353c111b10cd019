// The DriftDetected condition end to end on the real control plane with a
// real Prometheus: Prometheus scrapes stand-in runtime pods (expositions the
// test serves on loopback, labelled with namespace and pod as a Kubernetes
// scrape config labels them), the operator (a process, with its shipped RBAC)
// runs its one query per interval, and the InferenceServices' conditions and
// Events follow: within threshold, drift, steady drift with moving values
// (zero writes), back within threshold, series gone (Unknown), Prometheus
// gone (conditions kept, nothing written).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../operator/src/kube/client.ts';
import { EVENTS } from '../../operator/src/kube/resources.ts';
import { condition, createNamespace, eventually, getIsvc, isvc, predictorName, startOperator, startTestCluster, writesBetween, type OperatorProcess, type TestCluster } from './support.ts';
import { serveExposition, startPrometheus, type Exposition, type LocalPrometheus } from '../monitoring/prometheus.ts';

const NS = 'ml';
let tc: TestCluster;
let op: OperatorProcess;
let prometheus: LocalPrometheus | undefined;
const pods: Record<string, Exposition> = {};
const revisions: Record<string, string> = {};

/** The runtime's drift gauge as it exposes it (runtime/src/metrics.ts): one series per feature and statistic. */
const drift = (model: string, psi: Record<string, number>) => [
  '# TYPE modelship_feature_drift gauge',
  ...Object.entries(psi).flatMap(([feature, v]) => [
    `modelship_feature_drift{model="${model}",feature="${feature}",statistic="psi"} ${v}`,
    `modelship_feature_drift{model="${model}",feature="${feature}",statistic="ks"} 0.99`,
  ]),
].join('\n') + '\n';

before(async () => {
  tc = await startTestCluster();
  await createNamespace(tc.admin, NS);
  await tc.admin.create({ group: 'serving.modelship.io', version: 'v1alpha1', plural: 'inferenceservices', kind: 'InferenceService', namespaced: true }, isvc(NS, 'iris'));
  // Revision names come from the spec alone: an operator without Prometheus names them, then stops.
  const namer = await startOperator(tc.operatorKubeconfig, 'op-namer');
  for (const [name, predictor] of [['strict', { monitoring: { driftThreshold: 0.5 } }], ['quiet', {}]] as const) {
    await tc.admin.create({ group: 'serving.modelship.io', version: 'v1alpha1', plural: 'inferenceservices', kind: 'InferenceService', namespaced: true }, isvc(NS, name, predictor));
  }
  for (const name of ['iris', 'strict']) revisions[name] = await eventually(`the revision of ${name}`, () => predictorName(tc.admin, NS, name), { timeoutMs: 60_000 });
  await namer.kill('SIGTERM');
  pods['iris'] = await serveExposition(drift('iris', { petal_length: 0.05, sepal_width: 0.01 }));
  pods['strict'] = await serveExposition(drift('strict', { petal_length: 0.3 }));
  prometheus = await startPrometheus({
    targets: Object.entries(pods).map(([name, e]) => ({ address: e.address, labels: { namespace: NS, pod: `${revisions[name]}-7d9f8c6b5-x2k4p` } })),
  });
  op = await startOperator(tc.operatorKubeconfig, 'op-drift', ['--prometheus-url', prometheus.url, '--drift-check-seconds', '1']);
  await eventually('the operator to lead', async () => ((await op.isLeader()) ? true : undefined), { timeoutMs: 30_000 });
});

after(async () => {
  await op?.kill('SIGTERM');
  await prometheus?.stop();
  for (const p of Object.values(pods)) await p.close();
  await tc?.stop();
});

const driftOf = async (name: string) => condition(await getIsvc(tc.admin, NS, name), 'DriftDetected');
const untilDrift = (name: string, status: string, what = `${name} DriftDetected=${status}`) =>
  eventually(what, async () => { const c = await driftOf(name); return c?.status === status ? c : undefined; }, { timeoutMs: 45_000, intervalMs: 500 });
const events = async (name: string) => (await tc.admin.list<KubeObject & { reason: string; type: string; message: string; involvedObject: { name: string } }>(EVENTS, { namespace: NS })).items
  .filter((e) => e.involvedObject.name === name && /Drift/.test(e.reason));

test('within threshold, drift, steady drift, back: the condition, its Events, and no writes while values move', async () => {
  const calm = await untilDrift('iris', 'False');
  assert.equal(calm.reason, 'WithinThreshold');
  assert.match(calm.message!, /threshold 0\.2/);
  // strict's 0.3 is under its own threshold 0.5; quiet has no series and so no condition.
  assert.equal((await untilDrift('strict', 'False')).reason, 'WithinThreshold');
  assert.equal(await driftOf('quiet'), undefined);
  assert.deepEqual(await events('iris'), []);

  pods['iris']!.set(drift('iris', { petal_length: 0.6, sepal_width: 0.01 }));
  const drifting = await untilDrift('iris', 'True');
  assert.equal(drifting.reason, 'FeatureDrift');
  assert.equal(drifting.message, `revision ${revisions['iris']}: petal_length PSI 0.6 (threshold 0.2)`);
  assert.equal(drifting.observedGeneration, (await getIsvc(tc.admin, NS, 'iris'))!.metadata.generation);
  const warning = await eventually('the DriftDetected Event', async () => (await events('iris')).find((e) => e.reason === 'DriftDetected'));
  assert.equal(warning.type, 'Warning');
  assert.match(warning.message, /petal_length PSI 0\.6/);

  // Steady drift: the PSI moves every scrape, the condition and the API server do not.
  const before = await op.metrics();
  for (const v of [0.65, 0.7, 0.62, 0.75, 0.68]) {
    pods['iris']!.set(drift('iris', { petal_length: v, sepal_width: 0.01 }));
    await new Promise((r) => setTimeout(r, 1500));
  }
  const afterMetrics = await op.metrics();
  assert.deepEqual(writesBetween(before, afterMetrics), [], 'no write while only the values move');
  assert.ok((afterMetrics.get('modelship_operator_drift_checks_total{result="success"}') ?? 0) > (before.get('modelship_operator_drift_checks_total{result="success"}') ?? 0) + 3, 'the operator kept querying');
  assert.deepEqual(await driftOf('iris'), drifting);
  assert.equal((await events('iris')).filter((e) => e.reason === 'DriftDetected').length, 1, 'one Event, on the transition');

  pods['iris']!.set(drift('iris', { petal_length: 0.04, sepal_width: 0.01 }));
  assert.equal((await untilDrift('iris', 'False')).reason, 'WithinThreshold');
  await eventually('the DriftResolved Event', async () => (await events('iris')).find((e) => e.reason === 'DriftResolved' && e.type === 'Normal'));
});

test('series gone: Unknown (NoDriftData); Prometheus gone: conditions kept and nothing written', async () => {
  pods['strict']!.set('');
  const unknown = await untilDrift('strict', 'Unknown');
  assert.equal(unknown.reason, 'NoDriftData');
  const iris = await driftOf('iris');

  await prometheus!.stop();
  prometheus = undefined;
  const before = await op.metrics();
  const errors = () => op.metrics().then((m) => m.get('modelship_operator_drift_checks_total{result="error"}') ?? 0);
  const failedBefore = before.get('modelship_operator_drift_checks_total{result="error"}') ?? 0;
  await eventually('failed drift queries', async () => ((await errors()) >= failedBefore + 3 ? true : undefined), { timeoutMs: 45_000 });
  assert.deepEqual(writesBetween(before, await op.metrics()), [], 'a failed query writes nothing');
  assert.deepEqual(await driftOf('iris'), iris);
  assert.deepEqual(await driftOf('strict'), unknown);
  assert.ok(op.logs.some((l) => l.includes('drift query to Prometheus failed')), 'the failure is logged');
});
