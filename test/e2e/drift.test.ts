// The drift scenario of issue 11 on the local cluster: the iris model with its
// committed training profile (beside the model in the pvc model store), the
// real operator, Prometheus scraping the runtime pod with the chart's alert
// rules loaded. 5,000 requests resampled from the training data: the
// InferenceService reports DriftDetected=False and no alert; 5,000 with
// petal_length shifted by two standard deviations: DriftDetected=True naming
// petal_length, a Warning Event, and ModelshipFeatureDrift firing; 5,000 from
// the training data again: the condition clears (DriftResolved) and the alert
// stops. Loopback only; every wait is bounded.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { binaryPath } from '../cluster/binaries.ts';
import type { ManagedProcess } from '../cluster/processes.ts';
import { http, until } from '../localcluster/http.ts';
import { REPO_ROOT, startLocalCluster, startOperator, type LocalCluster } from '../localcluster/local-cluster.ts';
import { AGGREGATOR_API_SERVER_ARGS } from '../localcluster/monitoring/adapter.ts';
import { startMonitoring, type Monitoring } from '../localcluster/monitoring/monitoring.ts';

const NS = 'default';
const NAME = 'iris-drift';
const WINDOW = 500;
const PER_PHASE = 5000;
const PROFILE = JSON.parse(readFileSync(join(REPO_ROOT, 'examples/models/iris.profile.json'), 'utf8')) as { inputs: Array<{ features: Array<{ name: string; std: number }> }> };
const TRAINING = readFileSync(join(REPO_ROOT, 'examples/models/iris.train.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
const SHIFTED = 2;
const SHIFTED_NAME = PROFILE.inputs[0]!.features[SHIFTED]!.name;
const SHIFT = 2 * PROFILE.inputs[0]!.features[SHIFTED]!.std;

const manifest = `apiVersion: serving.modelship.io/v1alpha1
kind: InferenceService
metadata:
  name: ${NAME}
spec:
  predictor:
    monitoring:
      window: ${WINDOW}
    model:
      modelFormat:
        name: onnx
      storageUri: pvc://model-store/iris/iris.onnx
      resources:
        requests: { cpu: 100m, memory: 256Mi }
        limits: { cpu: "1", memory: 1Gi }
`;

let local: LocalCluster;
let monitoring: Monitoring;
let operator: ManagedProcess | undefined;
const log = process.env['E2E_LOG'] ? (l: string) => console.error(l) : undefined;

/** The chart's alert rules as helm renders them, with a test-length `for`. */
function chartRules(dir: string): string {
  const rendered = execFileSync(binaryPath('helm'), [
    'template', 'modelship', join(REPO_ROOT, 'charts/modelship'),
    '--set', 'monitoring.prometheusRule.enabled=true', '--set', 'monitoring.prometheusRule.driftFor=4s',
    '--api-versions', 'monitoring.coreos.com/v1/PrometheusRule', '--show-only', 'templates/prometheusrule.yaml',
  ], { encoding: 'utf8', env: { ...process.env, HELM_CACHE_HOME: '/tmp/modelship-helm/cache', HELM_CONFIG_HOME: '/tmp/modelship-helm/config', HELM_DATA_HOME: '/tmp/modelship-helm/data' } });
  const rule = load(rendered) as { spec: { groups: unknown[] } };
  const file = join(dir, 'modelship-alerts.yaml');
  writeFileSync(file, JSON.stringify({ groups: rule.spec.groups }));
  return file;
}

before(async () => {
  local = await startLocalCluster({ operator: false, harness: { apiServerArgs: AGGREGATOR_API_SERVER_ARGS }, ...(log ? { log } : {}) });
  monitoring = await startMonitoring(local.cluster, { scrapeIntervalSeconds: 2, ruleFiles: [chartRules(local.cluster.dataDir)], ...(log ? { log } : {}) });
  // The operator learns the Prometheus URL only now.
  operator = await startOperator(local.cluster, ['--prometheus-url', monitoring.prometheusUrl, '--drift-check-seconds', '2'], log);
  await local.addModelStore(NS);
});

after(async () => {
  await operator?.kill();
  await monitoring?.stop();
  await local?.stop();
});

let seed = 7;
const next = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);

/** `count` single-row requests resampled from the training rows, petal_length shifted by `shift`; 8 at a time, each must answer 200. */
async function send(infer: string, count: number, shift: number): Promise<void> {
  let sent = 0;
  const worker = async () => {
    while (sent < count) {
      sent++;
      const row = TRAINING[Math.floor(next() * TRAINING.length)]!.slice();
      row[SHIFTED] = row[SHIFTED]! + shift;
      const r = await http(infer, { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: row }] });
      assert.equal(r.status, 200, r.body);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

type Condition = { type: string; status: string; reason?: string; message?: string };

test('in-distribution: no drift; shifted petal_length: DriftDetected, Event and alert; back: cleared', { timeout: 900_000 }, async () => {
  const custom = local.cluster.kubeConfig.makeApiClient(CustomObjectsApi);
  const core = local.cluster.kubeConfig.makeApiClient(CoreV1Api);
  const drift = async () => {
    const o = (await custom.getNamespacedCustomObject({ group: 'serving.modelship.io', version: 'v1alpha1', namespace: NS, plural: 'inferenceservices', name: NAME })) as { status?: { conditions?: Condition[] } };
    return o.status?.conditions?.find((c) => c.type === 'DriftDetected');
  };
  const events = async (reason: string) => (await core.listNamespacedEvent({ namespace: NS })).items.filter((e) => e.involvedObject.name === NAME && e.reason === reason);
  const alert = async () => (await monitoring.alerts()).find((a) => a.labels['alertname'] === 'ModelshipFeatureDrift' && a.labels['model'] === NAME && a.state === 'firing');
  const psi = async (feature: string) => Number((await monitoring.query(`max(modelship_feature_drift{namespace="${NS}",model="${NAME}",feature="${feature}",statistic="psi"})`))[0]?.value[1] ?? Number.NaN);

  const file = join(local.cluster.dataDir, `${NAME}.yaml`);
  writeFileSync(file, manifest);
  await local.kubectl(['apply', '-n', NS, '-f', file]);
  const url = await until('the Service on the proxy', 30_000, async () => local.proxy.url(NS, NAME));
  const infer = `${url}/v2/models/${NAME}/infer`;
  const one = { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: TRAINING[0] }] };
  await until('a first prediction', 180_000, async () => ((await http(infer, one).catch(() => undefined))?.status === 200 ? true : undefined), 250);

  // 1. From the training distribution.
  await send(infer, PER_PHASE, 0);
  const calm = await until('DriftDetected=False', 90_000, async () => { const c = await drift(); return c?.status === 'False' ? c : undefined; }, 1000);
  assert.equal(calm.reason, 'WithinThreshold');
  assert.ok((await psi(SHIFTED_NAME)) <= 0.2, `PSI of ${SHIFTED_NAME} in distribution: ${await psi(SHIFTED_NAME)}`);
  assert.deepEqual(await events('DriftDetected'), []);
  assert.equal(await alert(), undefined);

  // 2. petal_length + 2 std: flagged within the next phase (10 windows of 500).
  await send(infer, PER_PHASE, SHIFT);
  const drifting = await until('DriftDetected=True', 90_000, async () => { const c = await drift(); return c?.status === 'True' ? c : undefined; }, 1000);
  assert.equal(drifting.reason, 'FeatureDrift');
  assert.match(drifting.message!, new RegExp(`: ${SHIFTED_NAME} PSI `));
  for (const f of PROFILE.inputs[0]!.features.filter((_, i) => i !== SHIFTED)) assert.doesNotMatch(drifting.message!, new RegExp(`\\b${f.name} PSI`), `only ${SHIFTED_NAME} drifted`);
  const warning = await until('the DriftDetected Event', 30_000, async () => (await events('DriftDetected'))[0]);
  assert.equal(warning.type, 'Warning');
  const firing = await until('ModelshipFeatureDrift firing in Prometheus', 90_000, alert, 1000);
  assert.equal(firing.labels['feature'], SHIFTED_NAME);

  // 3. Back to the training distribution: cleared.
  await send(infer, PER_PHASE, 0);
  const cleared = await until('DriftDetected=False again', 90_000, async () => { const c = await drift(); return c?.status === 'False' ? c : undefined; }, 1000);
  assert.equal(cleared.reason, 'WithinThreshold');
  await until('the DriftResolved Event', 30_000, async () => (await events('DriftResolved'))[0]);
  await until('ModelshipFeatureDrift no longer firing', 90_000, async () => ((await alert()) === undefined ? true : undefined), 1000);
  assert.equal((await events('DriftDetected')).length, 1, 'one DriftDetected Event for one transition');
});
