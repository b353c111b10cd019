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

/**
 * The fake client seen through a connection that can stall: while stalled,
 * lease requests hang, answering only once the stall ends, or rejecting as
 * node's http does when their signal aborts first.
 */
function stallable(client: FakeKubeClient) {
  let stalled = false;
  const waiting = new Set<() => void>();
  const hang = (signal: AbortSignal | undefined) => new Promise<void>((resolve, reject) => {
    const wake = () => { waiting.delete(wake); signal?.removeEventListener('abort', abort); resolve(); };
    const abort = () => { waiting.delete(wake); reject(Object.assign(new Error('The operation was aborted'), { name: 'AbortError' })); };
    if (signal?.aborted === true) return abort();
    waiting.add(wake);
    signal?.addEventListener('abort', abort, { once: true });
  });
  const view = new Proxy(client, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      const method = (value as (...args: unknown[]) => unknown).bind(target);
      if (prop !== 'get' && prop !== 'create' && prop !== 'update') return method;
      return async (...args: unknown[]) => {
        if (stalled) await hang((args.at(-1) as { signal?: AbortSignal } | undefined)?.signal);
        return await method(...args);
      };
    },
  });
  return {
    view,
    stall: (on: boolean) => {
      stalled = on;
      if (!on) for (const wake of [...waiting]) wake();
    },
    hanging: () => waiting.size,
  };
}

// renewDeadline 10 s, retryPeriod 2 s, leaseDuration 15 s (elector() above).
test('renewals that hang lose leadership exactly at the renew deadline, aborted there, before a standby can take the lease', async () => {
  const client = new FakeKubeClient();
  const clock = new FakeClock();
  const t0 = clock.now();
  const link = stallable(client);
  const a = new LeaderElector({ client: link.view, clock, logger, identity: 'a', namespace: 'sys', name: 'lease', leaseDurationSeconds: 15, renewDeadlineSeconds: 10, retryPeriodSeconds: 2 });
  const b = elector(client, clock, 'b');
  await a.acquire(new AbortController().signal);
  let result: string | undefined;
  let lostAt: number | undefined;
  void a.hold(new AbortController().signal).then((r) => { result = r; lostAt = clock.now(); });
  let bLeadsAt: number | undefined;
  void b.acquire(new AbortController().signal).then(() => { bLeadsAt = clock.now(); });
  await clock.advance(2_000); // renewed at t0+2 s: the deadline is t0+12 s
  assert.equal(client.peek<Lease>(LEASES, 'sys', 'lease')!.spec!.renewTime, microTime(t0 + 2_000));
  link.stall(true);
  await clock.advance(9_999);
  assert.equal(result, undefined, 'still leading 1 ms before the deadline');
  assert.equal(a.isLeader, true);
  assert.equal(link.hanging(), 1, 'one renewal hangs');
  await clock.advance(1);
  assert.equal(result, 'lost', 'the hanging renewal is cut at the deadline');
  assert.equal(lostAt, t0 + 12_000);
  assert.equal(a.isLeader, false);
  assert.equal(link.hanging(), 0, 'the hung request was aborted');
  assert.equal(bLeadsAt, undefined, 'the standby has not taken the lease yet');
  await clock.advance(10_000);
  assert.ok(bLeadsAt !== undefined && bLeadsAt >= t0 + 2_000 + 15_000, `the standby took over at +${(bLeadsAt ?? 0) - t0} ms, after the lease expired`);
});

test('one brief failure or one slow renewal within the deadline keeps leadership', async () => {
  const client = new FakeKubeClient();
  const clock = new FakeClock();
  const link = stallable(client);
  const a = new LeaderElector({ client: link.view, clock, logger, identity: 'a', namespace: 'sys', name: 'lease', leaseDurationSeconds: 15, renewDeadlineSeconds: 10, retryPeriodSeconds: 2 });
  await a.acquire(new AbortController().signal);
  let result: string | undefined;
  void a.hold(new AbortController().signal).then((r) => { result = r; });
  await clock.advance(2_000);
  client.failNext('update', 'leases', new Error('connection reset'));
  await clock.advance(2_000);
  assert.equal(result, undefined, 'one failed renewal is not a lost lease');
  // A renewal that hangs for 5 s, well within the deadline, then answers.
  link.stall(true);
  await clock.advance(2_000);
  await clock.advance(2_000);
  link.stall(false);
  await clock.advance(10_000);
  assert.equal(result, undefined);
  assert.equal(a.isLeader, true);
});

test('renewals that keep failing lose leadership at the first attempt past the deadline, not before', async () => {
  const client = new FakeKubeClient();
  const clock = new FakeClock();
  const a = elector(client, clock, 'a');
  await a.acquire(new AbortController().signal);
  let result: string | undefined;
  void a.hold(new AbortController().signal).then((r) => { result = r; });
  await clock.advance(2_000); // renewed: the deadline is 10 s from here
  for (let i = 0; i < 10; i++) {
    client.failNext('update', 'leases', new Error('apiserver down'));
    client.failNext('get', 'leases', new Error('apiserver down'));
  }
  await clock.advance(9_999);
  assert.equal(result, undefined);
  await clock.advance(1);
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
