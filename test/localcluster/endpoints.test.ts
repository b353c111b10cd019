import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Pod, V1Service } from '@kubernetes/client-node';
import { proxiable, serviceEndpoints } from './endpoints.ts';

const service: V1Service = {
  metadata: { name: 'iris', namespace: 'ns' },
  spec: { selector: { app: 'iris' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
};
const port = service.spec!.ports![0]!;

function pod(name: string, over: { ready?: boolean; ns?: string; labels?: Record<string, string>; ip?: string; deleting?: boolean; phase?: string } = {}): V1Pod {
  return {
    metadata: { name, namespace: over.ns ?? 'ns', labels: over.labels ?? { app: 'iris', extra: 'x' }, ...(over.deleting ? { deletionTimestamp: new Date() } : {}) },
    spec: { containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 8080 }] }] },
    status: {
      phase: over.phase ?? 'Running',
      ...(over.ip === '' ? {} : { podIP: over.ip ?? `127.9.0.${name.length}` }),
      conditions: [{ type: 'Ready', status: over.ready === false ? 'False' : 'True' }],
    },
  };
}

test('only ready, matching, live pods with an IP in the same namespace are endpoints', () => {
  const eps = serviceEndpoints(service, port, [
    pod('b'),
    pod('a', { ip: '127.9.0.7' }),
    pod('not-ready', { ready: false }),
    pod('other-ns', { ns: 'x' }),
    pod('other-app', { labels: { app: 'mlp' } }),
    pod('no-ip', { ip: '' }),
    pod('terminating', { deleting: true }),
    pod('done', { phase: 'Succeeded' }),
  ]);
  assert.deepEqual(eps, [
    { ip: '127.9.0.7', port: 8080, pod: 'a' },
    { ip: '127.9.0.1', port: 8080, pod: 'b' },
  ]);
});

test('publishNotReadyAddresses includes unready pods; numeric target ports are used as given', () => {
  const s: V1Service = { ...service, spec: { ...service.spec, publishNotReadyAddresses: true } };
  assert.equal(serviceEndpoints(s, port, [pod('x', { ready: false })]).length, 1);
  assert.deepEqual(serviceEndpoints(service, { port: 80, targetPort: 9000 as unknown as string }, [pod('x')]).map((e) => e.port), [9000]);
  assert.deepEqual(serviceEndpoints(service, { port: 80, targetPort: 'grpc' }, [pod('x')]), []);
});

test('ExternalName, headless and selector-less Services are not proxied', () => {
  assert.ok(proxiable(service));
  assert.ok(!proxiable({ spec: { type: 'ExternalName', externalName: 'localhost' } }));
  assert.ok(!proxiable({ spec: { clusterIP: 'None', selector: { a: 'b' } } }));
  assert.ok(!proxiable({ spec: { ports: [] } }));
});
