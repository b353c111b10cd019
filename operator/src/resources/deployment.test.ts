import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildDeployment } from './deployment.ts';
import { defaulted } from '../../../test/operator/unit-support/fixtures.ts';
import { DEFAULT_BUILD_CONFIG } from '../settings.ts';
import type { PredictorSpec } from '../api/types.ts';
import { parseServeConfig } from '../../../runtime/src/config.ts';

const config = DEFAULT_BUILD_CONFIG;
const build = (p: Partial<PredictorSpec>) => buildDeployment(defaulted(p), config);
const pod = (p: Partial<PredictorSpec>) => build(p).spec!.template.spec!;
const server = (p: Partial<PredictorSpec>) => pod(p).containers[0]!;
const arg = (args: string[] | undefined, flag: string) => {
  const i = (args ?? []).indexOf(flag);
  return i < 0 ? undefined : args![i + 1];
};

test('a CPU model from s3 is fetched by an init container into an emptyDir', () => {
  const d = build({ model: { modelFormat: { name: 'onnx' }, storageUri: 's3://models/iris.onnx', storageSecretRef: { name: 's3-creds' } } });
  const spec = d.spec!.template.spec!;
  assert.equal(d.metadata!.name, 'iris-predictor');
  assert.equal(d.spec!.replicas, 1);
  const init = spec.initContainers![0]!;
  assert.deepEqual(init.args!.slice(0, 5), ['fetch', '--source', 's3://models/iris.onnx', '--dest', '/mnt/models']);
  assert.equal(init.envFrom, undefined, 'never the whole Secret');
  assert.ok(init.env!.every((e) => e.valueFrom?.secretKeyRef?.name === 's3-creds' && e.valueFrom.secretKeyRef.optional === true));
  assert.deepEqual(spec.volumes![0], { name: 'model', emptyDir: { sizeLimit: '10Gi' } });
  const c = spec.containers[0]!;
  assert.equal(arg(c.args, '--model-path'), '/mnt/models/iris.onnx');
  assert.equal(arg(c.args, '--model-name'), 'iris');
  assert.equal(arg(c.args, '--execution-providers'), 'cpu');
  assert.equal(c.args![0], 'serve');
  assert.equal(c.image, config.runtimeImage);
  assert.equal(spec.tolerations, undefined);
  assert.equal(spec.nodeSelector, undefined);
});

test('a pvc model is mounted read-only and needs no init container', () => {
  const spec = pod({ model: { modelFormat: { name: 'onnx' }, storageUri: 'pvc://model-store/mlp/model.onnx' } });
  assert.equal(spec.initContainers, undefined);
  assert.deepEqual(spec.volumes![0], { name: 'model', persistentVolumeClaim: { claimName: 'model-store', readOnly: true } });
  const c = spec.containers[0]!;
  assert.deepEqual(c.volumeMounts![0], { name: 'model', mountPath: '/mnt/pvc', readOnly: true });
  assert.equal(arg(c.args, '--model-path'), '/mnt/pvc/mlp/model.onnx');
});

test('batching settings become runtime flags; unset ones are not passed', () => {
  const args = server({ batching: { maxBatchSize: 32, maxQueueDelayMs: 5 } }).args;
  assert.equal(arg(args, '--max-batch-size'), '32');
  assert.equal(arg(args, '--max-queue-delay-ms'), '5');
  assert.equal(arg(args, '--max-queue-size'), undefined);
  assert.equal(arg(args, '--queue-timeout-ms'), undefined);
  assert.equal(arg(server({}).args, '--max-batch-size'), undefined);
  assert.equal(arg(server({ batching: { queueTimeoutMs: 1500 } }).args, '--queue-timeout-ms'), '1500');
  assert.equal(arg(server({ batching: { queueTimeoutMs: 0 } }).args, '--queue-timeout-ms'), '0');
});

test('the runtime reports a fatal exit in one line through the termination log', () => {
  const c = server({});
  assert.equal(c.terminationMessagePath, '/dev/termination-log');
  assert.equal(c.terminationMessagePolicy, 'FallbackToLogsOnError');
  assert.equal(arg(c.args, '--termination-log-path'), '/dev/termination-log', 'the runtime writes where the container declares');
});

