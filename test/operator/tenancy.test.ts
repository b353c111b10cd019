// The operator as a component shared by tenants, on the real control plane
// (kube-apiserver, etcd, kube-controller-manager for garbage collection),
// running with only the RBAC it ships: an object someone else created with a
// child's name is never taken over nor garbage-collected with the
// InferenceService.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Deployment, V1Service } from '@kubernetes/client-node';
import type { KubeObject } from '../../operator/src/kube/client.ts';
import { DEPLOYMENTS, EVENTS, INFERENCE_SERVICES, SERVICES } from '../../operator/src/kube/resources.ts';
import { condition, createNamespace, eventually, getIsvc, isvc, startOperator, startTestCluster, type OperatorProcess, type TestCluster } from './support.ts';

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
    const owner = (await getIsvc(tc.admin, NS, name))!;
    const revision = owner.status?.components?.predictor?.latestCreatedRevision;
    assert.ok(revision !== undefined, 'the revision is recorded');
    assert.ok(await tc.admin.get<V1Deployment>(DEPLOYMENTS, NS, revision), 'the revision Deployment was written');

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
