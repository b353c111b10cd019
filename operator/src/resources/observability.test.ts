import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildDeployment } from './deployment.ts';
import { defaulted } from '../../../test/operator/unit-support/fixtures.ts';
import { applySpecDefaults, NO_SPEC_DEFAULTS } from '../api/defaults.ts';
import { DEFAULT_BUILD_CONFIG } from '../settings.ts';
import type { PredictorSpec } from '../api/types.ts';

const build = (p: Partial<PredictorSpec>, revision?: string) => buildDeployment(defaulted(p), DEFAULT_BUILD_CONFIG, revision);
const container = (p: Partial<PredictorSpec>, revision?: string) => build(p, revision).spec!.template.spec!.containers[0]!;
const arg = (args: string[] | undefined, flag: string) => {
  const i = (args ?? []).indexOf(flag);
  return i < 0 ? undefined : args![i + 1];
};

test('neither logger nor tracing: no flags, no volumes, the pod template of existing services unchanged', () => {
  const c = container({}, 'iris-predictor-abc');
  assert.equal(arg(c.args, '--inference-service'), undefined);
  assert.equal(arg(c.args, '--revision'), undefined);
  assert.equal(c.envFrom, undefined);
  assert.deepEqual(c.volumeMounts!.map((m) => m.name), ['model', 'tmp']);
});

test('an HTTP logger becomes runtime flags with the identity events carry', () => {
  const c = container({ logger: { url: 'http://broker.events/default', mode: 'response', metadataHeaders: ['x-user', 'x-tenant'], sampleRate: 0.1 } }, 'iris-predictor-abc');
  assert.equal(arg(c.args, '--logger-url'), 'http://broker.events/default');
  assert.equal(arg(c.args, '--logger-mode'), 'response');
  assert.equal(arg(c.args, '--logger-metadata-headers'), 'x-user,x-tenant');
  assert.equal(arg(c.args, '--logger-sample-rate'), '0.1');
  assert.equal(arg(c.args, '--logger-storage-uri'), undefined);
  assert.equal(arg(c.args, '--inference-service'), 'iris');
  assert.equal(arg(c.args, '--namespace'), 'ml');
  assert.equal(arg(c.args, '--component'), 'predictor');
  assert.equal(arg(c.args, '--revision'), 'iris-predictor-abc');
  assert.equal(arg(c.args, '--tracing-endpoint'), undefined);
});

test('an s3 blob sink gets its Secret as environment; mode defaults to all', () => {
  const c = container({ logger: { storageUri: 's3://logs/iris', storageSecretRef: { name: 'log-creds' } } });
  assert.equal(arg(c.args, '--logger-storage-uri'), 's3://logs/iris');
  assert.equal(arg(c.args, '--logger-mode'), 'all');
  assert.deepEqual(c.envFrom, [{ secretRef: { name: 'log-creds' } }]);
});

test('a pvc blob sink mounts the claim read-write and passes a file:// prefix', () => {
  const d = build({ logger: { storageUri: 'pvc://payloads/iris/' } });
  const spec = d.spec!.template.spec!;
  assert.deepEqual(spec.volumes!.find((v) => v.name === 'logger'), { name: 'logger', persistentVolumeClaim: { claimName: 'payloads' } });
  const c = spec.containers[0]!;
  assert.deepEqual(c.volumeMounts!.find((m) => m.name === 'logger'), { name: 'logger', mountPath: '/mnt/logger' });
  assert.equal(arg(c.args, '--logger-storage-uri'), 'file:///mnt/logger/iris');
  assert.equal(arg(container({ logger: { storageUri: 'pvc://payloads' } }).args, '--logger-storage-uri'), 'file:///mnt/logger');
});

test('tracing: the endpoint and ratio become flags; a ratio without an endpoint enables nothing', () => {
  const c = container({ tracing: { endpoint: 'http://otel:4318/v1/traces', samplingRatio: 0.5 } }, 'rev-1');
  assert.equal(arg(c.args, '--tracing-endpoint'), 'http://otel:4318/v1/traces');
  assert.equal(arg(c.args, '--tracing-sampling-ratio'), '0.5');
  assert.equal(arg(c.args, '--revision'), 'rev-1');
  assert.equal(arg(container({ tracing: { samplingRatio: 0.5 } }).args, '--tracing-sampling-ratio'), undefined);
});

test('operator tracing defaults fill what the spec leaves unset; without a default endpoint nothing is written', () => {
  const base = defaulted({}).spec.predictor;
  const defaults = { ...NO_SPEC_DEFAULTS, tracing: { endpoint: 'http://otel:4318/v1/traces', samplingRatio: 0.2 } };
  const filled = applySpecDefaults(base, defaults);
  assert.ok(filled.ok);
  assert.deepEqual(filled.predictor.tracing, { endpoint: 'http://otel:4318/v1/traces', samplingRatio: 0.2 });
  const own = applySpecDefaults({ ...base, tracing: { samplingRatio: 1 } }, defaults);
  assert.ok(own.ok);
  assert.deepEqual(own.predictor.tracing, { endpoint: 'http://otel:4318/v1/traces', samplingRatio: 1 });
  const ratioOnly = applySpecDefaults(base, { ...NO_SPEC_DEFAULTS, tracing: { endpoint: undefined, samplingRatio: 0.2 } });
  assert.ok(ratioOnly.ok);
  assert.equal(ratioOnly.predictor.tracing, undefined, 'a default ratio alone must not change every revision hash');
});
