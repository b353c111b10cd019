// The operator on the real control plane (kube-apiserver, etcd, kube-controller-manager,
// kube-scheduler), running with only the RBAC it ships: examples become Deployments and
// Services, invalid manifests are refused by the API server, drift is corrected, a
// failing model is reported, GPU and CPU models land on the right nodes, and at steady
// state nothing is written.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Deployment, V1Pod, V1Service, V2HorizontalPodAutoscaler } from '@kubernetes/client-node';
import { KubeApiError, type KubeObject } from '../../operator/src/kube/client.ts';
import { DEPLOYMENTS, EVENTS, HPAS, INFERENCE_SERVICES, PDBS, PODS, SERVICES } from '../../operator/src/kube/resources.ts';
import type { InferenceService } from '../../operator/src/api/types.ts';
import {
  CPU_NODE, GPU_NODE, WRITE_VERBS, condition, createNamespace, eventually, getIsvc, isvc, readExample, startOperator, startTestCluster,
  type OperatorProcess, predictorName, type TestCluster, writesBetween,
} from './support.ts';

let tc: TestCluster;
let op: OperatorProcess;

before(async () => {
  tc = await startTestCluster({ controllerManager: true, scheduler: true, nodes: [CPU_NODE, GPU_NODE] });
  op = await startOperator(tc.operatorKubeconfig, 'op-reconcile');
  await eventually('the operator to lead', async () => ((await op.isLeader()) ? true : undefined), { timeoutMs: 30_000 });
});

after(async () => {
  await op?.kill('SIGTERM');
  await tc?.stop();
});

const arg = (args: string[] | undefined, flag: string) => {
  const i = (args ?? []).indexOf(flag);
  return i < 0 ? undefined : args![i + 1];
};

async function deploymentOf(ns: string, name: string): Promise<V1Deployment> {
  return await eventually(`the predictor Deployment of ${ns}/${name}`, async () => {
    const revision = await predictorName(tc.admin, ns, name);
    return revision === undefined ? undefined : await tc.admin.get<V1Deployment>(DEPLOYMENTS, ns, revision);
  }, { timeoutMs: 30_000 });
}

async function podsOf(ns: string, name: string, count = 1): Promise<V1Pod[]> {
  return await eventually(`${count} pod(s) of ${ns}/${name}`, async () => {
    const pods = (await tc.admin.list<V1Pod>(PODS, { namespace: ns, labelSelector: `serving.modelship.io/inferenceservice=${name}` })).items;
    return pods.length >= count ? pods : undefined;
  }, { timeoutMs: 30_000 });
}

