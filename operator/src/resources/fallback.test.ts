import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildDeployment } from './deployment.ts';
import { fallbackArgs } from './fallback.ts';
import { defaulted } from '../../../test/operator/unit-support/fixtures.ts';
import { DEFAULT_BUILD_CONFIG, type BuildConfig } from '../settings.ts';
import type { FallbackSpec, PredictorSpec } from '../api/types.ts';
import { parseServeConfig } from '../../../runtime/src/config.ts';
import { parseStaticResponse } from '../../../runtime/src/fallback/static.ts';
import type { ModelSpec } from '../../../runtime/src/protocol/types.ts';

const withStorage = (storage: Partial<BuildConfig['storage']>): BuildConfig => ({ ...DEFAULT_BUILD_CONFIG, storage: { ...DEFAULT_BUILD_CONFIG.storage, ...storage } });
const pod = (primary: string, fallback: FallbackSpec, model: Partial<PredictorSpec['model']> = {}, config: BuildConfig = DEFAULT_BUILD_CONFIG) =>
  buildDeployment(defaulted({ model: { modelFormat: { name: 'onnx' }, storageUri: primary, ...model }, fallback }), config).spec!.template.spec!;
const arg = (args: string[] | undefined, flag: string) => {
  const i = (args ?? []).indexOf(flag);
  return i < 0 ? undefined : args![i + 1];
};
/** The runtime's own parser reads what the operator passes (the args after `serve`). */
const runtimeConfig = (args: string[] | undefined) => parseServeConfig((args ?? []).slice(1), {}, 1);

test('a fetched fallback model gets its own fetch, with the model\'s credentials and fetch policy, into its own volume', () => {
  const config = withStorage({ idleTimeoutSeconds: 7, maxModelBytes: 12345 });
  const spec = pod('s3://models/iris.onnx', { storageUri: 's3://models/small/tiny.onnx', on: ['queueFull'] }, { storageSecretRef: { name: 's3-creds' } }, config);
  const [primary, fallback] = spec.initContainers!;
  assert.equal(spec.initContainers!.length, 2);
  assert.equal(primary!.name, 'storage-initializer');
  assert.deepEqual(primary!.args!.slice(0, 5), ['fetch', '--source', 's3://models/iris.onnx', '--dest', '/mnt/models']);
  assert.equal(fallback!.name, 'fallback-initializer');
  assert.deepEqual(fallback!.args!.slice(0, 5), ['fetch', '--source', 's3://models/small/tiny.onnx', '--dest', '/mnt/fallback']);
  // Everything but the source and destination is the primary fetch's: policy flags, credentials, image, limits.
  assert.deepEqual(fallback!.args!.slice(5), primary!.args!.slice(5));
  assert.equal(arg(fallback!.args, '--idle-timeout-seconds'), '7');
  assert.equal(arg(fallback!.args, '--max-model-bytes'), '12345');
  assert.deepEqual(fallback!.env, primary!.env);
  assert.ok(fallback!.env!.every((e) => e.valueFrom?.secretKeyRef?.name === 's3-creds'));
  assert.deepEqual({ ...fallback!, name: '', args: [], volumeMounts: [] }, { ...primary!, name: '', args: [], volumeMounts: [] });
  assert.deepEqual(fallback!.volumeMounts, [{ name: 'fallback-model', mountPath: '/mnt/fallback' }, { name: 'tmp', mountPath: '/tmp' }]);
  assert.deepEqual(spec.volumes!.slice(0, 3).map((v) => v.name), ['model', 'fallback-model', 'tmp']);
  assert.deepEqual(spec.volumes![1], { name: 'fallback-model', emptyDir: { sizeLimit: '10Gi' } });
  const c = spec.containers[0]!;
  assert.deepEqual(c.volumeMounts!.find((m) => m.name === 'fallback-model'), { name: 'fallback-model', mountPath: '/mnt/fallback', readOnly: true });
  assert.equal(arg(c.args, '--fallback-model-path'), '/mnt/fallback/tiny.onnx');
  assert.equal(c.args!.includes('--fallback-response'), false);
  // Two fetched models and scratch: every container may use the disk of both volumes.
  for (const x of [...spec.containers, ...spec.initContainers!]) assert.equal(x.resources!.limits!['ephemeral-storage'], `${20 * 1024 + 1024}Mi`, x.name);
  assert.deepEqual(runtimeConfig(c.args).fallback, { modelPath: '/mnt/fallback/tiny.onnx', response: undefined, deadlineMs: undefined, on: ['queueFull'] });
});

