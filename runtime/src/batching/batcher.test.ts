import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it, type TestContext } from 'node:test';
import { UnavailableError } from '../errors.ts';
import { Batcher, type BatcherOptions } from './batcher.ts';

interface Job {
  readonly signature: string | undefined;
  readonly rows: number;
  readonly id: string;
}

const job = (id: string, signature: string | undefined = 's', rows = 1): Job => ({ id, signature, rows });

/** A runner whose runs finish only when the test says so, recording every batch. */
function controlledRunner() {
  const batches: string[][] = [];
  const pending: { finish: () => void; fail: (e: Error) => void }[] = [];
  const run = (jobs: Job[]) => {
    batches.push(jobs.map((j) => j.id));
    return new Promise<string[]>((resolve, reject) => {
      pending.push({ finish: () => resolve(jobs.map((j) => `result:${j.id}`)), fail: reject });
    });
  };
  return { batches, pending, run };
}

const options = (o: Partial<BatcherOptions> = {}): BatcherOptions => ({ maxBatchSize: 4, maxQueueDelayMs: 20, maxQueueSize: 100, queueTimeoutMs: 0, concurrency: 1, ...o });

describe('Batcher', () => {
  it('dispatches a lone request at once when nothing is running', async () => {
    const r = controlledRunner();
    const batcher = new Batcher<Job, string>(options({ maxQueueDelayMs: 10_000 }), r.run);
    const result = batcher.submit(job('a'));
    assert.deepEqual(r.batches, [['a']]);
    r.pending[0]?.finish();
    assert.equal(await result, 'result:a');
  });

  it('coalesces jobs queued behind a busy runner, in order, up to maxBatchSize rows', async () => {
    const r = controlledRunner();
    const batcher = new Batcher<Job, string>(options(), r.run);
    const results = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((id) => batcher.submit(job(id)));
    assert.deepEqual(r.batches, [['a']]);
    r.pending[0]?.finish();
    await sleep(0);
    assert.deepEqual(r.batches[1], ['b', 'c', 'd', 'e']);
    r.pending[1]?.finish();
    await sleep(0);
    assert.deepEqual(r.batches[2], ['f', 'g']);
    r.pending[2]?.finish();
    assert.deepEqual(await Promise.all(results), ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((id) => `result:${id}`));
  });

  it('counts rows, not requests, and runs an oversized request alone', async () => {
    const r = controlledRunner();
    const batcher = new Batcher<Job, string>(options(), r.run);
    void batcher.submit(job('busy'));
    for (const [id, rows] of [['x3', 3], ['y2', 2], ['z1', 1], ['big', 9]] as const) void batcher.submit(job(id, 's', rows));
    for (let i = 0; i < 4; i++) {
      r.pending[i]?.finish();
      await sleep(0);
    }
    assert.deepEqual(r.batches, [['busy'], ['x3', 'z1'], ['y2'], ['big']]);
  });

  it('never mixes signatures and keeps each signature in arrival order', async () => {
    const r = controlledRunner();
    const batcher = new Batcher<Job, string>(options({ maxBatchSize: 8 }), r.run);
    void batcher.submit(job('busy'));
    for (const id of ['a1', 'b1', 'a2', 'b2', 'a3']) void batcher.submit(job(id, id[0]));
    r.pending[0]?.finish();
    await sleep(0);
    r.pending[1]?.finish();
    await sleep(0);
    assert.deepEqual(r.batches, [['busy'], ['a1', 'a2', 'a3'], ['b1', 'b2']]);
  });

  it('never coalesces jobs without a signature', async () => {
    const r = controlledRunner();
    const batcher = new Batcher<Job, string>(options(), r.run);
    for (const id of ['a', 'b', 'c']) void batcher.submit({ id, signature: undefined, rows: 1 });
    for (let i = 0; i < 3; i++) {
      r.pending[i]?.finish();
      await sleep(0);
    }
    assert.deepEqual(r.batches, [['a'], ['b'], ['c']]);
  });

  /** Mocked setTimeout and a clock that moves with it: delays are checked to the millisecond, whatever the machine's load. */
  function mockClock(t: TestContext): { now: () => number; advance: (ms: number) => void } {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    let clock = 0;
    return {
      now: () => clock,
      advance(ms) {
        clock += ms;
        t.mock.timers.tick(ms);
      },
    };
  }
  const settle = () => new Promise((resolve) => setImmediate(resolve));

  it('waits up to maxQueueDelayMs for a fuller batch while another run is busy', (t) => {
    const clock = mockClock(t);
    const r = controlledRunner();
    const batcher = new Batcher<Job, string>(options({ concurrency: 2, maxQueueDelayMs: 30 }), r.run, {}, clock.now);
    void batcher.submit(job('a'));
    void batcher.submit(job('b'));
    assert.deepEqual(r.batches, [['a']], 'b waits: a runner is free but a run is in flight');
    clock.advance(10);
    void batcher.submit(job('c'));
    assert.equal(r.batches.length, 1);
    clock.advance(19);
    void batcher.submit(job('d'));
    assert.equal(r.batches.length, 1, 'b has waited 29 ms of 30');
    clock.advance(1);
    assert.deepEqual(r.batches, [['a'], ['b', 'c', 'd']], 'at 30 ms b goes, with those that came later');
  });

  it('counts the delay from the request\'s arrival, not from when a runner freed up', async (t) => {
    const clock = mockClock(t);
    const r = controlledRunner();
    const batcher = new Batcher<Job, string>(options({ concurrency: 2, maxQueueDelayMs: 30 }), r.run, {}, clock.now);
    void batcher.submit(job('a'));
    void batcher.submit(job('b'));
    clock.advance(30);
    assert.deepEqual(r.batches, [['a'], ['b']], 'both runners busy');
    clock.advance(5);
    void batcher.submit(job('c'));
    clock.advance(15);
    r.pending[0]?.finish();
    await settle();
    assert.equal(r.batches.length, 2, 'a runner is free, but c has waited 15 ms of 30 and a run is in flight');
    clock.advance(14);
    assert.equal(r.batches.length, 2);
    clock.advance(1);
    assert.deepEqual(r.batches[2], ['c'], 'c goes 30 ms after it arrived');
  });

  it('dispatches a full batch on a free runner without waiting', () => {
    const r = controlledRunner();
    const batcher = new Batcher<Job, string>(options({ concurrency: 2, maxQueueDelayMs: 10_000, maxBatchSize: 2 }), r.run);
    for (const id of ['a', 'b', 'c']) void batcher.submit(job(id));
    assert.deepEqual(r.batches, [['a'], ['b', 'c']]);
  });

  it('answers 503 at once when the queue is full, without growing it', async () => {
    const r = controlledRunner();
    const lengths: number[] = [];
    const batcher = new Batcher<Job, string>(options({ maxQueueSize: 2 }), r.run, { onQueueLength: (n) => lengths.push(n) });
    void batcher.submit(job('running'));
    void batcher.submit(job('q1'));
    void batcher.submit(job('q2'));
    await assert.rejects(batcher.submit(job('q3')), (e) => e instanceof UnavailableError && /queue is full \(2 requests/.test(e.message));
    assert.equal(batcher.queued, 2);
    assert.equal(Math.max(...lengths), 2);
  });

  it('expires requests that waited past the queue timeout', async () => {
    const r = controlledRunner();
    const batcher = new Batcher<Job, string>(options({ queueTimeoutMs: 20 }), r.run);
    const running = batcher.submit(job('running'));
    const waiting = batcher.submit(job('waiting'));
    await assert.rejects(waiting, (e) => e instanceof UnavailableError && /queue timeout \(20 ms\)/.test(e.message));
    assert.equal(batcher.queued, 0);
    r.pending[0]?.finish();
    assert.equal(await running, 'result:running', 'a dispatched run is not subject to the queue timeout');
  });

  it('rejects every job of a failed run and keeps serving', async () => {
    const r = controlledRunner();
    const batcher = new Batcher<Job, string>(options(), r.run);
    void batcher.submit(job('busy')).catch(() => undefined);
    const a = batcher.submit(job('a'));
    const b = batcher.submit(job('b'));
    r.pending[0]?.fail(new Error('boom'));
    await sleep(0);
    r.pending[1]?.fail(new Error('model exploded'));
    await assert.rejects(a, /model exploded/);
    await assert.rejects(b, /model exploded/);
    const c = batcher.submit(job('c'));
    r.pending[2]?.finish();
    assert.equal(await c, 'result:c');
  });

  it('abort() answers queued and running jobs with the error, drops late results, and idle() waits for the runs', async () => {
    const r = controlledRunner();
    const batcher = new Batcher<Job, string>(options({ maxQueueDelayMs: 10_000 }), r.run);
    const running = batcher.submit(job('running'));
    const queued = [batcher.submit(job('q1')), batcher.submit(job('q2'))];
    const gone = new UnavailableError('shut down');
    batcher.abort(gone);
    for (const p of [running, ...queued]) await assert.rejects(p, (e) => e === gone);
    assert.equal(batcher.queued, 0);
    let idle = false;
    const drained = batcher.idle().then(() => (idle = true));
    await settle();
    assert.equal(idle, false, 'the run still on a worker is waited for');
    r.pending[0]?.finish();
    await drained;
    assert.deepEqual(r.batches, [['running']], 'nothing queued ran after the abort');
  });

  it('reports queue waits and batch rows, and resolves idle() once drained', async () => {
    const r = controlledRunner();
    const dispatched: [number, number][] = [];
    const batcher = new Batcher<Job, string>(options(), r.run, { onDispatch: (rows, waits) => dispatched.push([rows, waits.length]) });
    void batcher.submit(job('a'));
    void batcher.submit(job('b', 's', 2));
    let idle = false;
    const drained = batcher.idle().then(() => (idle = true));
    r.pending[0]?.finish();
    await sleep(0);
    assert.equal(idle, false);
    r.pending[1]?.finish();
    await drained;
    assert.deepEqual(dispatched, [
      [1, 1],
      [2, 1],
    ]);
  });
});