test('each example becomes a Deployment and a Service with the expected fields', async () => {
  await createNamespace(tc.admin, 'examples');
  for (const file of ['iris.yaml', 'mlp-batching.yaml', 'mlp-gpu.yaml', 'iris-pvc.yaml']) {
    const manifest = readExample(file);
    await tc.admin.create(INFERENCE_SERVICES, { ...manifest, metadata: { ...manifest.metadata, namespace: 'examples' } });
  }

  const iris = await deploymentOf('examples', 'iris');
  const owner = (await getIsvc(tc.admin, 'examples', 'iris'))!;
  assert.deepEqual(iris.metadata!.ownerReferences!.map((r) => [r.kind, r.name, r.uid, r.controller]), [['InferenceService', 'iris', owner.metadata.uid, true]]);
  assert.equal(iris.metadata!.labels!['app.kubernetes.io/managed-by'], 'modelship-operator');
  assert.equal(iris.spec!.replicas, 1);
  const pod = iris.spec!.template.spec!;
  const server = pod.containers[0]!;
  assert.equal(arg(server.args, '--model-name'), 'iris');
  assert.equal(arg(server.args, '--model-path'), '/mnt/models/iris.onnx');
  assert.equal(arg(server.args, '--execution-providers'), 'cpu');
  // The fetch policy comes from the operator's storage settings; max-model-bytes is capped at the
  // model volume's 10Gi size limit.
  assert.deepEqual(pod.initContainers![0]!.args, [
    'fetch', '--source', 's3://models/iris.onnx', '--dest', '/mnt/models',
    '--idle-timeout-seconds', '60', '--max-model-bytes', '10737418240', '--allow-metadata-addresses', 'false',
  ]);
  // The storage Secret is read key by key (never envFrom, which would let a Secret key such as
  // NODE_OPTIONS into the init container).
  assert.equal(pod.initContainers![0]!.envFrom, undefined);
  const fromSecret = (pod.initContainers![0]!.env ?? []).filter((e) => e.valueFrom?.secretKeyRef?.name === 'modelship-s3');
  assert.deepEqual(fromSecret.find((e) => e.name === 'AWS_ACCESS_KEY_ID')?.valueFrom, { secretKeyRef: { name: 'modelship-s3', key: 'AWS_ACCESS_KEY_ID', optional: true } });
  assert.ok(!fromSecret.some((e) => e.name.startsWith('NODE_')));
  assert.equal(server.readinessProbe!.httpGet!.path, '/v2/health/ready');
  assert.equal(server.livenessProbe!.httpGet!.path, '/v2/health/live');
  assert.equal(server.securityContext!.readOnlyRootFilesystem, true);
  assert.deepEqual(server.securityContext!.capabilities!.drop, ['ALL']);
  assert.equal(pod.securityContext!.runAsNonRoot, true);
  assert.equal(pod.securityContext!.seccompProfile!.type, 'RuntimeDefault');
  assert.equal(server.resources!.limits!['memory'], '512Mi');

  const svc = await eventually('Service examples/iris', () => tc.admin.get<V1Service>(SERVICES, 'examples', 'iris'));
  assert.equal(svc.spec!.ports![0]!.port, 80);
  assert.equal(svc.spec!.ports![0]!.targetPort, 'http');
  assert.equal(svc.spec!.selector!['serving.modelship.io/inferenceservice'], 'iris');
  assert.equal(svc.metadata!.ownerReferences![0]!.uid, owner.metadata.uid);

  const status = await eventually('iris status', async () => {
    const o = await getIsvc(tc.admin, 'examples', 'iris');
    return o?.status?.observedGeneration === 1 && o.status.url !== undefined ? o.status : undefined;
  });
  assert.equal(status.url, 'http://iris.examples.svc.cluster.local');
  assert.equal(status.address!.url, status.url);
  assert.deepEqual(status.conditions!.map((c) => c.type).sort(), ['PredictorReady', 'Ready', 'TrafficReady']);

  const mlp = await deploymentOf('examples', 'mlp');
  const mlpArgs = mlp.spec!.template.spec!.containers[0]!.args;
  assert.equal(arg(mlpArgs, '--max-batch-size'), '32');
  assert.equal(arg(mlpArgs, '--max-queue-delay-ms'), '5');
  assert.equal(arg(mlpArgs, '--max-queue-size'), '256');
  assert.equal(arg(mlpArgs, '--model-path'), '/mnt/models/mnist-mlp.onnx');
  const hpa = await eventually('the HPA of examples/mlp', () => tc.admin.get<V2HorizontalPodAutoscaler>(HPAS, 'examples', mlp.metadata!.name!));
  assert.deepEqual([hpa.spec!.minReplicas, hpa.spec!.maxReplicas], [2, 4]);
  assert.equal(hpa.spec!.metrics![0]!.pods!.metric.name, 'modelship_queue_length');
  // Up to 4 pods: a PodDisruptionBudget (policy/v1, accepted by the real API server) over the revision's pods; iris runs one and has none.
  const pdb = await eventually('the PodDisruptionBudget of examples/mlp', () => tc.admin.get<KubeObject & { spec: { maxUnavailable: number; unhealthyPodEvictionPolicy: string; selector: { matchLabels: Record<string, string> } } }>(PDBS, 'examples', mlp.metadata!.name!));
  assert.equal(pdb.spec.maxUnavailable, 1);
  assert.equal(pdb.spec.unhealthyPodEvictionPolicy, 'AlwaysAllow');
  assert.deepEqual(pdb.spec.selector.matchLabels, mlp.spec!.selector.matchLabels);
  assert.equal(pdb.metadata!.ownerReferences![0]!.kind, 'InferenceService');
  assert.equal(await tc.admin.get(PDBS, 'examples', iris.metadata!.name!), undefined);
  // The HPA (not the operator) brings the Deployment to minReplicas; the operator leaves it there.
  await eventually('the HPA to scale mlp to 2', async () => ((await deploymentOf('examples', 'mlp')).spec!.replicas === 2 ? true : undefined), { timeoutMs: 60_000 });

  const gpu = (await deploymentOf('examples', 'mlp-gpu')).spec!.template.spec!;
  assert.equal(arg(gpu.containers[0]!.args, '--execution-providers'), 'cuda,cpu');
  assert.equal(gpu.containers[0]!.image, 'ghcr.io/modelship/runtime-gpu:0.1.0');
  assert.deepEqual(gpu.tolerations, [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);

  const pvc = (await deploymentOf('examples', 'iris-pvc')).spec!.template.spec!;
  assert.equal(pvc.initContainers, undefined);
  assert.deepEqual(pvc.volumes![0]!.persistentVolumeClaim, { claimName: 'model-store', readOnly: true });
  assert.equal(arg(pvc.containers[0]!.args, '--model-path'), '/mnt/pvc/iris/iris.onnx');
});

test('the real scheduler puts GPU models on the GPU node and CPU models never there', async () => {
  const [gpuPod] = await podsOf('examples', 'mlp-gpu');
  const [cpuPod] = await podsOf('examples', 'iris');
  const nodeOf = async (pod: V1Pod) => await eventually(`pod ${pod.metadata!.name} to be bound`, async () => {
    const p = await tc.admin.get<V1Pod>(PODS, 'examples', pod.metadata!.name!);
    return p?.spec?.nodeName || undefined;
  }, { timeoutMs: 30_000 });
  assert.equal(await nodeOf(gpuPod!), 'gpu-node');
  assert.equal(await nodeOf(cpuPod!), 'cpu-node');
  for (const p of await podsOf('examples', 'mlp', 2)) assert.equal(await nodeOf(p), 'cpu-node');
  // A GPU model asking for a product no node has stays pending, with the scheduler's reason in status.
  await tc.admin.create(INFERENCE_SERVICES, isvc('examples', 'needs-a100', {
    acceleratorType: 'NVIDIA-A100', model: { modelFormat: { name: 'onnx' }, storageUri: 's3://m/x.onnx', resources: { limits: { 'nvidia.com/gpu': 1 } } },
  }));
  const pending = await eventually('needs-a100 reported unschedulable', async () => {
    const c = condition(await getIsvc(tc.admin, 'examples', 'needs-a100'), 'PredictorReady');
    return c?.reason === 'PodsPending' && /node/.test(c.message ?? '') ? c : undefined;
  }, { timeoutMs: 30_000 });
  assert.match(pending.message!, /didn't match Pod's node affinity\/selector|node\(s\)/);
});

const invalid: Array<[string, Record<string, unknown>, RegExp, string?]> = [
  ['minReplicas above maxReplicas', { minReplicas: 5, maxReplicas: 2 }, /minReplicas must be less than or equal to maxReplicas/],
  ['canaryTrafficPercent above 100', { canaryTrafficPercent: 150 }, /canaryTrafficPercent.*less than or equal to 100/],
  ['negative minReplicas', { minReplicas: -1 }, /minReplicas.*greater than or equal to 0/],
  ['unsupported storage scheme', { model: { modelFormat: { name: 'onnx' }, storageUri: 'ftp://host/model.onnx' } }, /storageUri must start with pvc:\/\/, s3:\/\/, gs:\/\/ or https:\/\//],
  ['.. in the storage path', { model: { modelFormat: { name: 'onnx' }, storageUri: 's3://bucket/../secrets/model.onnx' } }, /must not contain a '\.\.' path segment/],
  ['bad pvc claim name', { model: { modelFormat: { name: 'onnx' }, storageUri: 'pvc://Bad_Claim/model.onnx' } }, /pvc storageUri must be pvc:\/\/<claim-name>/],
  ['non-ONNX model format', { model: { modelFormat: { name: 'tensorflow' }, storageUri: 's3://m/x' } }, /Unsupported value: "tensorflow"/],
  ['missing storageUri', { model: { modelFormat: { name: 'onnx' } } }, /storageUri: Required value/],
  ['unknown scaleMetric', { scaleMetric: 'rps' }, /scaleMetric: Unsupported value: "rps"/],
  ['zero maxBatchSize', { batching: { maxBatchSize: 0 } }, /maxBatchSize.*greater than or equal to 1/],
  ['negative queueTimeoutMs', { batching: { queueTimeoutMs: -1 } }, /queueTimeoutMs.*greater than or equal to 0/],
  ['queueTimeoutMs above 10 minutes', { batching: { queueTimeoutMs: 600001 } }, /queueTimeoutMs.*less than or equal to 600000/],
  ['fractional queueTimeoutMs', { batching: { queueTimeoutMs: 1.5 } }, /queueTimeoutMs.*must be of type integer/],
  ['batch larger than the queue', { batching: { maxBatchSize: 64, maxQueueSize: 16 } }, /maxBatchSize must not exceed batching.maxQueueSize/],
  ['acceleratorType without a GPU', { acceleratorType: 'NVIDIA-H100' }, /acceleratorType needs an nvidia.com\/gpu limit/],
  ['a CPU limit that is not a quantity', { model: { modelFormat: { name: 'onnx' }, storageUri: 's3://m/x', resources: { limits: { cpu: 'lots' } } } }, /limits\.cpu.*should match/],
  ['unknown toleration effect', { tolerations: [{ key: 'a', effect: 'Sometimes' }] }, /effect: Unsupported value: "Sometimes"/],
  ['logger url that is not http(s)', { logger: { url: 'ftp://sink/events' } }, /logger\.url must be an http:\/\/ or https:\/\/ URL with a host/],
  ['logger url without a host', { logger: { url: 'http:///events' } }, /logger\.url must be an http:\/\/ or https:\/\/ URL with a host/],
  ['unknown logger mode', { logger: { url: 'http://sink', mode: 'everything' } }, /logger\.mode: Unsupported value: "everything"/],
  ['logger sampleRate above 1', { logger: { url: 'http://sink', sampleRate: 1.5 } }, /logger\.sampleRate.*less than or equal to 1/],
  ['negative logger sampleRate', { logger: { url: 'http://sink', sampleRate: -0.1 } }, /logger\.sampleRate.*greater than or equal to 0/],
  ['logger with no sink', { logger: { mode: 'all' } }, /logger needs a url, a storageUri or both/],
  ['fallback with neither a model nor a response', { fallback: { on: ['error'] } }, /fallback needs exactly one of storageUri \(a fallback model\) or response/],
  ['fallback with both a model and a response', { fallback: { storageUri: 's3://m/small.onnx', response: { outputs: [{ name: 'y', datatype: 'FP32', shape: [1], data: [0] }] } } }, /fallback needs exactly one of storageUri/],
  ['fallback model of an unsupported scheme', { fallback: { storageUri: 'ftp://host/small.onnx' } }, /fallback\.storageUri must start with pvc:\/\/, s3:\/\/, gs:\/\/ or https:\/\//],
  ['.. in the fallback model path', { fallback: { storageUri: 's3://bucket/../secrets/small.onnx' } }, /fallback\.storageUri must not contain a '\.\.' path segment/],
  ['fallback model on a bad claim name', { fallback: { storageUri: 'pvc://Bad_Claim/small.onnx' } }, /pvc fallback\.storageUri must be pvc:\/\/<claim-name>/],
  ['unknown fallback trigger', { fallback: { response: { outputs: [{ name: 'y', datatype: 'FP32', shape: [1], data: [0] }] }, on: ['timeout'] } }, /fallback\.on\[0\]: Unsupported value: "timeout"/],
  ['fallback output of an unknown datatype', { fallback: { response: { outputs: [{ name: 'y', datatype: 'STRING', shape: [1], bytesData: ['a'] }] } } }, /datatype: Unsupported value: "STRING"/],
  ['BYTES fallback output with numbers', { fallback: { response: { outputs: [{ name: 'y', datatype: 'BYTES', shape: [1], data: [0] }] } } }, /a fallback output takes its elements in data \(numeric datatypes\), boolData \(BOOL\) or bytesData \(BYTES\)/],
  ['BOOL fallback output with strings', { fallback: { response: { outputs: [{ name: 'y', datatype: 'BOOL', shape: [1], bytesData: ['true'] }] } } }, /a fallback output takes its elements in data/],
  ['numeric fallback output with booleans', { fallback: { response: { outputs: [{ name: 'y', datatype: 'FP32', shape: [1], boolData: [true] }] } } }, /a fallback output takes its elements in data/],
  ['a 1025-character BYTES fallback element', { fallback: { response: { outputs: [{ name: 'y', datatype: 'BYTES', shape: [1], bytesData: ['x'.repeat(1025)] }] } } }, /bytesData\[0\]: Too long: may not be (longer than|more than) 1024/],
  ['4097 BOOL fallback elements', { fallback: { response: { outputs: [{ name: 'y', datatype: 'BOOL', shape: [4097], boolData: Array.from({ length: 4097 }, () => true) }] } } }, /boolData: Too many: 4097: must have at most 4096 items/],
  ['fallback deadline above 10 minutes', { fallback: { response: { outputs: [{ name: 'y', datatype: 'FP32', shape: [1], data: [0] }] }, deadlineMs: 600001 } }, /fallback\.deadlineMs.*less than or equal to 600000/],
  ['logger storageUri with an https scheme', { logger: { storageUri: 'https://bucket/logs' } }, /logger\.storageUri must start with s3:\/\/, gs:\/\/ or pvc:\/\//],
  ['logger storageSecretRef without storageUri', { logger: { url: 'http://sink', storageSecretRef: { name: 's' } } }, /logger\.storageSecretRef needs logger\.storageUri/],
  ['tracing endpoint that is not a URL', { tracing: { endpoint: 'otel:4318' } }, /tracing\.endpoint must be an http:\/\/ or https:\/\/ URL with a host/],
  ['tracing samplingRatio above 1', { tracing: { samplingRatio: 2 } }, /tracing\.samplingRatio.*less than or equal to 1/],
  ['zero driftThreshold', { monitoring: { driftThreshold: 0 } }, /monitoring\.driftThreshold must be greater than 0/],
  ['driftThreshold above 10', { monitoring: { driftThreshold: 11 } }, /monitoring\.driftThreshold.*less than or equal to 10/],
  ['a 5-request drift window', { monitoring: { window: 5 } }, /monitoring\.window.*greater than or equal to 10/],
  ['a fractional drift window', { monitoring: { window: 100.5 } }, /monitoring\.window.*must be of type integer|monitoring\.window: Invalid value: "number"/],
  ['unknown inputPolicy', { monitoring: { inputPolicy: 'clip' } }, /monitoring\.inputPolicy: Unsupported value: "clip"/],
  ['65 pod labels', { labels: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v'])) }, /predictor\.labels: Too many: 65: must have at most 64 items/],
  ['a 318-character annotation key', { annotations: { ['k'.repeat(318)]: 'v' } }, /keys must be at most 317 characters/],
  ['17 resource limits', { model: { modelFormat: { name: 'onnx' }, storageUri: 's3://m/x', resources: { limits: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`example.com/r${i}`, '1'])) } } }, /limits: Too many: 17: must have at most 16 items/],
  ['9 required node selector terms', { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: Array.from({ length: 9 }, () => ({ matchExpressions: [{ key: 'zone', operator: 'Exists' }] })) } } } }, /nodeSelectorTerms: Too many: 9: must have at most 8 items/],
  ['17 values in a node requirement', { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: Array.from({ length: 17 }, (_, i) => `z${i}`) }] }] } } } }, /matchExpressions\[0\]\.values: Too many: 17: must have at most 16 items/],
  ['a 64-character affinity value', { affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['z'.repeat(64)] }] } }] } } }, /values\[0\]: Too long: may not be (longer|more) than 63/],
  ['a pod anti-affinity term without topologyKey', { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'x' } } }] } } }, /topologyKey: Required value/],
  ['9 pod affinity terms', { affinity: { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: Array.from({ length: 9 }, () => ({ weight: 1, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname' } })) } } }, /podAffinity\.preferredDuringSchedulingIgnoredDuringExecution: Too many: 9: must have at most 8 items/],
  ['33 tolerations', { tolerations: Array.from({ length: 33 }, (_, i) => ({ key: `k${i}`, operator: 'Exists' })) }, /tolerations: Too many: 33: must have at most 32 items/],
  ['65 node selector labels', { nodeSelector: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v'])) }, /nodeSelector: Too many: 65: must have at most 64 items/],
  ['rollout steps not increasing', { rollout: { steps: [{ trafficPercent: 50 }, { trafficPercent: 20 }] } }, /rollout\.steps must have strictly increasing trafficPercent/],
  ['a rollout step at 100%', { rollout: { steps: [{ trafficPercent: 100 }] } }, /trafficPercent.*less than or equal to 99/],
  ['a rollout with no steps', { rollout: { steps: [] } }, /steps.*should have at least 1 items|steps: Invalid value.*at least 1/],
  ['11 rollout steps', { rollout: { steps: Array.from({ length: 11 }, (_, i) => ({ trafficPercent: i + 1 })) } }, /steps: Too many: 11: must have at most 10 items/],
  ['a rollout interval under 5 s', { rollout: { steps: [{ trafficPercent: 10 }], interval: 1 } }, /interval.*greater than or equal to 5/],
  ['an errorRate check without a bound', { rollout: { steps: [{ trafficPercent: 10 }], checks: { errorRate: {} } } }, /rollout\.checks\.errorRate needs maxIncrease, max or both/],
  ['a latencyP99 check without a bound', { rollout: { steps: [{ trafficPercent: 10 }], checks: { latencyP99: {} } } }, /rollout\.checks\.latencyP99 needs maxRatio, maxIncreaseMs or maxMs/],
  ['a latency ratio below 1', { rollout: { steps: [{ trafficPercent: 10 }], checks: { latencyP99: { maxRatio: 0.5 } } } }, /maxRatio.*greater than or equal to 1/],
  ['name too long for child objects', {}, /metadata.name must be at most 45 characters/, 'x'.repeat(46)],
  ['name that cannot name a Service', {}, /must be a DNS-1035 label/, '9lives'],
];

test(`${invalid.length} invalid manifests are refused by the API server with a useful message`, async () => {
  await createNamespace(tc.admin, 'invalid');
  for (const [what, predictor, message, name] of invalid) {
    const manifest = isvc('invalid', name ?? 'bad', predictor);
    const err = await tc.admin.create(INFERENCE_SERVICES, manifest).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof KubeApiError, `${what}: accepted`);
    assert.equal(err.status, 422, `${what}: ${err.message}`);
    assert.match(err.message, message, what);
  }
  assert.equal((await tc.admin.list(INFERENCE_SERVICES, { namespace: 'invalid' })).items.length, 0);
});

test('a full Affinity within the bounds is stored as written (nothing pruned)', async () => {
  await createNamespace(tc.admin, 'affinity');
  const expressions = [{ key: 'topology.kubernetes.io/zone', operator: 'In', values: ['a', 'b'] }];
  const term = { labelSelector: { matchLabels: { app: 'iris' }, matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, topologyKey: 'kubernetes.io/hostname', matchLabelKeys: ['pod-template-hash'] };
  const affinity = {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: expressions, matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['n1'] }] }] },
      preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, preference: { matchExpressions: expressions } }],
    },
    podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 50, podAffinityTerm: term }] },
    podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ ...term, namespaces: ['affinity'] }] },
  };
  const created = await tc.admin.create<InferenceService>(INFERENCE_SERVICES, isvc('affinity', 'placed', { affinity } as Record<string, unknown>));
  assert.deepEqual(created.spec.predictor.affinity, affinity);
  await tc.admin.delete(INFERENCE_SERVICES, 'affinity', 'placed');
});