test('a fallback model on a claim is mounted read-only beside the primary, with no fetch; a prefix names the directory', () => {
  const onClaim = pod('s3://models/iris.onnx', { storageUri: 'pvc://fallbacks/iris/small.onnx' });
  assert.deepEqual(onClaim.initContainers!.map((i) => i.name), ['storage-initializer']);
  assert.deepEqual(onClaim.volumes![1], { name: 'fallback-model', persistentVolumeClaim: { claimName: 'fallbacks', readOnly: true } });
  assert.equal(arg(onClaim.containers[0]!.args, '--fallback-model-path'), '/mnt/fallback/iris/small.onnx');
  assert.equal(onClaim.containers[0]!.resources!.limits!['ephemeral-storage'], `${10 * 1024 + 1024}Mi`, 'only the primary is fetched');

  const bothClaims = pod('pvc://store/iris.onnx', { storageUri: 'gs://bucket/fallback/' });
  assert.deepEqual(bothClaims.initContainers!.map((i) => i.name), ['fallback-initializer']);
  assert.deepEqual(bothClaims.volumes![0], { name: 'model', persistentVolumeClaim: { claimName: 'store', readOnly: true } });
  assert.equal(arg(bothClaims.containers[0]!.args, '--model-path'), '/mnt/pvc/iris.onnx');
  assert.equal(arg(bothClaims.containers[0]!.args, '--fallback-model-path'), '/mnt/fallback');
});

test('with a token audience both fetches read the one projected token volume', () => {
  const spec = pod('s3://models/iris.onnx', { storageUri: 's3://models/tiny.onnx' }, { storageRoleArn: 'arn:aws:iam::123456789012:role/models' }, withStorage({ tokenAudience: 'sts.amazonaws.com' }));
  assert.equal(spec.volumes!.filter((v) => v.name === 'storage-token').length, 1);
  for (const init of spec.initContainers!) assert.ok(init.volumeMounts!.some((m) => m.name === 'storage-token'), init.name);
  assert.ok(!spec.containers[0]!.volumeMounts!.some((m) => m.name === 'storage-token'), 'never in the model server');
});

test('without a fallback model the pod is what it was: one fetch, no fallback volume or flag', () => {
  const spec = buildDeployment(defaulted({ model: { modelFormat: { name: 'onnx' }, storageUri: 's3://models/iris.onnx' } }), DEFAULT_BUILD_CONFIG).spec!.template.spec!;
  assert.deepEqual(spec.initContainers!.map((i) => i.name), ['storage-initializer']);
  assert.deepEqual(spec.volumes!.map((v) => v.name), ['model', 'tmp']);
  assert.equal(spec.containers[0]!.args!.some((a) => a.startsWith('--fallback')), false);
});

const model = (outputs: ModelSpec['outputs']): ModelSpec => ({
  name: 'm', version: undefined, platform: 'onnxruntime_onnx', inputs: [], outputs, executionProvider: 'cpu', batchable: true,
  limits: { maxDimension: 1 << 20, maxRows: 1 << 20 },
});

test('BOOL and BYTES static outputs reach the runtime as the v2 data it parses; numeric ones pass through as written', () => {
  const response = {
    outputs: [
      { name: 'label', datatype: 'BYTES' as const, shape: [1], bytesData: ['setosa'] },
      { name: 'flagged', datatype: 'BOOL' as const, shape: [1, 2], boolData: [true, false] },
      { name: 'score', datatype: 'FP32' as const, shape: [1], data: [0.5] },
    ],
  };
  const args = fallbackArgs({ response }, undefined);
  const passed = JSON.parse(arg(args, '--fallback-response') ?? '');
  assert.deepEqual(passed.outputs, [
    { name: 'label', datatype: 'BYTES', shape: [1], data: ['setosa'] },
    { name: 'flagged', datatype: 'BOOL', shape: [1, 2], data: [true, false] },
    { name: 'score', datatype: 'FP32', shape: [1], data: [0.5] },
  ]);
  const primary = model([
    { name: 'label', datatype: 'BYTES', shape: [-1] },
    { name: 'flagged', datatype: 'BOOL', shape: [-1, 2] },
    { name: 'score', datatype: 'FP32', shape: [-1] },
  ]);
  const tensors = parseStaticResponse(passed, primary);
  assert.deepEqual(tensors.map((t) => [t.name, Array.from(t.data as ArrayLike<unknown>)]), [['label', ['setosa']], ['flagged', [1, 0]], ['score', [0.5]]]);
  // An InferenceService with a numeric response keeps the exact flag it had, so its pods do not roll.
  const numeric = { outputs: [{ name: 'label', datatype: 'INT64' as const, shape: [1], data: [0] }] };
  assert.equal(arg(fallbackArgs({ response: numeric }, undefined), '--fallback-response'), JSON.stringify(numeric));
  assert.deepEqual(fallbackArgs(undefined, undefined), []);
});