test('a GPU request selects the GPU image, cuda, the toleration and the GPU node selector', () => {
  const spec = pod({
    acceleratorType: 'NVIDIA-H100',
    model: { modelFormat: { name: 'onnx' }, storageUri: 's3://m/x.onnx', resources: { limits: { 'nvidia.com/gpu': 1 } } },
  });
  const c = spec.containers[0]!;
  assert.equal(c.image, config.gpuRuntimeImage);
  assert.equal(arg(c.args, '--execution-providers'), 'cuda,cpu');
  assert.equal(c.resources!.limits!['nvidia.com/gpu'], '1');
  assert.deepEqual(spec.tolerations, [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
  assert.deepEqual(spec.nodeSelector, { 'nvidia.com/gpu.present': 'true', 'nvidia.com/gpu.product': 'NVIDIA-H100' });
});

test('runtimeVersion replaces the image tag', () => {
  const c = server({ model: { modelFormat: { name: 'onnx' }, storageUri: 's3://m/x.onnx', runtimeVersion: '0.2.0' } });
  assert.equal(c.image, 'ghcr.io/modelship/runtime:0.2.0');
});

test('the pod is locked down: non-root, read-only root, no capabilities, RuntimeDefault seccomp', () => {
  const spec = pod({});
  assert.equal(spec.securityContext!.runAsNonRoot, true);
  assert.equal(spec.securityContext!.seccompProfile!.type, 'RuntimeDefault');
  assert.equal(spec.automountServiceAccountToken, false);
  for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) {
    assert.equal(c.securityContext!.readOnlyRootFilesystem, true, c.name);
    assert.deepEqual(c.securityContext!.capabilities!.drop, ['ALL'], c.name);
    assert.equal(c.securityContext!.allowPrivilegeEscalation, false, c.name);
  }
});

test('probes hit the runtime v2 health endpoints', () => {
  const c = server({});
  assert.equal(c.readinessProbe!.httpGet!.path, '/v2/health/ready');
  assert.equal(c.livenessProbe!.httpGet!.path, '/v2/health/live');
  assert.equal(c.ports![0]!.containerPort, 8080);
});

test('metrics: their own named port, passed to the runtime and named in the scrape annotations', () => {
  const d = build({});
  const c = d.spec!.template.spec!.containers[0]!;
  assert.deepEqual(c.ports, [
    { name: 'http', containerPort: 8080, protocol: 'TCP' },
    { name: 'grpc', containerPort: 8081, protocol: 'TCP' },
    { name: 'metrics', containerPort: 8082, protocol: 'TCP' },
  ]);
  assert.equal(arg(c.args, '--metrics-port'), '8082');
  const annotations = d.spec!.template.metadata!.annotations!;
  assert.equal(annotations['prometheus.io/port'], '8082');
  assert.equal(annotations['prometheus.io/path'], '/metrics');
});

test('resources: spec wins, defaults fill the rest, the cpu limit sizes intra-op threads', () => {
  const c = server({ model: { modelFormat: { name: 'onnx' }, storageUri: 's3://m/x.onnx', resources: { requests: { cpu: '3' }, limits: { memory: '4Gi' } } } });
  assert.deepEqual(c.resources, { requests: { cpu: '3', memory: '1Gi' }, limits: { cpu: '3', memory: '4Gi', 'ephemeral-storage': '11264Mi' } });
  assert.equal(arg(c.args, '--intra-op-threads'), '3');
});

test('with an autoscaler replicas is left out so the HPA owns it', () => {
  assert.equal(build({ minReplicas: 2, maxReplicas: 5 }).spec!.replicas, undefined);
  assert.equal(build({ minReplicas: 3, maxReplicas: 3 }).spec!.replicas, 3);
});

test('labels, owner reference and the user pod metadata', () => {
  const d = build({ labels: { team: 'a' }, annotations: { note: 'x' }, serviceAccountName: 'fetcher' });
  assert.equal(d.metadata!.labels!['app.kubernetes.io/managed-by'], 'modelship-operator');
  assert.equal(d.metadata!.labels!['app.kubernetes.io/instance'], 'iris');
  assert.deepEqual(d.metadata!.ownerReferences, [
    { apiVersion: 'serving.modelship.io/v1alpha1', kind: 'InferenceService', name: 'iris', uid: 'uid-iris', controller: true, blockOwnerDeletion: true },
  ]);
  const t = d.spec!.template;
  assert.equal(t.metadata!.labels!['team'], 'a');
  assert.equal(t.metadata!.annotations!['note'], 'x');
  assert.equal(t.spec!.serviceAccountName, 'fetcher');
  assert.equal(t.spec!.automountServiceAccountToken, undefined);
  // Every selector label is on the pod template (or the API server refuses the Deployment).
  for (const [k, v] of Object.entries(d.spec!.selector.matchLabels!)) assert.equal(t.metadata!.labels![k], v);
});

test('user labels cannot override the selector labels', () => {
  const d = build({ labels: { 'serving.modelship.io/inferenceservice': 'other' } });
  assert.equal(d.spec!.template.metadata!.labels!['serving.modelship.io/inferenceservice'], 'iris');
});

test('env: an empty or missing value is omitted (the API server drops value: ""), others are kept', () => {
  const c = server({ model: { modelFormat: { name: 'onnx' }, storageUri: 's3://m/x.onnx', env: [{ name: 'A', value: '' }, { name: 'B' }, { name: 'C', value: 'c' }] } });
  assert.deepEqual(c.env, [{ name: 'A' }, { name: 'B' }, { name: 'C', value: 'c' }]);
});

test('termination: preStop sleeps so endpoints drain, and the grace period covers the sleep and the runtime drain', () => {
  const spec = pod({});
  const c = spec.containers[0]!;
  const sleep = c.lifecycle!.preStop!.sleep!.seconds;
  assert.ok(sleep >= 5, `preStop sleep ${sleep} s`);
  const drain = Number(arg(c.args, '--shutdown-grace-seconds'));
  assert.ok(spec.terminationGracePeriodSeconds! > sleep + drain, `grace ${spec.terminationGracePeriodSeconds} <= ${sleep} + ${drain}`);
});

test('local disk: the model emptyDir has the operator sizeLimit, every container an ephemeral-storage limit of model plus scratch', () => {
  const spec = pod({});
  assert.deepEqual(spec.volumes!.map((v) => [v.name, v.emptyDir?.sizeLimit]), [['model', '10Gi'], ['tmp', '1Gi']]);
  for (const c of [...spec.containers, ...spec.initContainers!]) assert.equal(c.resources!.limits!['ephemeral-storage'], '11264Mi', c.name);
  // The operator setting sizes both.
  const small = buildDeployment(defaulted({}), { ...config, modelVolumeSizeLimit: '512Mi' }).spec!.template.spec!;
  assert.equal(small.volumes![0]!.emptyDir!.sizeLimit, '512Mi');
  assert.equal(small.containers[0]!.resources!.limits!['ephemeral-storage'], '1536Mi');
});

test('local disk: a spec ephemeral-storage limit replaces the default for the volume and the containers; a pvc model needs scratch only', () => {
  const spec = pod({ model: { modelFormat: { name: 'onnx' }, storageUri: 's3://m/x.onnx', resources: { limits: { 'ephemeral-storage': '40Gi' } } } });
  assert.equal(spec.volumes![0]!.emptyDir!.sizeLimit, '40Gi');
  assert.equal(spec.containers[0]!.resources!.limits!['ephemeral-storage'], '40Gi');
  assert.equal(spec.initContainers![0]!.resources!.limits!['ephemeral-storage'], '40Gi');
  const pvc = pod({ model: { modelFormat: { name: 'onnx' }, storageUri: 'pvc://store/m.onnx' } });
  assert.equal(pvc.containers[0]!.resources!.limits!['ephemeral-storage'], '1024Mi');
  assert.deepEqual(pvc.volumes![1], { name: 'tmp', emptyDir: { sizeLimit: '1Gi' } });
});

test('a static fallback becomes runtime flags the runtime parses; without one nothing is passed', () => {
  const response = { outputs: [{ name: 'label', datatype: 'INT64' as const, shape: [1], data: [0] }] };
  const args = server({ fallback: { response, on: ['queueFull', 'deadline'], deadlineMs: 250 } }).args;
  assert.deepEqual(JSON.parse(arg(args, '--fallback-response') ?? ''), response);
  assert.equal(arg(args, '--fallback-on'), 'queueFull,deadline');
  assert.equal(arg(args, '--fallback-deadline-ms'), '250');
  const plain = server({}).args ?? [];
  for (const flag of ['--fallback-response', '--fallback-on', '--fallback-deadline-ms']) assert.equal(plain.includes(flag), false, flag);
  // The runtime's own parser takes what the operator passes (the args after `serve`).
  const config = parseServeConfig((args ?? []).slice(1), {}, 1);
  assert.deepEqual(config.fallback, { modelPath: undefined, response: JSON.stringify(response), deadlineMs: 250, on: ['queueFull', 'deadline'] });
});
