// --frontend-threads 2 against the real runtime: requests arrive on both
// front-end threads (the kernel spreads connections across their SO_REUSEPORT
// sockets) and each is counted once; one batching queue fills from both; a
// front-end thread that dies is replaced and the port keeps serving. Every
// request here opens its own connection, so the spread is the kernel's.
// The REST suites run with two front-end threads too: make test-runtime-frontend-threads.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../../common/src/logger.ts';
import { parseServeConfig } from '../../runtime/src/config.ts';
import { startServer, type RunningServer } from '../../runtime/src/server.ts';
import { doubleModel, tempDir } from './support/models.ts';
import { metric, startChildServer, until } from './support/server.ts';

const dir = tempDir('modelship-frontend-');
const model = doubleModel(dir);
const FAULT_WORKER = new URL('./support/fault-worker.ts', import.meta.url);
const FAULT_FRONTEND = new URL('./support/fault-frontend.ts', import.meta.url);

const row = (first: number) => ({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: [first, 1, 2, 3] }] });

/** POSTs on a connection of its own (no keep-alive agent), so each request is a new connection for the kernel to place. */
function postFresh(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const text = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers } }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (data += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(data) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(text);
  });
}

/** Requests each front-end thread received, by thread index. */
async function perThread(metricsUrl: string, threads: number): Promise<number[]> {
  return Promise.all(Array.from({ length: threads }, (_, i) => metric(metricsUrl, `modelship_frontend_requests_total{model="m",thread="${i}"}`)));
}

async function startInProcess(flags: string[], frontendUrl?: URL): Promise<{ url: string; metricsUrl: string; running: RunningServer }> {
  const config = parseServeConfig(['--model-name', 'm', '--model-path', model, '--host', '127.0.0.1', '--port', '0', '--grpc-port', '0', '--metrics-port', '0', '--access-log', 'false', '--frontend-threads', '2', ...flags], {}, 2);
  const running = await startServer(config, createLogger({ component: 'test', silent: true }), { workerUrl: FAULT_WORKER, frontendUrl });
  await running.ready;
  return { url: `http://127.0.0.1:${running.port}`, metricsUrl: `http://127.0.0.1:${running.metricsPort}`, running };
}

describe('two front-end threads (runtime as a process)', () => {
  it('serve requests on both threads and count each request once', async () => {
    const server = await startChildServer(model, ['--frontend-threads', '2', '--access-log', 'false']);
    try {
      assert.equal(server.output().match(/"frontendThreads":2/g)?.length, 2, 'the config and the listening line name two front-end threads');
      const n = 40;
      const replies = await Promise.all(Array.from({ length: n }, (_, i) => postFresh(`${server.url}/v2/models/m/infer`, row(i))));
      for (const [i, r] of replies.entries()) {
        assert.equal(r.status, 200);
        assert.deepEqual(r.body.outputs[0].data, [2 * i, 2, 4, 6]);
      }
      // Every route answers on every thread: a bad request and health, each on fresh connections too.
      const unknown = await postFresh(`${server.url}/v2/models/nope/infer`, row(0));
      assert.equal(unknown.status, 404);
      const threads = await perThread(server.metricsUrl, 2);
      assert.ok(threads.every((count) => count > 0), `both front-end threads served requests: ${threads.join(', ')}`);
      assert.equal(threads[0]! + threads[1]!, n + 1, 'each request reached one thread');
      assert.equal(await metric(server.metricsUrl, 'modelship_requests_total{model="m",protocol="v2",code="200"}'), n, 'each request counted once');
      assert.equal(await metric(server.metricsUrl, 'modelship_requests_total{model="m",protocol="v2",code="404"}'), 1);
      assert.equal(await metric(server.metricsUrl, 'modelship_request_duration_seconds_count{model="m",protocol="v2"}'), n + 1);
    } finally {
      server.child.kill('SIGTERM');
      assert.equal(await server.exited, 0, server.output());
    }
  });
});

describe('one batching queue behind two front-end threads', () => {
  let server: Awaited<ReturnType<typeof startInProcess>>;
  before(async () => {
    server = await startInProcess(['--workers', '1', '--max-batch-size', '32']);
  });
  after(() => server.running.shutdown());

  it('fills one run from requests that arrived on both threads', async () => {
    const runs = () => metric(server.metricsUrl, 'modelship_batch_size_count{model="m"}');
    const rows = () => metric(server.metricsUrl, 'modelship_batch_size_sum{model="m"}');
    const [runsBefore, rowsBefore, threadsBefore] = [await runs(), await rows(), await perThread(server.metricsUrl, 2)];
    // A first input of -2 blocks the only worker for 3 s (support/fault-worker.ts): what comes next queues.
    const blocker = postFresh(`${server.url}/v2/models/m/infer`, row(-2));
    await until('the blocking run to start', 2000, async () => (await runs()) === runsBefore + 1);
    const n = 24;
    const replies = Promise.all(Array.from({ length: n }, (_, i) => postFresh(`${server.url}/v2/models/m/infer`, row(i + 1))));
    await until(`${n} requests queued behind the blocked run`, 2500, async () => (await metric(server.metricsUrl, 'modelship_queue_length{model="m"}')) === n);
    assert.equal((await blocker).status, 200);
    for (const [i, r] of (await replies).entries()) assert.deepEqual(r.body.outputs[0].data, [2 * (i + 1), 2, 4, 6]);
    const threads = (await perThread(server.metricsUrl, 2)).map((count, i) => count - threadsBefore[i]!);
    assert.ok(threads.every((count) => count > 0 && count < n), `both threads took part of the queued requests: ${threads.join(', ')}`);
    assert.equal((await runs()) - runsBefore, 2, 'the blocked run, then one run for all the queued requests');
    assert.equal((await rows()) - rowsBefore, n + 1);
  });
});

describe('a front-end thread that dies', () => {
  let server: Awaited<ReturnType<typeof startInProcess>>;
  before(async () => {
    server = await startInProcess([], FAULT_FRONTEND);
  });
  after(() => server.running.shutdown());

  it('is replaced, counted, and the port keeps serving on both threads', async () => {
    await assert.rejects(postFresh(`${server.url}/v2/models/m/infer`, row(1), { 'x-fault-exit-thread': '1' }), 'the killed thread takes its connection with it');
    await until('the failure to be counted', 5000, async () => (await metric(server.metricsUrl, 'modelship_frontend_thread_failures_total{model="m"}')) === 1);
    // Until the replacement listens, the kernel sends every connection to the thread left.
    const replies = await Promise.all(Array.from({ length: 40 }, (_, i) => postFresh(`${server.url}/v2/models/m/infer`, row(i))));
    assert.deepEqual(new Set(replies.map((r) => r.status)), new Set([200]));
    await until('both threads to serve again', 10_000, async () => {
      await Promise.all(Array.from({ length: 10 }, () => postFresh(`${server.url}/v2/models/m/infer`, row(0)).catch(() => undefined)));
      return (await perThread(server.metricsUrl, 2)).every((count) => count > 0);
    });
    assert.equal(await metric(server.metricsUrl, 'modelship_frontend_thread_failures_total{model="m"}'), 1);
  });
});