test('an edited or deleted Deployment or Service is put back', async () => {
  await createNamespace(tc.admin, 'drift');
  await tc.admin.create(INFERENCE_SERVICES, isvc('drift', 'iris'));
  const original = await deploymentOf('drift', 'iris');
  const image = original.spec!.template.spec!.containers[0]!.image;

  // An edit in the style of kubectl edit (PUT by another field manager). The
  // real controller-manager writes the Deployment's status concurrently, so a
  // 409 is retried from a fresh read, as kubectl does.
  const name = original.metadata!.name!;
  await eventually('the Deployment edit to be accepted', async () => {
    const edited = (await tc.admin.get<V1Deployment>(DEPLOYMENTS, 'drift', name))!;
    edited.spec!.template.spec!.containers[0]!.image = 'registry.example/evil:latest';
    edited.spec!.template.spec!.containers[0]!.args = ['serve', '--model-path', '/elsewhere'];
    await tc.admin.update(DEPLOYMENTS, edited);
    return true;
  }, { timeoutMs: 10_000 });
  await eventually('the edited Deployment to be restored', async () => {
    const d = await tc.admin.get<V1Deployment>(DEPLOYMENTS, 'drift', name);
    const c = d?.spec?.template.spec?.containers[0];
    return c !== undefined && c.image === image && arg(c.args, '--model-path') === '/mnt/models/iris.onnx' ? true : undefined;
  }, { timeoutMs: 20_000 });

  await tc.admin.delete(DEPLOYMENTS, 'drift', name);
  const recreated = await eventually('the deleted Deployment to be recreated', async () => {
    const d = await tc.admin.get<V1Deployment>(DEPLOYMENTS, 'drift', name);
    return d !== undefined && d.metadata!.uid !== original.metadata!.uid ? d : undefined;
  }, { timeoutMs: 20_000 });
  assert.equal(recreated.spec!.template.spec!.containers[0]!.image, image);

  const svc = (await tc.admin.get<V1Service>(SERVICES, 'drift', 'iris'))!;
  await tc.admin.delete(SERVICES, 'drift', 'iris');
  await eventually('the deleted Service to be recreated', async () => {
    const s = await tc.admin.get<V1Service>(SERVICES, 'drift', 'iris');
    return s !== undefined && s.metadata!.uid !== svc.metadata!.uid ? true : undefined;
  }, { timeoutMs: 20_000 });
  const events = (await tc.admin.list<KubeObject & { reason: string }>(EVENTS, { namespace: 'drift' })).items.map((e) => e.reason);
  assert.ok(events.includes('RestoredDeployment'), events.join(','));
});

