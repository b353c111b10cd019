import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveMode, TRAFFIC_MODE_ANNOTATION } from './mode.ts';

const both = { gatewayApi: true, istio: true };
const none = { gatewayApi: false, istio: false };

test('auto prefers the Gateway API when installed, else Services', () => {
  assert.deepEqual(resolveMode(undefined, { mode: 'auto', installed: both, allowModeAnnotation: true }), { mode: 'gatewayApi' });
  assert.deepEqual(resolveMode(undefined, { mode: 'auto', installed: none, allowModeAnnotation: true }), { mode: 'service' });
});

test('the annotation overrides the operator setting', () => {
  assert.deepEqual(resolveMode({ [TRAFFIC_MODE_ANNOTATION]: 'istio' }, { mode: 'gatewayApi', installed: both, allowModeAnnotation: true }), { mode: 'istio' });
  assert.deepEqual(resolveMode({ [TRAFFIC_MODE_ANNOTATION]: 'service' }, { mode: 'auto', installed: both, allowModeAnnotation: true }), { mode: 'service' });
});

test('a mode whose CRDs are missing, or an unknown one, falls back to Services and says why', () => {
  const r = resolveMode({ [TRAFFIC_MODE_ANNOTATION]: 'istio' }, { mode: 'auto', installed: none, allowModeAnnotation: true });
  assert.equal(r.mode, 'service');
  assert.match(r.problem!, /VirtualService CRD is not installed/);
  assert.match(resolveMode({ [TRAFFIC_MODE_ANNOTATION]: 'nginx' }, { mode: 'auto', installed: both, allowModeAnnotation: true }).problem!, /must be one of/);
});

test('the annotation is ignored, and status says so, unless the administrator allows it', () => {
  const r = resolveMode({ [TRAFFIC_MODE_ANNOTATION]: 'istio' }, { mode: 'gatewayApi', installed: both, allowModeAnnotation: false });
  assert.equal(r.mode, 'gatewayApi');
  assert.match(r.problem!, /traffic-mode annotation is ignored: the operator does not allow it \(--allow-traffic-mode-annotation\)/);
  assert.deepEqual(resolveMode(undefined, { mode: 'gatewayApi', installed: both, allowModeAnnotation: false }), { mode: 'gatewayApi' });
});
