import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../common/src/logger.ts';
import { FakeKubeClient } from '../../test/operator/unit-support/fake-client.ts';
import { isvcFixture } from '../../test/operator/unit-support/fixtures.ts';
import { loadConfig } from './config.ts';
import { systemClock } from './kube/clock.ts';
import { KubeApiError, type KubeObject } from './kube/client.ts';
import { DEPLOYMENTS, INFERENCE_SERVICES, LEASES } from './kube/resources.ts';
import { startOperator } from './start.ts';

const logger = createLogger({ component: 'start-test', silent: true });
const args = ['--host', '127.0.0.1', '--port', '0', '--leader-election-namespace', 'ops', '--leader-election-identity', 'me'];

async function until<T>(what: string, probe: () => T | undefined): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

test('startOperator: discovery folds into the config, then informers, lease and workers; stop releases the lease', async () => {
  const client = new FakeKubeClient();
  client.failNext('list', 'virtualservices', new KubeApiError(404, 'NotFound', 'the server could not find the requested resource'));
  client.seed(INFERENCE_SERVICES, isvcFixture());
  const operator = await startOperator(loadConfig([...args, '--lease-duration-seconds', '3', '--renew-deadline-seconds', '2', '--retry-period-seconds', '1'], {}), { client, clock: systemClock, logger });
  assert.deepEqual(operator.config.traffic.installed, { gatewayApi: true, grpcRoute: true, istio: false });
  await operator.reconciling;
  const { port } = operator.server.address() as { port: number };
  assert.equal((await fetch(`http://127.0.0.1:${port}/readyz`)).status, 200);
  assert.equal(client.peek<KubeObject & { spec?: { holderIdentity?: string } }>(LEASES, 'ops', 'modelship-operator-leader')?.spec?.holderIdentity, 'me');
  await until('the Deployment', () => client.all(DEPLOYMENTS)[0]);

  await operator.stop('test');
  assert.equal(await operator.done, 'stopped');
  const lease = client.peek<KubeObject & { spec?: { holderIdentity?: string | null } }>(LEASES, 'ops', 'modelship-operator-leader');
  assert.ok(lease?.spec?.holderIdentity === undefined || lease.spec.holderIdentity === null || lease.spec.holderIdentity === '', 'the lease is released on stop');
  await assert.rejects(fetch(`http://127.0.0.1:${port}/readyz`), 'the probe server is closed');
});

test('startOperator without leader election reconciles at once; reconciling rejects when stopped first', async () => {
  const client = new FakeKubeClient();
  client.seed(INFERENCE_SERVICES, isvcFixture());
  const operator = await startOperator(loadConfig([...args, '--leader-elect', 'false'], {}), { client, clock: systemClock, logger });
  assert.equal(operator.elector, undefined);
  await operator.reconciling;
  await until('the Deployment', () => client.all(DEPLOYMENTS)[0]);
  await operator.stop('test');
  assert.equal(await operator.done, 'stopped');

  // A standby that stops before it ever leads: reconciling says so instead of hanging.
  const held = new FakeKubeClient();
  held.seed(LEASES, {
    apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'modelship-operator-leader', namespace: 'ops' },
    spec: { holderIdentity: 'other', leaseDurationSeconds: 3600, renewTime: new Date().toISOString() },
  } as KubeObject);
  const standby = await startOperator(loadConfig(args, {}), { client: held, clock: systemClock, logger });
  await until('the standby to sync', () => (standby.controller.synced ? true : undefined));
  await standby.stop('test');
  await assert.rejects(standby.reconciling, /stopped before it reconciled/);
  assert.equal(await standby.done, 'stopped');
  assert.equal(held.writes(), 0, 'a standby writes nothing');
});