/** Makes the operator reconcile `name` once more (a label change is a spec change to it) and waits for passes to finish. */
async function forcePass(ns: string, name: string, round: number): Promise<void> {
  const passes = async () => [...(await op.metrics())].filter(([k]) => k.startsWith('modelship_operator_reconcile_total')).reduce((sum, [, v]) => sum + v, 0);
  const before = await passes();
  await eventually(`label round ${round} on ${ns}/${name}`, async () => {
    const o = (await getIsvc(tc.admin, ns, name))!;
    await tc.admin.update(INFERENCE_SERVICES, { ...o, metadata: { ...o.metadata, labels: { ...o.metadata.labels, round: String(round) } } });
    return true;
  }, { timeoutMs: 10_000 });
  await eventually('the pass to run and the queue to drain', async () => {
    const m = await op.metrics();
    return (await passes()) > before && m.get('modelship_operator_workqueue_depth') === 0 ? true : undefined;
  }, { timeoutMs: 20_000, intervalMs: 200 });
}

test('an empty env value is not taken for drift: no rewrite, no RestoredDeployment Event', async () => {
  await createNamespace(tc.admin, 'envs');
  await tc.admin.create(INFERENCE_SERVICES, isvc('envs', 'blank', {
    model: { modelFormat: { name: 'onnx' }, storageUri: 's3://models/blank.onnx', env: [{ name: 'EMPTY', value: '' }, { name: 'UNSET' }, { name: 'SET', value: 'x' }] },
  }));
  const d = await deploymentOf('envs', 'blank');
  // The API server drops value: "" (omitempty), so what it stores has no value for EMPTY.
  assert.deepEqual(d.spec!.template.spec!.containers[0]!.env, [{ name: 'EMPTY' }, { name: 'UNSET' }, { name: 'SET', value: 'x' }]);
  for (const round of [1, 2, 3]) await forcePass('envs', 'blank', round);
  const events = (await tc.admin.list<KubeObject & { reason: string; message: string }>(EVENTS, { namespace: 'envs' })).items;
  assert.deepEqual(events.filter((e) => e.reason === 'RestoredDeployment').map((e) => e.message), []);
});

