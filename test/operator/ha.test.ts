// Two operator replicas on the real API server: leader election on the Lease,
// failover when the leader is killed (within the lease duration, nothing
// created twice), a restart that loses nothing, and a leader that loses its
// Lease stops at once.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Deployment } from '@kubernetes/client-node';
import { DEPLOYMENTS, INFERENCE_SERVICES, LEASES } from '../../operator/src/kube/resources.ts';
import type { InferenceService } from '../../operator/src/api/types.ts';
import type { Lease } from '../../operator/src/kube/leader.ts';
import { LEASE_NAME } from '../../operator/src/names.ts';
import {
  LEASE_TIMING, OPERATOR_NAMESPACE, RETRY_JITTER, predictorName, createNamespace, eventually, getIsvc, isvc, startOperator, startTestCluster,
  type OperatorProcess, type TestCluster,
} from './support.ts';

const { leaseDurationS: LEASE_DURATION_S, retryPeriodS: RETRY_PERIOD_S } = LEASE_TIMING;
// Stated margin for process start/exit, API latency and the 100 ms leader poll on a loaded
// 2-core machine: two retry periods.
const MARGIN_S = 2 * RETRY_PERIOD_S;
const NS = 'ha';

let tc: TestCluster;
const operators: OperatorProcess[] = [];

before(async () => {
  tc = await startTestCluster();
  await createNamespace(tc.admin, NS);
});

after(async () => {
  for (const op of operators) await op.kill('SIGKILL');
  await tc?.stop();
});

async function start(identity: string): Promise<OperatorProcess> {
  const op = await startOperator(tc.operatorKubeconfig, identity);
  operators.push(op);
  return op;
}

const waitLeader = (op: OperatorProcess, timeoutMs = 30_000) =>
  eventually(`${op.identity} to lead`, async () => ((await op.isLeader()) ? true : undefined), { timeoutMs, intervalMs: 100 });

async function allServed(names: string[]): Promise<void> {
  await eventually(`${names.length} InferenceServices served`, async () => {
    for (const name of names) {
      const o = await getIsvc(tc.admin, NS, name);
      if (o?.status?.observedGeneration !== o?.metadata.generation) return undefined;
      const revision = await predictorName(tc.admin, NS, name);
      if (revision === undefined || (await tc.admin.get(DEPLOYMENTS, NS, revision)) === undefined) return undefined;
    }
    return true;
  }, { timeoutMs: 30_000, intervalMs: 200 });
}

async function deploymentPatches(op: OperatorProcess): Promise<number> {
  let sum = 0;
  for (const [k, v] of await op.metrics()) if (k.startsWith('modelship_operator_api_requests_total{verb="patch",resource="deployments"')) sum += v;
  return sum;
}

const names = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `m${from + i}`);

test('killing the leader hands over within the lease duration, and nothing is done twice', async () => {
  const a = await start('op-a');
  await waitLeader(a);
  const b = await start('op-b');
  await eventually('op-b caches synced', async () => ((await fetch(`${await b.baseUrl()}/readyz`)).status === 200 ? true : undefined));
  assert.equal(await b.isLeader(), false, 'a standby does not lead');

  await Promise.all(names(0, 10).map((n) => tc.admin.create(INFERENCE_SERVICES, isvc(NS, n))));
  await allServed(names(0, 10));
  assert.equal(await b.requests(['patch', 'create', 'update', 'delete']), 0, 'the standby wrote nothing');

  const patchesByA = await deploymentPatches(a);
  assert.equal(patchesByA, 10);
  const killedAt = Date.now();
  await a.kill('SIGKILL');
  await Promise.all(names(10, 15).map((n) => tc.admin.create(INFERENCE_SERVICES, isvc(NS, n))));
  // op-b judges expiry from when it last saw a renewal, which it reads every retry period
  // (+20% jitter): so no sooner than lease - one retry period after the kill, and no later than
  // lease + one retry period, plus the margin.
  const earliestS = LEASE_DURATION_S - RETRY_PERIOD_S * RETRY_JITTER;
  const latestS = LEASE_DURATION_S + RETRY_PERIOD_S * RETRY_JITTER + MARGIN_S;
  await waitLeader(b, (latestS + 10) * 1000);
  const takeoverS = (Date.now() - killedAt) / 1000;
  assert.ok(takeoverS >= earliestS, `takeover after ${takeoverS} s: the lease (${LEASE_DURATION_S} s) was not waited out`);
  assert.ok(takeoverS <= latestS, `takeover took ${takeoverS} s, more than lease ${LEASE_DURATION_S} s + retry ${RETRY_PERIOD_S} s x ${RETRY_JITTER} + margin ${MARGIN_S} s`);
  process.stdout.write(`# leader takeover after SIGKILL: ${takeoverS.toFixed(1)} s (lease ${LEASE_DURATION_S} s)\n`);

  await allServed(names(0, 15));
  assert.equal(await deploymentPatches(b), 5, 'the new leader wrote only the 5 new Deployments: one write per Deployment in all');
  const lease = (await tc.admin.get<Lease>(LEASES, OPERATOR_NAMESPACE, LEASE_NAME))!;
  assert.equal(lease.spec!.holderIdentity, 'op-b');
  assert.equal(lease.spec!.leaseTransitions, 1);
});

