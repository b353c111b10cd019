import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildService, serviceUrl } from './service.ts';
import { buildDeployment } from './deployment.ts';
import { defaulted } from '../../../test/operator/unit-support/fixtures.ts';
import { DEFAULT_BUILD_CONFIG } from '../settings.ts';

test('the Service is named after the InferenceService and selects its predictor pods', () => {
  const isvc = defaulted({}, 'mlp');
  const svc = buildService(isvc);
  assert.equal(svc.metadata!.name, 'mlp');
  assert.equal(svc.metadata!.namespace, 'ml');
  assert.deepEqual(svc.spec!.ports, [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP', appProtocol: 'http' }]);
  const podLabels = buildDeployment(isvc, DEFAULT_BUILD_CONFIG).spec!.template.metadata!.labels!;
  for (const [k, v] of Object.entries(svc.spec!.selector!)) assert.equal(podLabels[k], v);
  assert.equal(svc.metadata!.ownerReferences![0]!.uid, 'uid-mlp');
});

test('the URL is the Service DNS name', () => {
  assert.equal(serviceUrl({ name: 'mlp', namespace: 'ml' }, 'cluster.local'), 'http://mlp.ml.svc.cluster.local');
});