test('a fallback model is fetched beside the primary by a second init container; BOOL and BYTES static answers reach the runtime; passes write nothing', async () => {
  await createNamespace(tc.admin, 'fallbacks');
  await tc.admin.create(INFERENCE_SERVICES, isvc('fallbacks', 'with-model', {
    model: { modelFormat: { name: 'onnx' }, storageUri: 's3://models/iris.onnx', storageSecretRef: { name: 'creds' } },
    fallback: { storageUri: 's3://models/fallbacks/tiny.onnx', on: ['queueFull', 'error'], deadlineMs: 200 },
  }));
  const pod = (await deploymentOf('fallbacks', 'with-model')).spec!.template.spec!;
  const [primary, fallback] = pod.initContainers!;
  assert.deepEqual(pod.initContainers!.map((c) => c.name), ['storage-initializer', 'fallback-initializer']);
  assert.deepEqual(primary!.args!.slice(0, 5), ['fetch', '--source', 's3://models/iris.onnx', '--dest', '/mnt/models']);
  assert.deepEqual(fallback!.args!.slice(0, 5), ['fetch', '--source', 's3://models/fallbacks/tiny.onnx', '--dest', '/mnt/fallback']);
  assert.deepEqual(fallback!.args!.slice(5), primary!.args!.slice(5), 'the same fetch policy');
  assert.deepEqual(fallback!.env, primary!.env, 'the same credentials');
  assert.deepEqual(pod.volumes!.find((v) => v.name === 'fallback-model')?.emptyDir, { sizeLimit: '10Gi' });
  const server = pod.containers[0]!;
  assert.equal(arg(server.args, '--fallback-model-path'), '/mnt/fallback/tiny.onnx');
  assert.equal(arg(server.args, '--fallback-on'), 'queueFull,error');
  assert.deepEqual(server.volumeMounts!.find((m) => m.name === 'fallback-model'), { name: 'fallback-model', mountPath: '/mnt/fallback', readOnly: true });

  await tc.admin.create(INFERENCE_SERVICES, isvc('fallbacks', 'with-labels', {
    fallback: {
      response: {
        outputs: [
          { name: 'label', datatype: 'BYTES', shape: [1], bytesData: ['unknown'] },
          { name: 'flagged', datatype: 'BOOL', shape: [1], boolData: [true] },
        ],
      },
    },
  }));
  const labels = (await deploymentOf('fallbacks', 'with-labels')).spec!.template.spec!.containers[0]!;
  assert.deepEqual(JSON.parse(arg(labels.args, '--fallback-response') ?? '{}'), {
    outputs: [{ name: 'label', datatype: 'BYTES', shape: [1], data: ['unknown'] }, { name: 'flagged', datatype: 'BOOL', shape: [1], data: [true] }],
  });
  for (const name of ['with-model', 'with-labels']) {
    const generation = (await deploymentOf('fallbacks', name)).metadata!.generation;
    for (const round of [1, 2]) await forcePass('fallbacks', name, round);
    assert.equal((await deploymentOf('fallbacks', name)).metadata!.generation, generation, `${name}: a pass rewrote the Deployment`);
  }
  const events = (await tc.admin.list<KubeObject & { reason: string; message: string }>(EVENTS, { namespace: 'fallbacks' })).items;
  assert.deepEqual(events.filter((e) => e.reason === 'RestoredDeployment').map((e) => e.message), []);
});

