import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LeaderElector, microTime, type Lease } from './leader.ts';
import { FakeKubeClient } from '../../../test/operator/unit-support/fake-client.ts';
import { FakeClock } from '../../../test/operator/unit-support/fake-clock.ts';
import { LEASES } from './resources.ts';
import { createLogger } from '../../../common/src/logger.ts';

const logger = createLogger({ component: 'test', silent: true });

function elector(client: FakeKubeClient, clock: FakeClock, identity: string) {
  return new LeaderElector({
    client, clock, logger, identity, namespace: 'sys', name: 'lease',
    leaseDurationSeconds: 15, renewDeadlineSeconds: 10, retryPeriodSeconds: 2,
  });
}

test('microTime has six fractional digits', () => {
  assert.equal(microTime(Date.UTC(2026, 0, 2, 3, 4, 5, 678)), '2026-01-02T03:04:05.678000Z');
});

test('the first candidate creates the lease; a second waits until it expires', async () => {
  const client = new FakeKubeClient();
  const clock = new FakeClock();
  const a = elector(client, clock, 'a');
  const b = elector(client, clock, 'b');
  assert.equal(await a.acquire(new AbortController().signal), true);
  const abortB = new AbortController();
  let bLeads = false;
  void b.acquire(abortB.signal).then((v) => { bLeads = v; });
  await clock.advance(10_000);
  assert.equal(bLeads, false, 'lease still fresh');
  // a dies (no more renewals): b takes over once the lease duration passed since b last saw it change.
  await clock.advance(8_000);
  assert.equal(bLeads, true);
  const lease = client.peek<Lease>(LEASES, 'sys', 'lease')!;
  assert.equal(lease.spec!.holderIdentity, 'b');
  assert.equal(lease.spec!.leaseTransitions, 1);
});

test('a leader that cannot renew within the deadline reports loss', async () => {
  const client = new FakeKubeClient();
  const clock = new FakeClock();
  const a = elector(client, clock, 'a');
  await a.acquire(new AbortController().signal);
  let result: string | undefined;
  void a.hold(new AbortController().signal).then((r) => { result = r; });
  await clock.advance(4_000);
  assert.equal(result, undefined);
  for (let i = 0; i < 10; i++) client.failNext('get', 'leases', new Error('apiserver down'));
  await clock.advance(12_000);
  assert.equal(result, 'lost');
  assert.equal(a.isLeader, false);
});

test('a leader whose lease was taken reports loss at the next renewal', async () => {
  const client = new FakeKubeClient();
  const clock = new FakeClock();
  const a = elector(client, clock, 'a');
  await a.acquire(new AbortController().signal);
  let result: string | undefined;
  void a.hold(new AbortController().signal).then((r) => { result = r; });
  const lease = client.peek<Lease>(LEASES, 'sys', 'lease')!;
  client.seed(LEASES, { ...lease, spec: { ...lease.spec, holderIdentity: 'intruder' } }, 'MODIFIED');
  await clock.advance(2_000);
  assert.equal(result, 'lost');
});

test('release lets a standby take over without waiting for expiry', async () => {
  const client = new FakeKubeClient();
  const clock = new FakeClock();
  const a = elector(client, clock, 'a');
  const b = elector(client, clock, 'b');
  await a.acquire(new AbortController().signal);
  await a.release();
  assert.equal(client.peek<Lease>(LEASES, 'sys', 'lease')!.spec!.holderIdentity, '');
  assert.equal(await b.acquire(new AbortController().signal), true);
});
