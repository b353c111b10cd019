// SIGTERM drain, on a child process: readiness turns false, new requests get
// 503, queued and in-flight requests still complete, and the process exits 0.
// When the grace period ends first, what is still queued or running is
// answered 503 (retry elsewhere), never a reset connection, and the exit is 1.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventually } from '../cluster/eventually.ts';
import { slowModel, tempDir } from './support/models.ts';
import { postJson, startChildServer } from './support/server.ts';

const body = { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 256], data: new Array(256).fill(2) }] };

/** Waits (bounded) until the server's in-flight gauge shows `n` requests. */
async function inFlight(url: string, n: number): Promise<void> {
  await eventually(
    `${n} requests in flight`,
    async () => {
      const value = /modelship_requests_in_flight\{model="m"\} (\d+)/.exec(await (await fetch(`${url}/metrics`)).text())?.[1];
      return value === String(n) ? true : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 20 },
  );
}

/** Waits (bounded) until readiness says the server is draining. */
async function draining(url: string): Promise<void> {
  await eventually('readiness to turn 503', async () => ((await fetch(`${url}/v2/health/ready`)).status === 503 ? true : undefined), { timeoutMs: 10_000, intervalMs: 10 });
}

describe('SIGTERM', () => {
  it('finishes queued and in-flight work, refuses new work with 503, exits 0', async () => {
    const server = await startChildServer(slowModel(tempDir()), ['--workers', '1', '--intra-op-threads', '1', '--max-batch-size', '1', '--shutdown-grace-seconds', '60']);
    const earlier = Array.from({ length: 6 }, () => postJson(`${server.url}/v2/models/m/infer`, body));
    await inFlight(server.metricsUrl, 6);
    server.child.kill('SIGTERM');
    await draining(server.url);
    const late = await postJson(`${server.url}/v2/models/m/infer`, body);
    assert.equal(late.status, 503);
    assert.equal(late.headers.get('retry-after'), '1');
    assert.equal(late.headers.get('connection'), 'close');
    assert.match(late.body.error, /shutting down/);
    const replies = await Promise.all(earlier);
    assert.deepEqual(
      replies.map((r) => r.status),
      [200, 200, 200, 200, 200, 200],
    );
    assert.deepEqual(replies[0]?.body.outputs[0].data.slice(0, 3), [2, 2, 2]);
    assert.equal(await server.exited, 0, server.output());
    assert.match(server.output(), /"message":"drained; exiting"/);
    // The access log is on by default: one line per inference request, the refused one included.
    assert.match(server.output(), /"message":"request","method":"POST","ms":[\d.]+,"path":"\/v2\/models\/m\/infer","protocol":"v2","status":503/);
  });

  it('answers what is left when the grace period ends with 503, not a reset connection, and exits 1', async () => {
    // 12 runs of a model four times slower than above, one at a time: far
    // more than the 1 s grace period on any machine.
    const server = await startChildServer(slowModel(tempDir(), 32_768), ['--workers', '1', '--intra-op-threads', '1', '--max-batch-size', '1', '--shutdown-grace-seconds', '1']);
    const requests = Array.from({ length: 12 }, () =>
      postJson(`${server.url}/v2/models/m/infer`, body).then(
        (r) => ({ status: r.status, error: typeof r.body?.error === 'string' ? (r.body.error as string) : '', retryAfter: r.headers.get('retry-after') }),
        (e: unknown) => ({ status: 0, error: `no HTTP answer: ${e instanceof Error ? `${e.message} ${String(e.cause)}` : String(e)}`, retryAfter: null }),
      ),
    );
    await inFlight(server.metricsUrl, 12);
    const signalled = performance.now();
    server.child.kill('SIGTERM');
    const replies = await Promise.all(requests);
    const answeredWithin = (performance.now() - signalled) / 1000;
    const code = await server.exited;
    const refused = replies.filter((r) => r.status === 503);
    assert.deepEqual(
      replies.filter((r) => r.status !== 200 && r.status !== 503),
      [],
      'every request was answered 200 (finished in time) or 503 (cut off by the grace period)',
    );
    assert.ok(refused.length > 0, `${12 - refused.length} of 12 finished within the 1 s grace period: the test needs some cut off`);
    for (const r of refused) {
      assert.match(r.error, /^the server shut down before this request finished \(grace period of 1 s ended\); retry on another replica$/);
      assert.equal(r.retryAfter, '1');
    }
    assert.ok(answeredWithin < 1 + 5, `answered ${answeredWithin.toFixed(1)} s after SIGTERM: the grace period plus at most the 1 s flush, with margin for a loaded machine`);
    assert.equal(code, 1, server.output());
    assert.match(server.output(), new RegExp(`"message":"the grace period ended with requests still in flight; answered them 503","unanswered":0,"inFlight":${refused.length}|"inFlight":${refused.length}[^\\n]*"unanswered":0`));
  });
});