async function setPodStatus(ns: string, name: string, status: V1Pod['status']): Promise<void> {
  await eventually(`pod ${name} status written`, async () => {
    const pod = (await tc.admin.get<V1Pod>(PODS, ns, name))!;
    await tc.admin.updateStatus(PODS, { ...pod, status: { ...pod.status, ...status } });
    return true;
  }, { timeoutMs: 10_000 });
}

test('a model that fails to load is reported in status and an Event; other models keep being served', async () => {
  await createNamespace(tc.admin, 'failing');
  await tc.admin.create(INFERENCE_SERVICES, isvc('failing', 'broken'));
  await tc.admin.create(INFERENCE_SERVICES, isvc('failing', 'healthy'));
  const [broken] = await podsOf('failing', 'broken');
  const [healthy] = await podsOf('failing', 'healthy');
  const now = new Date().toISOString();
  // No kubelet runs: the test plays its part and reports a crash-looping model server.
  await setPodStatus('failing', broken!.metadata!.name!, {
    phase: 'Running',
    conditions: [{ type: 'PodScheduled', status: 'True' }, { type: 'Ready', status: 'False' }],
    containerStatuses: [{
      name: 'model-server', image: 'ghcr.io/modelship/runtime:0.1.0', imageID: '', ready: false, restartCount: 4,
      state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 1m20s restarting failed container' } },
      lastState: { terminated: { exitCode: 1, reason: 'Error', message: 'failed to load model /mnt/models/broken.onnx: Protobuf parsing failed', startedAt: now as never, finishedAt: now as never } },
    }],
  });
  await setPodStatus('failing', healthy!.metadata!.name!, {
    phase: 'Running',
    conditions: [{ type: 'PodScheduled', status: 'True' }, { type: 'Ready', status: 'True' }],
    containerStatuses: [{ name: 'model-server', image: 'ghcr.io/modelship/runtime:0.1.0', imageID: '', ready: true, restartCount: 0, state: { running: { startedAt: now as never } } }],
  });

  const status = await eventually('broken reported as FailedToLoad', async () => {
    const s = (await getIsvc(tc.admin, 'failing', 'broken'))?.status;
    return s?.modelStatus?.states?.activeModelState === 'FailedToLoad' ? s : undefined;
  }, { timeoutMs: 20_000 });
  assert.equal(status.modelStatus!.transitionStatus, 'BlockedByFailedLoad');
  assert.equal(status.modelStatus!.lastFailureInfo!.exitCode, 1);
  assert.match(status.modelStatus!.lastFailureInfo!.message!, /Protobuf parsing failed/);
  assert.equal(condition({ status } as InferenceService, 'Ready')!.status, 'False');
  assert.equal(condition({ status } as InferenceService, 'PredictorReady')!.reason, 'ModelLoadFailed');
  await eventually('a ModelLoadFailed Event', async () => {
    const events = (await tc.admin.list<KubeObject & { reason: string; type: string; message: string; involvedObject: { name: string } }>(EVENTS, { namespace: 'failing' })).items;
    return events.find((e) => e.reason === 'ModelLoadFailed' && e.type === 'Warning' && e.involvedObject.name === 'broken' && /Protobuf/.test(e.message));
  }, { timeoutMs: 10_000 });

  const ready = await eventually('healthy Ready', async () => {
    const o = await getIsvc(tc.admin, 'failing', 'healthy');
    return condition(o, 'Ready')?.status === 'True' ? o : undefined;
  }, { timeoutMs: 20_000 });
  assert.equal(ready!.status!.modelStatus!.states!.activeModelState, 'Loaded');
  assert.equal(condition(ready, 'TrafficReady')!.status, 'True');
});

