// Jobs leaving the queue without running: the client went away, or the queue timeout passed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClientClosedError, UnavailableError } from '../errors.ts';
import { Batcher } from './batcher.ts';

interface Job {
  readonly signature: string | undefined;
  readonly rows: number;
  readonly name: string;
}

/** One runner; the first run waits for `release`, so later jobs wait in the queue. */
function setup(queueTimeoutMs = 0) {
  let release = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  const ran: string[] = [];
  const dropped: string[] = [];
  const batcher = new Batcher<Job, string>(
    { maxBatchSize: 1, maxQueueDelayMs: 0, maxQueueSize: 10, queueTimeoutMs, concurrency: 1 },
    async (jobs) => {
      ran.push(...jobs.map((j) => j.name));
      if (ran.length === 1) await gate;
      return jobs.map((j) => j.name);
    },
    { onDrop: (reason) => dropped.push(reason) },
  );
  const job = (name: string): Job => ({ signature: undefined, rows: 1, name });
  return { batcher, job, ran, dropped, release };
}

describe('dropping queued jobs', () => {
  it('drops a queued job whose client went away, without running it', async () => {
    const { batcher, job, ran, dropped, release } = setup();
    const first = batcher.submit(job('a'));
    const gone = new AbortController();
    const second = batcher.submit(job('b'), gone.signal);
    const third = batcher.submit(job('c'), new AbortController().signal);
    assert.equal(batcher.queued, 2);
    gone.abort();
    await assert.rejects(second, (error: unknown) => error instanceof ClientClosedError && error.status === 499);
    assert.equal(batcher.queued, 1);
    release();
    assert.equal(await first, 'a');
    assert.equal(await third, 'c');
    await batcher.idle();
    assert.deepEqual(ran, ['a', 'c']);
    assert.deepEqual(dropped, ['client_closed']);
  });

  it('refuses a job whose client is already gone, and ignores a client leaving after its run started', async () => {
    const { batcher, job, ran, dropped, release } = setup();
    const gone = new AbortController();
    gone.abort();
    await assert.rejects(batcher.submit(job('x'), gone.signal), ClientClosedError);
    const running = new AbortController();
    const first = batcher.submit(job('a'), running.signal);
    running.abort();
    release();
    assert.equal(await first, 'a');
    assert.deepEqual(ran, ['a']);
    assert.deepEqual(dropped, []);
  });

  it('times out a job still queued after queueTimeoutMs with a 503, counted as a timeout', async () => {
    const { batcher, job, dropped, release } = setup(20);
    const first = batcher.submit(job('a'));
    await assert.rejects(batcher.submit(job('b')), (error: unknown) => error instanceof UnavailableError && /queue timeout \(20 ms\)/.test(error.message));
    assert.deepEqual(dropped, ['timeout']);
    release();
    assert.equal(await first, 'a');
  });
});
