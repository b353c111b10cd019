// Shadow traffic in Service mode: the real runtime copies REST inference
// requests to a shadow (--mirror-url), here a recording HTTP server on
// loopback. Clients get the primary's answers whatever the shadow does; a
// shadow that hangs fills the bounded queue and the rest is dropped and
// counted; one that is down is counted as failed; --variant labels every series.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { doubleModel, tempDir } from './support/models.ts';
import { metric, postJson, startTestServer, until, type TestServer } from './support/server.ts';

interface Recorded { path: string; headers: IncomingMessage['headers']; body: string }

/** A shadow on 127.0.0.1 that records every copy; `hold` leaves requests unanswered (until close). */
async function shadowServer(mode: 'answer' | 'hold'): Promise<{ url: string; seen: Recorded[]; close(): Promise<void> }> {
  const seen: Recorded[] = [];
  const held: ServerResponse[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      if (mode === 'hold') held.push(res);
      // A shadow's answer differs from the primary's: the client must never see it.
      else res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"outputs":[{"name":"y","datatype":"FP32","shape":[1,4],"data":[-1,-1,-1,-1]}]}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    async close() {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const body = (i: number) => ({ id: `r${i}`, inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: [i, 1, 2, 3] }] });

describe('mirroring to a shadow (--mirror-url)', () => {
  const model = doubleModel(tempDir());
  const servers: Array<{ close(): Promise<void> }> = [];
  after(async () => {
    for (const s of servers.reverse()) await s.close();
  });

  it('copies every request at 100% with its path, body and ids, while the client gets the primary\'s answer', async () => {
    const shadow = await shadowServer('answer');
    servers.push(shadow);
    const primary = await startTestServer(model, ['--mirror-url', `${shadow.url}/`, '--mirror-percent', '100', '--revision', 'iris-predictor-aaaaaaa', '--variant', 'main']);
    servers.push(primary);
    for (let i = 0; i < 40; i++) {
      const r = await postJson(`${primary.url}/v2/models/m/infer`, body(i), { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' });
      assert.equal(r.status, 200);
      assert.deepEqual((r.body as { outputs: Array<{ data: number[] }> }).outputs[0]!.data, [2 * i, 2, 4, 6]);
    }
    const v1 = await postJson(`${primary.url}/v1/models/m:predict`, { instances: [[1, 1, 1, 1]] });
    assert.equal(v1.status, 200);
    await until('41 copies at the shadow', 10_000, async () => shadow.seen.length === 41);
    const first = shadow.seen.find((c) => c.body.includes('"r0"'))!;
    assert.equal(first.path, '/v2/models/m/infer');
    assert.equal(first.headers['x-modelship-mirrored'], 'true');
    assert.equal(first.headers['traceparent'], '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    assert.deepEqual(JSON.parse(first.body), body(0));
    assert.ok(shadow.seen.some((c) => c.path === '/v1/models/m:predict'), 'v1 predict is copied too');
    await until('41 sent', 5_000, async () => (await metric(primary.metricsUrl, 'modelship_mirror_requests_total{model="m",outcome="sent",revision="iris-predictor-aaaaaaa",variant="main"}')) === 41);
    // --variant puts the revision and variant on every series, so A/B is one PromQL query.
    const text = await (await fetch(`${primary.metricsUrl}/metrics`)).text();
    assert.match(text, /modelship_requests_total\{model="m",protocol="v2",code="200",revision="iris-predictor-aaaaaaa",variant="main"\} 40/);
  });

  it('copies about --mirror-percent of the requests', async () => {
    const shadow = await shadowServer('answer');
    servers.push(shadow);
    const primary = await startTestServer(model, ['--mirror-url', shadow.url, '--mirror-percent', '30']);
    servers.push(primary);
    const n = 600;
    for (let i = 0; i < n; i++) assert.equal((await postJson(`${primary.url}/v2/models/m/infer`, body(i))).status, 200);
    await until('copies settled', 10_000, async () => shadow.seen.length === (await metric(primary.metricsUrl, 'modelship_mirror_requests_total{model="m",outcome="sent"}')) && shadow.seen.length > 0);
    // Binomial(600, 0.3): mean 180, sd 11.2; 5 sd either side.
    assert.ok(shadow.seen.length >= 124 && shadow.seen.length <= 236, `${shadow.seen.length} copies of ${n} at 30%`);
  });

  it('a shadow that never answers fills the bounded queue; the rest is dropped and counted; clients are all answered', async () => {
    const shadow = await shadowServer('hold');
    servers.push(shadow);
    const primary = await startTestServer(model, ['--mirror-url', shadow.url, '--mirror-queue-size', '5', '--mirror-concurrency', '1', '--mirror-timeout-ms', '600000']);
    servers.push(primary);
    const n = 30;
    for (let i = 0; i < n; i++) assert.equal((await postJson(`${primary.url}/v2/models/m/infer`, body(i))).status, 200);
    // One copy in flight (held by the shadow), five queued, the rest dropped.
    await until('dropped counted', 5_000, async () => (await metric(primary.metricsUrl, 'modelship_mirror_requests_total{model="m",outcome="dropped"}')) === n - 6);
    assert.equal(await metric(primary.metricsUrl, 'modelship_mirror_queue_length{model="m"}'), 5);
    assert.equal(shadow.seen.length, 1);
  });

  it('a shadow that is down costs the client nothing; its copies are counted as failed', async () => {
    const shadow = await shadowServer('answer');
    const url = shadow.url;
    await shadow.close();
    const primary = await startTestServer(model, ['--mirror-url', url]);
    servers.push(primary);
    for (let i = 0; i < 10; i++) assert.equal((await postJson(`${primary.url}/v2/models/m/infer`, body(i))).status, 200);
    await until('10 failed', 10_000, async () => (await metric(primary.metricsUrl, 'modelship_mirror_requests_total{model="m",outcome="failed"}')) === 10);
  });
});

describe('without --mirror-url nothing is copied and no revision labels are added', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer(doubleModel(tempDir()));
  });
  after(() => server.close());
  it('has the mirror series at zero and no variant label', async () => {
    assert.equal((await postJson(`${server.url}/v2/models/m/infer`, body(1))).status, 200);
    assert.equal(await metric(server.metricsUrl, 'modelship_mirror_requests_total{model="m",outcome="sent"}'), 0);
    const text = await (await fetch(`${server.metricsUrl}/metrics`)).text();
    assert.doesNotMatch(text, /variant="/);
  });
});
