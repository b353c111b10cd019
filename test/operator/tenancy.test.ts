// The operator as a component shared by tenants, on the real control plane
// (kube-apiserver, etcd, kube-controller-manager for garbage collection),
// running with only the RBAC it ships: an object someone else created with a
// child's name is never taken over nor garbage-collected with the
// InferenceService; a spec breaking the tenant policy gets no children; an
// API server that goes away makes the operator unready, never unlive.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { dump, load } from 'js-yaml';
import type { V1Deployment, V1Service } from '@kubernetes/client-node';
import type { KubeObject } from '../../operator/src/kube/client.ts';
import { DEPLOYMENTS, EVENTS, INFERENCE_SERVICES, SERVICES } from '../../operator/src/kube/resources.ts';
import { condition, createNamespace, eventually, getIsvc, isvc, predictorName, startOperator, startTestCluster, type OperatorProcess, type TestCluster } from './support.ts';

let tc: TestCluster;
let op: OperatorProcess;
const NS = 'tenants';

before(async () => {
  tc = await startTestCluster({ controllerManager: true });
  op = await startOperator(tc.operatorKubeconfig, 'op-tenancy');
  await eventually('the operator to lead', async () => ((await op.isLeader()) ? true : undefined), { timeoutMs: 30_000 });
  await createNamespace(tc.admin, NS);
});

after(async () => {
  await op?.kill('SIGTERM');
  await tc?.stop();
});

type Event = KubeObject & { reason?: string; type?: string; message?: string; involvedObject?: { name?: string } };

// Seen on the local cluster before the fix: victim2's selector was replaced and the Service
// deleted with the InferenceService; with an unnamed port the takeover was tried too.
const victims: Array<[string, V1Service['spec']]> = [
  ['victim2', { selector: { app: 'mine' }, ports: [{ name: 'http', port: 80, targetPort: 8080 as never }] }],
  ['victim3', { selector: { app: 'mine' }, ports: [{ port: 80, targetPort: 8080 as never }] }],
];

for (const [name, spec] of victims) {
  test(`a user's Service ${name} (${spec!.ports![0]!.name === undefined ? 'unnamed' : 'named'} port) is untouched by an InferenceService ${name} and survives its deletion`, async () => {
    const theirs = await tc.admin.create<V1Service>(SERVICES, { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: NS }, spec });
    await tc.admin.create(INFERENCE_SERVICES, isvc(NS, name));

    const refused = await eventually(`${name} reported in conflict`, async () => {
      const c = condition(await getIsvc(tc.admin, NS, name), 'PredictorReady');
      return c?.reason === 'ChildConflict' ? c : undefined;
    }, { timeoutMs: 30_000 });
    assert.match(refused.message!, new RegExp(`Service ${NS}/${name} exists and is not controlled by this InferenceService`));
    assert.equal(condition(await getIsvc(tc.admin, NS, name), 'Ready')!.status, 'False');
    const warning = await eventually(`a ChildConflict Event for ${name}`, async () => {
      const events = (await tc.admin.list<Event>(EVENTS, { namespace: NS })).items;
      return events.find((e) => e.involvedObject?.name === name && e.reason === 'ChildConflict');
    }, { timeoutMs: 30_000 });
    assert.equal(warning.type, 'Warning');

    // The rest of the InferenceService is reconciled: its revision's Deployment exists.
    const [deployment] = (await tc.admin.list<V1Deployment>(DEPLOYMENTS, { namespace: NS, labelSelector: `serving.modelship.io/inferenceservice=${name}` })).items;
    assert.ok(deployment !== undefined, 'the revision Deployment was written');
    const revision = deployment.metadata!.name!;

    const now = (await tc.admin.get<V1Service & { metadata: { managedFields?: Array<{ manager?: string }> } }>(SERVICES, NS, name))!;
    assert.equal(now.metadata!.uid, theirs.metadata!.uid);
    assert.equal(now.metadata!.resourceVersion, theirs.metadata!.resourceVersion, 'not written at all');
    assert.deepEqual(now.spec!.selector, { app: 'mine' });
    assert.equal(now.metadata!.ownerReferences, undefined);
    assert.ok(!(now.metadata!.managedFields ?? []).some((f) => f.manager?.startsWith('modelship')), 'no field managed by the operator');

    // Deleting the InferenceService garbage-collects its own children only.
    await tc.admin.delete(INFERENCE_SERVICES, NS, name);
    await eventually(`the Deployment of ${name} to be garbage-collected`, async () => ((await tc.admin.get(DEPLOYMENTS, NS, revision)) === undefined ? true : undefined), { timeoutMs: 60_000 });
    const survived = await tc.admin.get<V1Service>(SERVICES, NS, name);
    assert.equal(survived?.metadata?.uid, theirs.metadata!.uid, `the user's Service ${name} survives`);
    assert.deepEqual(survived!.spec!.selector, { app: 'mine' });
  });
}

