import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Deployment } from '@kubernetes/client-node';
import type { InferenceService } from '../api/types.ts';
import { SPEC_ANNOTATION } from '../canary/revision.ts';
import { resolveModel } from './model-source.ts';

const isvc = (rolledOut?: string): InferenceService => ({
  apiVersion: 'serving.modelship.io/v1alpha1', kind: 'InferenceService', metadata: { name: 'iris', namespace: 'ml' },
  spec: { predictor: { model: { modelFormat: { name: 'onnx' }, storageUri: 's3://models/iris-v3.onnx' } } },
  ...(rolledOut === undefined ? {} : { status: { components: { predictor: { latestRolledoutRevision: rolledOut, latestCreatedRevision: 'iris-predictor-new' } } } }),
});
const deployment = (name: string, storageUri: string): V1Deployment => ({
  metadata: { name, annotations: { [SPEC_ANNOTATION]: JSON.stringify({ model: { modelFormat: { name: 'onnx' }, storageUri }, minReplicas: 1 }) } },
});

test('spec.model is used as is', () => {
  const model = { modelFormat: { name: 'onnx' as const }, storageUri: 's3://m/x.onnx' };
  const r = resolveModel({ model }, { inferenceService: () => undefined, revisionDeployment: () => undefined });
  assert.deepEqual(r, { ok: true, model, description: 's3://m/x.onnx' });
});

test('inferenceServiceRef: the rolled-out revision and its recorded model, not the spec being rolled out', () => {
  const deployments = new Map([['iris-predictor-old', deployment('iris-predictor-old', 's3://models/iris-v2.onnx')], ['iris-predictor-new', deployment('iris-predictor-new', 's3://models/iris-v3.onnx')]]);
  const r = resolveModel({ inferenceServiceRef: { name: 'iris' } }, { inferenceService: (n) => (n === 'iris' ? isvc('iris-predictor-old') : undefined), revisionDeployment: (n) => deployments.get(n) });
  assert.ok(r.ok);
  assert.equal(r.revision, 'iris-predictor-old');
  assert.equal(r.model.storageUri, 's3://models/iris-v2.onnx');
  assert.equal(r.description, 'iris/iris-predictor-old');
});

test('inferenceServiceRef problems name their reason', () => {
  const none = { inferenceService: () => undefined, revisionDeployment: () => undefined };
  assert.deepEqual(resolveModel({ inferenceServiceRef: { name: 'x' } }, none).ok, false);
  const reason = (r: ReturnType<typeof resolveModel>) => (r.ok ? 'ok' : r.reason);
  assert.equal(reason(resolveModel({ inferenceServiceRef: { name: 'x' } }, none)), 'InferenceServiceNotFound');
  assert.equal(reason(resolveModel({ inferenceServiceRef: { name: 'iris' } }, { ...none, inferenceService: () => isvc() })), 'NoRolledOutRevision');
  assert.equal(reason(resolveModel({ inferenceServiceRef: { name: 'iris' } }, { ...none, inferenceService: () => isvc('iris-predictor-old') })), 'RevisionNotFound');
});

test('a pinned revision (a run that already started) wins over a later promotion', () => {
  const deployments = new Map([['iris-predictor-old', deployment('iris-predictor-old', 's3://models/iris-v2.onnx')], ['iris-predictor-new', deployment('iris-predictor-new', 's3://models/iris-v3.onnx')]]);
  const lookup = { inferenceService: () => isvc('iris-predictor-new'), revisionDeployment: (n: string) => deployments.get(n) };
  const r = resolveModel({ inferenceServiceRef: { name: 'iris' } }, lookup, 'iris-predictor-old');
  assert.ok(r.ok);
  assert.equal(r.model.storageUri, 's3://models/iris-v2.onnx');
  const unpinned = resolveModel({ inferenceServiceRef: { name: 'iris' } }, lookup);
  assert.ok(unpinned.ok);
  assert.equal(unpinned.model.storageUri, 's3://models/iris-v3.onnx');
});
