// The keda autoscaler class on the real control plane, with KEDA's
// ScaledObject CRD from its upstream module installed (no KEDA controller
// runs: the test checks what the operator writes and that the API server,
// with KEDA's schema, stores it). The operator runs in this process.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import type { V1Deployment } from '@kubernetes/client-node';
import type { InferenceService } from '../../operator/src/api/types.ts';
import { API_VERSION, KIND } from '../../operator/src/api/schema.ts';
import { loadConfig } from '../../operator/src/config.ts';
import { HttpKubeClient, type KubeObject } from '../../operator/src/kube/client.ts';
import { loadConnection } from '../../operator/src/kube/kubeconfig.ts';
import { DEPLOYMENTS, HPAS, INFERENCE_SERVICES, SCALED_OBJECTS } from '../../operator/src/kube/resources.ts';
import { KSERVE_AUTOSCALER_CLASS_ANNOTATION } from '../../operator/src/resources/autoscaler-class.ts';
import { eventually } from '../cluster/eventually.ts';
import { startCluster, type Cluster } from '../cluster/harness.ts';
import { startInProcessOperator, writesAcrossResync, type InProcessOperator } from './in-process-operator.ts';
import { kedaCrdPaths } from './keda-crds.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const WAIT = { timeoutMs: 45_000, intervalMs: 200 };
const PROM = 'http://prometheus.test:9090';
const WRITE_VERBS = new Set(['create', 'update', 'patch', 'delete']);

let cluster: Cluster;
let admin: HttpKubeClient;
let operator: InProcessOperator | undefined;
const writes: string[] = [];

before(async () => {
  cluster = await startCluster({ crdPaths: [resolve(ROOT, 'crds/serving.modelship.io_inferenceservices.yaml'), ...kedaCrdPaths()] });
  const connection = loadConnection(cluster.kubeconfigPath);
  admin = new HttpKubeClient(connection);
  const countWrites = (verb: string, resource: string): void => { if (WRITE_VERBS.has(verb)) writes.push(`${verb} ${resource}`); };
  operator = await startInProcessOperator(connection, loadConfig(['--leader-elect', 'false', '--prometheus-url', PROM, '--resync-seconds', '3'], {}), 'keda-test', countWrites);
  assert.equal(operator.config.autoscaling.kedaInstalled, true, 'discovery finds the ScaledObject CRD');
});

after(async () => {
  await operator?.stop();
  admin?.close();
  await cluster?.stop();
});

interface ScaledObjectLike extends KubeObject {
  spec: { scaleTargetRef: { name: string }; minReplicaCount: number; maxReplicaCount: number; triggers: Array<{ type: string; metadata: Record<string, string> }> };
}

test('the keda class with minReplicas 0: a ScaledObject with a Prometheus trigger, no HPA, then no writes', async () => {
  await admin.create({ group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace', namespaced: false }, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'keda' } });
  const isvc: InferenceService = {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: { name: 'iris', namespace: 'keda', annotations: { [KSERVE_AUTOSCALER_CLASS_ANNOTATION]: 'keda' } },
    spec: { predictor: { model: { modelFormat: { name: 'onnx' }, storageUri: 's3://models/iris.onnx' }, minReplicas: 0, maxReplicas: 3, scaleTarget: 5 } },
  };
  await admin.create(INFERENCE_SERVICES, isvc);
  const revision = await eventually('latestCreatedRevision', async () => (await admin.get<InferenceService>(INFERENCE_SERVICES, 'keda', 'iris'))?.status?.components?.predictor?.latestCreatedRevision, WAIT);
  const so = await eventually('the ScaledObject', async () => admin.get<ScaledObjectLike>(SCALED_OBJECTS, 'keda', revision), WAIT);
  assert.equal(so.spec.scaleTargetRef.name, revision);
  assert.equal(so.spec.minReplicaCount, 0);
  assert.equal(so.spec.maxReplicaCount, 3);
  // Written out, not built by the function under test: the pod regex is anchored to the revision's ReplicaSet pods.
  assert.match(revision, /^iris-[a-z0-9-]+$/);
  const query = `avg(modelship_queue_length{namespace="keda",pod=~"${revision}-[a-z0-9]+-[a-z0-9]+"}) or vector(0)`;
  assert.deepEqual(so.spec.triggers, [{ type: 'prometheus', metadata: { serverAddress: PROM, query, threshold: '5' } }]);
  assert.equal(so.metadata?.ownerReferences?.[0]?.name, 'iris');
  assert.equal(await admin.get(HPAS, 'keda', revision), undefined);
  const deployment = await admin.get<V1Deployment>(DEPLOYMENTS, 'keda', revision);
  assert.ok(deployment, 'the revision Deployment exists');
  // Steady state: once the status is written, no writes across a resync (3 s here).
  await eventually('status written', async () => ((await admin.get<InferenceService>(INFERENCE_SERVICES, 'keda', 'iris'))?.status?.observedGeneration === 1 ? true : undefined), WAIT);
  assert.ok(writes.includes('patch scaledobjects'), `the counter sees the operator's writes: ${writes.join(', ')}`);
  const seen = writes.length;
  assert.equal(await writesAcrossResync(operator!, () => writes.length), 0, `no writes at steady state: ${writes.slice(seen).join(', ')}`);
});