test('a spec breaking the tenant policy gets PolicyViolation naming each field, a Warning Event and no children; others are reconciled', async () => {
  await tc.admin.create(INFERENCE_SERVICES, isvc(NS, 'sneaky', {
    model: { modelFormat: { name: 'onnx' }, storageUri: 's3://models/x.onnx', env: [{ name: 'NODE_OPTIONS', value: '--import=data:text/javascript,process.exit(7)' }] },
    // A CPU model asking for the GPU nodes.
    tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
    nodeSelector: { 'nvidia.com/gpu.present': 'true' },
  }));
  await tc.admin.create(INFERENCE_SERVICES, isvc(NS, 'honest'));
  const ready = await eventually('sneaky refused', async () => {
    const c = condition(await getIsvc(tc.admin, NS, 'sneaky'), 'Ready');
    return c?.reason === 'PolicyViolation' ? c : undefined;
  }, { timeoutMs: 30_000 });
  assert.equal(ready.status, 'False');
  assert.match(ready.message!, /spec\.predictor\.model\.env\[0\]\.name NODE_OPTIONS: names starting with NODE_ are reserved/);
  assert.match(ready.message!, /spec\.predictor\.tolerations\[0\] key "nvidia.com\/gpu"/);
  assert.match(ready.message!, /spec\.predictor\.nodeSelector "nvidia.com\/gpu.present"/);
  const warning = await eventually('a PolicyViolation Event', async () => (await tc.admin.list<Event>(EVENTS, { namespace: NS })).items
    .find((e) => e.involvedObject?.name === 'sneaky' && e.reason === 'PolicyViolation'), { timeoutMs: 30_000 });
  assert.equal(warning.type, 'Warning');
  // The other InferenceService is served, so the operator is neither stuck nor crashing.
  await eventually('honest reconciled', () => predictorName(tc.admin, NS, 'honest'), { timeoutMs: 30_000 });
  const selector = 'serving.modelship.io/inferenceservice=sneaky';
  assert.deepEqual((await tc.admin.list(DEPLOYMENTS, { namespace: NS, labelSelector: selector })).items, []);
  assert.deepEqual((await tc.admin.list(SERVICES, { namespace: NS, labelSelector: selector })).items, []);
  assert.equal(await tc.admin.get(SERVICES, NS, 'sneaky'), undefined);
  assert.equal(op.process.exitCode, null);
});

/** A loopback TCP relay to the API server that the test can take away, as an outage would. */
async function relay(target: URL): Promise<{ url: string; cut(): void; restore(): Promise<void>; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => s.destroy());
      s.on('close', () => sockets.delete(s));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  let cut = false;
  return {
    url: `https://127.0.0.1:${port}`,
    // New connections are refused (the listener stops) and open ones die.
    cut: () => {
      cut = true;
      server.close();
      for (const s of sockets) s.destroy();
    },
    // The API server is back on the same address.
    restore: async () => {
      cut = false;
      await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    },
    close: async () => {
      if (!cut) await new Promise<void>((r) => { server.close(() => r()); for (const s of sockets) s.destroy(); });
    },
  };
}

test('an API server outage makes the operator unready (naming the watches), never unlive; it recovers without a restart', async () => {
  const apiServer = new URL(tc.cluster.apiServerUrl);
  const proxy = await relay(apiServer);
  const kubeconfig = load(readFileSync(tc.operatorKubeconfig, 'utf8')) as { clusters: Array<{ cluster: { server: string } }> };
  kubeconfig.clusters[0]!.cluster.server = proxy.url;
  const path = `${tc.operatorKubeconfig}-relayed`;
  writeFileSync(path, dump(kubeconfig), { mode: 0o600 });
  const probe = await startOperator(path, 'op-outage', ['--leader-elect', 'false', '--api-failure-unready-seconds', '2']);
  try {
    const base = await probe.baseUrl();
    const get = async (p: string) => { const r = await fetch(`${base}${p}`); return { status: r.status, body: await r.text() }; };
    await eventually('op-outage ready', async () => ((await get('/readyz')).status === 200 ? true : undefined), { timeoutMs: 30_000 });
    assert.match((await get('/readyz')).body, /ok \(leader election off\)/);
    proxy.cut();
    // Each watch notices the outage on its own next request, so the first unready answer may name only some of them.
    const unready = await eventually('op-outage unready, naming the InferenceService watch', async () => { const r = await get('/readyz'); return r.status === 503 && r.body.includes('inferenceservices') ? r : undefined; }, { timeoutMs: 30_000 });
    assert.match(unready.body, /watches failing, API server unreachable\?: .*inferenceservices/);
    // Liveness stays 200 through the outage, sampled for well past the readiness threshold.
    for (let i = 0; i < 8; i++) {
      assert.equal((await get('/healthz')).status, 200, `liveness during the outage, sample ${i}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.equal(probe.process.exitCode, null, 'the process kept running');
    await proxy.restore();
    // Within the informers' longest backoff (30 s) and a reconnect.
    await eventually('op-outage ready again', async () => ((await get('/readyz')).status === 200 ? true : undefined), { timeoutMs: 60_000 });
    assert.equal(probe.process.exitCode, null, 'recovered in the same process');
  } finally {
    await probe.kill('SIGTERM');
    await proxy.close();
  }
});
