import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../../common/src/logger.ts';
import { Dispatcher, type FlushPolicy, type Outcome, type Sink, type WriteResult } from './dispatcher.ts';
import { REQUEST_TYPE, type PayloadEvent } from './events.ts';

const identity = { inferenceService: 'm', namespace: 'ns', component: 'predictor', revision: 'r' };
const ev = (i: number, body = '{}'): PayloadEvent => ({ id: `e${i}`, type: REQUEST_TYPE, time: 't', identity, traceparent: undefined, metadata: undefined, body });
const IMMEDIATE: FlushPolicy = { maxBatch: 4, bytes: 0, intervalMs: 0 };

function harness(sink: Sink, options: { capacity?: number; policy?: FlushPolicy; retries?: number; maxBytes?: number } = {}) {
  const counts: Record<Outcome, number> = { sent: 0, dropped: 0, failed: 0 };
  const warnings: unknown[] = [];
  const logger = createLogger({ component: 't', silent: true });
  logger.warn = ((message: string, meta: unknown) => {
    warnings.push({ message, meta });
    return logger;
  }) as typeof logger.warn;
  const d = new Dispatcher({
    sink,
    capacity: options.capacity ?? 10,
    maxBytes: options.maxBytes ?? 1 << 30,
    policy: options.policy ?? IMMEDIATE,
    logger,
    count: (_s, o, n) => (counts[o] += n),
    retries: options.retries ?? 3,
    backoffMs: 5,
    maxBackoffMs: 20,
    warnIntervalMs: 60_000,
  });
  return { d, counts, warnings };
}

const until = async (what: string, check: () => boolean, ms = 5000) => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

test('offer never waits for a stuck sink: past capacity events are dropped, counted, and warned about once', async () => {
  let release!: () => void;
  const stuck = new Promise<void>((r) => (release = r));
  const sink: Sink = { name: 'http', write: async () => (await stuck, { failed: [] }) };
  const { d, counts, warnings } = harness(sink, { capacity: 10 });
  const started = performance.now();
  for (let i = 0; i < 1000; i++) d.offer(ev(i));
  assert.ok(performance.now() - started < 500, 'offer returned at once');
  // The first event went to the sink alone (it was all there was), 10 wait in the queue, the rest are dropped.
  assert.equal(counts.dropped, 989);
  assert.equal(d.queued, 10);
  assert.equal(warnings.length, 1, 'one warning per interval, not per event');
  release();
  await until('the queue to drain', () => counts.sent === 11);
});

test('a failing batch is retried with backoff and sent once the sink recovers', async () => {
  let calls = 0;
  const sink: Sink = {
    name: 'http',
    write: async (events): Promise<WriteResult> => {
      calls++;
      if (calls <= 2) throw new Error('connect ECONNREFUSED');
      return { failed: [] };
    },
  };
  const { d, counts } = harness(sink);
  d.offer(ev(1));
  await until('the event to be sent', () => counts.sent === 1);
  assert.equal(calls, 3);
  assert.equal(counts.failed, 0);
});

test('after the retries a batch is counted failed; later events are sent when the sink is back', async () => {
  let down = true;
  const sink: Sink = { name: 'http', write: async (events) => ({ failed: down ? events : [], error: down ? 'the sink answered 500' : undefined }) };
  const { d, counts, warnings } = harness(sink, { retries: 2 });
  d.offer(ev(1));
  d.offer(ev(2));
  await until('the batch to fail', () => counts.failed === 2);
  assert.match(JSON.stringify(warnings), /the sink answered 500/);
  down = false;
  d.offer(ev(3));
  await until('recovery', () => counts.sent === 1);
  assert.equal(counts.failed, 2);
});

test('only the events a sink reports failed are retried', async () => {
  const seen: string[][] = [];
  const sink: Sink = { name: 'http', write: async (events) => (seen.push(events.map((e) => e.id)), { failed: seen.length === 1 ? events.slice(1) : [] }) };
  const { d, counts } = harness(sink, { policy: { maxBatch: 10, bytes: 1 << 30, intervalMs: 20 } });
  d.offer(ev(1));
  d.offer(ev(2));
  await until('both sent', () => counts.sent === 2);
  assert.deepEqual(seen, [['e1', 'e2'], ['e2']]);
});

test('a file-style policy waits for the size or the interval, then writes everything queued as one batch', async () => {
  const batches: number[] = [];
  const sink: Sink = { name: 'blob', write: async (events) => (batches.push(events.length), { failed: [] }) };
  const { d } = harness(sink, { capacity: 1000, policy: { maxBatch: 1000, bytes: 10 * 600, intervalMs: 150 } });
  for (let i = 0; i < 5; i++) d.offer(ev(i));
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(batches, [], 'nothing written before the interval');
  await until('the interval flush', () => batches.length === 1);
  assert.deepEqual(batches, [5]);
  for (let i = 0; i < 12; i++) d.offer(ev(i));
  await until('the size flush', () => batches.length === 2, 100);
  assert.equal(batches[1]! >= 10, true);
});

test('the byte bound drops events that would overflow memory; half of it forces a flush', () => {
  const sink: Sink = { name: 'blob', write: () => new Promise<WriteResult>(() => undefined) };
  const { d, counts } = harness(sink, { capacity: 1000, maxBytes: 5000, policy: { maxBatch: 1000, bytes: 1 << 30, intervalMs: 60_000 } });
  // ~1.5 kB each: the second passes half the budget and goes to the (stuck) sink with the first;
  // three more fit, the other five would pass 5000 bytes.
  for (let i = 0; i < 10; i++) d.offer(ev(i, `"${'x'.repeat(1000)}"`));
  assert.equal(d.queued, 3);
  assert.equal(counts.dropped, 5);
});

test('close delivers what is queued, then refuses new events', async () => {
  const sink: Sink = { name: 'blob', write: async () => ({ failed: [] }) };
  const { d, counts } = harness(sink, { capacity: 100, policy: { maxBatch: 100, bytes: 1 << 30, intervalMs: 60_000 } });
  for (let i = 0; i < 7; i++) d.offer(ev(i));
  await d.close(performance.now() + 2000);
  assert.equal(counts.sent, 7);
  d.offer(ev(8));
  assert.equal(counts.dropped, 1);
});

test('close gives up at the deadline and counts what was left', async () => {
  const sink: Sink = { name: 'http', write: () => new Promise<WriteResult>(() => undefined) };
  const { d, counts } = harness(sink, { capacity: 100 });
  for (let i = 0; i < 6; i++) d.offer(ev(i));
  const started = performance.now();
  await d.close(performance.now() + 200);
  assert.ok(performance.now() - started < 1500);
  assert.equal(counts.dropped, 5, 'the 5 still queued; the first, in flight, stays with the stuck sink');
});