const STEADY_COUNT = 50;
const STEADY_WINDOW_S = Number(process.env['MODELSHIP_STEADY_WINDOW_S'] ?? '15');

test(`at steady state with ${STEADY_COUNT} InferenceServices nothing is written for ${STEADY_WINDOW_S} s`, async () => {
  await createNamespace(tc.admin, 'steady');
  await Promise.all(Array.from({ length: STEADY_COUNT }, (_, i) => tc.admin.create(INFERENCE_SERVICES, isvc('steady', `m${i}`))));
  await eventually('every InferenceService observed', async () => {
    const items = (await tc.admin.list<InferenceService>(INFERENCE_SERVICES, { namespace: 'steady' })).items;
    return items.length === STEADY_COUNT && items.every((o) => o.status?.observedGeneration === 1) ? true : undefined;
  }, { timeoutMs: 60_000 });
  // Let the controllers settle (ReplicaSets, pods, scheduling) and the operator follow.
  let last = -1;
  await eventually('writes to settle', async () => {
    const now = await op.requests(WRITE_VERBS);
    const settled = now === last;
    last = now;
    return settled ? true : undefined;
  }, { timeoutMs: 60_000, intervalMs: 3000 });
  const before = await op.metrics();
  await new Promise((r) => setTimeout(r, STEADY_WINDOW_S * 1000));
  const afterMetrics = await op.metrics();
  assert.deepEqual(writesBetween(before, afterMetrics), [], 'no write requests at steady state');
  const deployments = (await tc.admin.list(DEPLOYMENTS, { namespace: 'steady' })).items.length;
  assert.equal(deployments, STEADY_COUNT);
});