test('a restarted operator loses nothing that happened while it was down', async () => {
  const b = operators.find((o) => o.identity === 'op-b')!;
  assert.equal(await b.kill('SIGTERM'), 0, 'graceful exit');
  const released = (await tc.admin.get<Lease>(LEASES, OPERATOR_NAMESPACE, LEASE_NAME))!;
  assert.equal(released.spec!.holderIdentity ?? '', '', 'the lease is released on SIGTERM');

  // While no operator runs: new resources, a spec edit, a deleted child.
  await Promise.all(names(15, 18).map((n) => tc.admin.create(INFERENCE_SERVICES, isvc(NS, n))));
  const edited = (await getIsvc(tc.admin, NS, 'm1'))!;
  edited.spec.predictor.minReplicas = 3;
  await tc.admin.update<InferenceService>(INFERENCE_SERVICES, edited);
  await tc.admin.delete(DEPLOYMENTS, NS, (await predictorName(tc.admin, NS, 'm0'))!);

  const restartedAt = Date.now();
  const c = await start('op-c');
  await waitLeader(c);
  const startS = (Date.now() - restartedAt) / 1000;
  process.stdout.write(`# restart to leading (lease released): ${startS.toFixed(1)} s\n`);
  await allServed(names(0, 18));
  const m1 = (await tc.admin.get<V1Deployment>(DEPLOYMENTS, NS, (await predictorName(tc.admin, NS, 'm1'))!))!;
  assert.equal(m1.spec!.replicas, 3);
  assert.equal((await getIsvc(tc.admin, NS, 'm1'))!.status!.observedGeneration, 2);
});

test('a leader that loses its Lease stops reconciling at once', async () => {
  const c = operators.find((o) => o.identity === 'op-c')!;
  const lease = (await tc.admin.get<Lease>(LEASES, OPERATOR_NAMESPACE, LEASE_NAME))!;
  await tc.admin.update<Lease>(LEASES, { ...lease, spec: { ...lease.spec, holderIdentity: 'someone-else' } });
  const stoppedAt = Date.now();
  // It reads the Lease at its next renewal, at most one retry period (+ jitter) away, then exits.
  const latestMs = (RETRY_PERIOD_S * RETRY_JITTER + MARGIN_S) * 1000;
  const exited = await Promise.race([c.exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), latestMs + 10_000))]);
  assert.equal(exited, 1, 'the operator exits non-zero so that it restarts as a standby');
  const stoppedMs = Date.now() - stoppedAt;
  assert.ok(stoppedMs <= latestMs, `stopped ${stoppedMs} ms after losing the Lease: at most one retry period ${RETRY_PERIOD_S} s x ${RETRY_JITTER} + margin ${MARGIN_S} s`);
  assert.ok(c.logs.some((l) => l.includes('lost leadership')));
});
