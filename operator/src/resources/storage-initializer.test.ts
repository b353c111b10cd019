import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildDeployment } from './deployment.ts';
import { defaulted } from '../../../test/operator/unit-support/fixtures.ts';
import { DEFAULT_BUILD_CONFIG, type BuildConfig } from '../settings.ts';
import type { PredictorSpec } from '../api/types.ts';
import { STORAGE_SECRET_KEYS, STORAGE_TOKEN_DIR } from './storage-initializer.ts';

const withStorage = (storage: Partial<BuildConfig['storage']>): BuildConfig => ({ ...DEFAULT_BUILD_CONFIG, storage: { ...DEFAULT_BUILD_CONFIG.storage, ...storage } });
const pod = (model: Partial<PredictorSpec['model']>, config: BuildConfig = DEFAULT_BUILD_CONFIG) =>
  buildDeployment(defaulted({ model: { modelFormat: { name: 'onnx' }, storageUri: 's3://models/iris/', ...model } }), config).spec!.template.spec!;
const flag = (args: string[] | undefined, name: string) => args?.[args.indexOf(name) + 1];

test('the fetch policy comes from the operator settings, as flags (which win over any environment)', () => {
  const init = pod({}, withStorage({ idleTimeoutSeconds: 7, maxModelBytes: 12345, allowMetadataAddresses: true })).initContainers![0]!;
  assert.equal(flag(init.args, '--idle-timeout-seconds'), '7');
  assert.equal(flag(init.args, '--max-model-bytes'), '12345');
  // Never more than the model volume holds: the operator's size limit, or the spec's ephemeral-storage limit.
  assert.equal(flag(pod({}, { ...DEFAULT_BUILD_CONFIG, modelVolumeSizeLimit: '10Gi' }).initContainers![0]!.args, '--max-model-bytes'), String(10 * 1024 ** 3));
  assert.equal(flag(pod({ resources: { limits: { 'ephemeral-storage': '1Gi' } } }).initContainers![0]!.args, '--max-model-bytes'), String(1024 ** 3));
  assert.equal(flag(init.args, '--allow-metadata-addresses'), 'true');
  assert.equal(flag(pod({}).initContainers![0]!.args, '--allow-metadata-addresses'), 'false');
});

test('a storage Secret gives only the keys the fetch reads, each optional; never envFrom', () => {
  const init = pod({ storageSecretRef: { name: 'creds' } }).initContainers![0]!;
  assert.equal(init.envFrom, undefined);
  assert.deepEqual(init.env!.map((e) => e.name), [...STORAGE_SECRET_KEYS]);
  for (const e of init.env!) assert.deepEqual(e.valueFrom, { secretKeyRef: { name: 'creds', key: e.name, optional: true } });
  assert.ok(!STORAGE_SECRET_KEYS.some((k) => k.startsWith('NODE_') || k.startsWith('MODELSHIP_') || k.startsWith('LD_')));
});

test('without a Secret and with a token audience: the service-account token is projected into the init container alone', () => {
  const spec = pod({ storageRoleArn: 'arn:aws:iam::123456789012:role/models' }, withStorage({ tokenAudience: 'sts.amazonaws.com' }));
  const init = spec.initContainers![0]!;
  const volume = spec.volumes!.find((v) => v.projected !== undefined)!;
  assert.deepEqual(volume.projected!.sources, [{ serviceAccountToken: { audience: 'sts.amazonaws.com', expirationSeconds: 3600, path: 'token' } }]);
  assert.deepEqual(init.volumeMounts!.find((m) => m.name === volume.name), { name: volume.name, mountPath: STORAGE_TOKEN_DIR, readOnly: true });
  assert.ok(!spec.containers[0]!.volumeMounts!.some((m) => m.name === volume.name), 'the model server never sees the token');
  const env = Object.fromEntries(init.env!.map((e) => [e.name, e.value]));
  assert.equal(env['AWS_WEB_IDENTITY_TOKEN_FILE'], `${STORAGE_TOKEN_DIR}/token`);
  assert.equal(env['AWS_ROLE_ARN'], 'arn:aws:iam::123456789012:role/models');
});

test('without a Secret and without an audience: nothing added, the platform identity (IRSA, Pod Identity, GKE) applies as is', () => {
  const spec = pod({}, DEFAULT_BUILD_CONFIG);
  assert.equal(spec.initContainers![0]!.env, undefined);
  assert.ok(!spec.volumes!.some((v) => v.projected !== undefined));
  // A Secret wins over the audience: no token is projected next to it.
  const both = pod({ storageSecretRef: { name: 'creds' } }, withStorage({ tokenAudience: 'sts.amazonaws.com' }));
  assert.ok(!both.volumes!.some((v) => v.projected !== undefined));
});
