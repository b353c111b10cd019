// At least 1,000 generated malformed or hostile requests against a running
// server (child process): every reply has the status pinned for its case
// (400, 413 or 415; 400 or 431 for malformed HTTP) and a JSON error, and
// afterwards the server is live, ready, answers a valid inference, and its
// memory is back near where it started.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { hostileCases, type HostileCase } from './support/hostile.ts';
import { doubleModel, tempDir } from './support/models.ts';
import { postJson, rssOf, startChildServer, type ChildServer } from './support/server.ts';

const MAX_BODY = 1024 * 1024;
const VALID = { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] }] };

async function send(url: string, c: HostileCase): Promise<{ status: number; type: string | null; text: string }> {
  const response = await fetch(`${url}${c.path}`, { method: 'POST', headers: c.headers, body: c.body });
  return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
}

async function validRounds(url: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const r = await postJson(`${url}/v2/models/m/infer`, VALID);
    assert.equal(r.status, 200);
  }
}

/** Sends raw bytes on a fresh connection and returns what comes back before the server closes it (bounded). */
function raw(url: string, bytes: string | Buffer, abortAfterWrite = false): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let reply = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(reply);
    }, 5000);
    socket.on('data', (chunk: Buffer) => (reply += chunk.toString('latin1')));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(reply);
    });
    socket.on('error', (error) => (reply === '' ? reject(error) : resolve(reply)));
    socket.write(bytes, () => {
      if (abortAfterWrite) socket.destroy();
    });
  });
}

describe('hostile requests', () => {
  let server: ChildServer;
  before(async () => {
    // Eight senders of bodies up to MAX_BODY at once: room for all of them in the body budget, so each
    // case gets its own status rather than the 503 load shedding gives (test/runtime/memory.test.ts covers that).
    server = await startChildServer(doubleModel(tempDir()), ['--max-body-bytes', String(MAX_BODY), '--max-body-bytes-in-flight', String(16 * MAX_BODY), '--access-log', 'false', '--workers', '1']);
  });
  after(async () => {
    server.child.kill('SIGTERM');
    await server.exited;
  });

  it('answers every one with its pinned status and a JSON error, and keeps serving', async (t) => {
    const cases = hostileCases(42, MAX_BODY);
    assert.ok(cases.length >= 1000, `${cases.length} hostile cases`);
    await validRounds(server.url, 50);
    const rssBefore = await rssOf(server.child.pid as number);

    const failures: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < cases.length) {
        const c = cases[next++] as HostileCase;
        const reply = await send(server.url, c);
        let error: unknown;
        try {
          error = (JSON.parse(reply.text) as { error?: unknown }).error;
        } catch {
          error = undefined;
        }
        if (reply.status !== c.status || !reply.type?.startsWith('application/json') || typeof error !== 'string' || error === '') {
          failures.push(`${c.what}: expected ${c.status}, got ${reply.status} ${reply.type} ${reply.text.slice(0, 200)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    assert.deepEqual(failures, [], `${failures.length} of ${cases.length} hostile requests were not answered with their pinned status and a JSON error`);

    assert.equal((await fetch(`${server.url}/v2/health/live`)).status, 200);
    assert.equal((await fetch(`${server.url}/v2/health/ready`)).status, 200);
    const ok = await postJson(`${server.url}/v2/models/m/infer`, VALID);
    assert.deepEqual(ok.body.outputs[0].data, [2, 4, 6, 8]);
    await validRounds(server.url, 200);
    const rssAfter = await rssOf(server.child.pid as number);
    const growth = (rssAfter - rssBefore) / 2 ** 20;
    t.diagnostic(`${cases.length} hostile requests; RSS ${(rssBefore / 2 ** 20).toFixed(1)} MiB before, ${(rssAfter / 2 ** 20).toFixed(1)} MiB after (${growth.toFixed(1)} MiB)`);
    assert.ok(growth < 48, `RSS grew ${growth.toFixed(1)} MiB over ${cases.length} hostile requests`);
    assert.equal(server.child.exitCode, null, 'the server is still running');
  });

  it('answers malformed HTTP with a JSON error, and survives aborted bodies', async () => {
    const post = 'POST /v2/models/m/infer HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n';
    const cases: [string, string, number][] = [
      ['a garbage request line', 'HELLO THERE\r\n\r\n', 400],
      ['an invalid header', 'GET /v2 HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n', 400],
      ['oversized headers', `GET /v2 HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(40_000)}\r\n\r\n`, 431],
      ['Content-Length and Transfer-Encoding together', `${post}Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, 400],
      ['a bad chunk size', `${post}Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`, 400],
      ['a negative Content-Length', `${post}Content-Length: -5\r\n\r\n`, 400],
      ['an HTTP/2 preface', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 400],
    ];
    for (const [what, bytes, status] of cases) {
      const reply = await raw(server.url, bytes);
      assert.match(reply, new RegExp(`^HTTP/1\\.1 ${status} `), `${what}: ${reply.slice(0, 100)}`);
      const body = reply.slice(reply.indexOf('\r\n\r\n') + 4);
      assert.match((JSON.parse(body) as { error: string }).error, /malformed HTTP request/, what);
    }
    for (let i = 0; i < 20; i++) await raw(server.url, `${post}Content-Length: 100000\r\n\r\n{"inputs":[`, true);
    assert.equal((await postJson(`${server.url}/v2/models/m/infer`, VALID)).status, 200);
    // Aborted requests leave the in-flight count once the server sees the connection go (bounded wait).
    let inFlight = '';
    for (let i = 0; i < 40; i++) {
      inFlight = /modelship_requests_in_flight\{model="m"\} (\d+)/.exec(await (await fetch(`${server.metricsUrl}/metrics`)).text())?.[1] ?? '';
      if (inFlight === '0') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(inFlight, '0');
  });
});
