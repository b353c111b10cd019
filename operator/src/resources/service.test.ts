import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildService, servicePorts, serviceUrl } from './service.ts';
import { buildDeployment } from './deployment.ts';
import { defaulted } from '../../../test/operator/unit-support/fixtures.ts';
import { DEFAULT_BUILD_CONFIG } from '../settings.ts';

test('the Service is named after the InferenceService and selects its predictor pods', () => {
  const isvc = defaulted({}, 'mlp');
  const svc = buildService(isvc);
  assert.equal(svc.metadata!.name, 'mlp');
  assert.equal(svc.metadata!.namespace, 'ml');
  assert.deepEqual(svc.spec!.ports, [
    { name: 'http', port: 80, targetPort: 'http', protocol: 'TCP', appProtocol: 'http' },
    { name: 'grpc', port: 8081, targetPort: 'grpc', protocol: 'TCP', appProtocol: 'kubernetes.io/h2c' },
  ]);
  const podLabels = buildDeployment(isvc, DEFAULT_BUILD_CONFIG).spec!.template.metadata!.labels!;
  for (const [k, v] of Object.entries(svc.spec!.selector!)) assert.equal(podLabels[k], v);
  assert.equal(svc.metadata!.ownerReferences![0]!.uid, 'uid-mlp');
});

test('the URL is the Service DNS name', () => {
  assert.equal(serviceUrl({ name: 'mlp', namespace: 'ml' }, 'cluster.local'), 'http://mlp.ml.svc.cluster.local');
});

test('both runtime protocols are exposed; protocolVersion grpc-v2 makes gRPC the primary port (80), REST moving to 8080', () => {
  const table: [string | undefined, { primary: string; http: number; grpc: number }][] = [
    [undefined, { primary: 'http', http: 80, grpc: 8081 }],
    ['v1', { primary: 'http', http: 80, grpc: 8081 }],
    ['v2', { primary: 'http', http: 80, grpc: 8081 }],
    ['grpc-v2', { primary: 'grpc', http: 8080, grpc: 80 }],
  ];
  for (const [protocolVersion, expected] of table) {
    const isvc = defaulted({ model: { modelFormat: { name: 'onnx' }, storageUri: 's3://m/model.onnx', ...(protocolVersion ? { protocolVersion: protocolVersion as 'v2' } : {}) } }, 'mlp');
    assert.deepEqual({ ...servicePorts(isvc.spec.predictor) }, expected, String(protocolVersion));
    const ports = buildService(isvc).spec!.ports!;
    assert.deepEqual(ports.map((p) => [p.name, p.port, p.targetPort]), expected.primary === 'grpc' ? [['grpc', 80, 'grpc'], ['http', 8080, 'http']] : [['http', 80, 'http'], ['grpc', 8081, 'grpc']]);
    // The targets are the Deployment's named container ports.
    const container = buildDeployment(isvc, DEFAULT_BUILD_CONFIG).spec!.template.spec!.containers[0]!;
    assert.deepEqual(container.ports!.filter((p) => p.name !== 'metrics').map((p) => [p.name, p.containerPort]), [['http', 8080], ['grpc', 8081]]);
    assert.deepEqual(container.args!.slice(container.args!.indexOf('--grpc-port'), container.args!.indexOf('--grpc-port') + 2), ['--grpc-port', '8081']);
    // Probes stay on REST whatever the primary protocol.
    assert.equal(container.readinessProbe!.httpGet!.port, 'http');
  }
});
