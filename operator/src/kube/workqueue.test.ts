import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkQueue } from './workqueue.ts';
import { FakeClock } from '../../../test/operator/unit-support/fake-clock.ts';

const tick = () => new Promise((r) => setImmediate(r));

test('repeated keys merge while queued', async () => {
  const seen: string[] = [];
  const q = new WorkQueue({ concurrency: 1, clock: new FakeClock(), handler: async (k) => { seen.push(k); } });
  q.add('a'); q.add('a'); q.add('b'); q.add('a');
  q.start();
  for (let i = 0; i < 5; i++) await tick();
  assert.deepEqual(seen, ['a', 'b']);
});

test('a key added while processing runs again afterwards, never concurrently', async () => {
  let running = 0;
  let maxRunning = 0;
  let calls = 0;
  let release!: () => void;
  const q = new WorkQueue({
    concurrency: 4,
    clock: new FakeClock(),
    handler: async () => {
      calls++;
      running++;
      maxRunning = Math.max(maxRunning, running);
      if (calls === 1) await new Promise<void>((r) => { release = r; });
      running--;
    },
  });
  q.start();
  q.add('a');
  await tick();
  q.add('a');
  q.add('a');
  await tick();
  assert.equal(calls, 1);
  release();
  for (let i = 0; i < 5; i++) await tick();
  assert.equal(calls, 2);
  assert.equal(maxRunning, 1);
});

test('concurrency is bounded across keys', async () => {
  let running = 0;
  let maxRunning = 0;
  const gates: Array<() => void> = [];
  const q = new WorkQueue({
    concurrency: 2,
    clock: new FakeClock(),
    handler: async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await new Promise<void>((r) => gates.push(r));
      running--;
    },
  });
  q.start();
  for (const k of ['a', 'b', 'c', 'd']) q.add(k);
  await tick();
  assert.equal(running, 2);
  assert.equal(q.depth, 2);
  while (gates.length > 0) { gates.shift()!(); await tick(); await tick(); }
  assert.equal(maxRunning, 2);
});

test('failures back off exponentially per key and reset on success', async () => {
  const clock = new FakeClock();
  let calls = 0;
  const q = new WorkQueue({
    concurrency: 1, clock, baseDelayMs: 100, maxDelayMs: 1000,
    handler: async () => { calls++; if (calls <= 4) throw new Error('boom'); },
  });
  q.start();
  q.add('a');
  await tick();
  assert.equal(calls, 1);
  const delays = [100, 200, 400];
  for (const d of delays) {
    const before: number = calls;
    await clock.advance(d - 1);
    assert.equal(calls, before, `not retried before ${d} ms`);
    await clock.advance(1);
    await tick();
    assert.equal(calls, before + 1, `retried after ${d} ms`);
  }
  assert.equal(q.failures('a'), 4);
  await clock.advance(800);
  await tick();
  assert.equal(calls, 5);
  assert.equal(q.failures('a'), 0);
});

test('requeueAfter schedules the key again; stop cancels it', async () => {
  const clock = new FakeClock();
  let calls = 0;
  const q = new WorkQueue({ concurrency: 1, clock, handler: async () => { calls++; return { requeueAfterMs: 50 }; } });
  q.start();
  q.add('a');
  await tick();
  await clock.advance(50);
  await tick();
  assert.equal(calls, 2);
  await q.stop();
  await clock.advance(500);
  await tick();
  assert.equal(calls, 2);
});
