import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gpuCount, placementFor } from './placement.ts';
import { defaulted } from '../../../test/operator/unit-support/fixtures.ts';
import { DEFAULT_BUILD_CONFIG } from '../settings.ts';

const gpuModel = { modelFormat: { name: 'onnx' as const }, storageUri: 's3://m/x.onnx', resources: { limits: { 'nvidia.com/gpu': '2' } } };

test('gpu count comes from limits, then requests', () => {
  assert.equal(gpuCount(defaulted({}).spec.predictor), 0);
  assert.equal(gpuCount(defaulted({ model: gpuModel }).spec.predictor), 2);
});

test('CPU models keep the user placement and get no GPU toleration', () => {
  const p = placementFor(defaulted({ nodeSelector: { zone: 'a' } }).spec.predictor, DEFAULT_BUILD_CONFIG);
  assert.deepEqual(p, { image: DEFAULT_BUILD_CONFIG.runtimeImage, executionProviders: 'cpu', nodeSelector: { zone: 'a' }, tolerations: undefined });
});

test('GPU models: the user selector wins per key and a user GPU toleration is not duplicated', () => {
  const p = placementFor(
    defaulted({
      model: gpuModel,
      nodeSelector: { 'nvidia.com/gpu.present': 'yes' },
      tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists' }],
    }).spec.predictor,
    DEFAULT_BUILD_CONFIG,
  );
  assert.deepEqual(p.nodeSelector, { 'nvidia.com/gpu.present': 'yes' });
  assert.deepEqual(p.tolerations, [{ key: 'nvidia.com/gpu', operator: 'Exists' }]);
});
