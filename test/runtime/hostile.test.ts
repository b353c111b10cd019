// At least 1,000 generated malformed or hostile requests against a running
// server (child process): every reply is a 4xx with a JSON error, and
// afterwards the server is live, ready, answers a valid inference, and its
// memory is back near where it started.
import assert from 'node:assert/strict';
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

describe('hostile requests', () => {
  let server: ChildServer;
  before(async () => {
    server = await startChildServer(doubleModel(tempDir()), ['--max-body-bytes', String(MAX_BODY), '--access-log', 'false', '--workers', '1']);
  });
  after(async () => {
    server.child.kill('SIGTERM');
    await server.exited;
  });

  it('answers every one with a 4xx JSON error and keeps serving', async (t) => {
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
        const statusOk = c.status === undefined ? reply.status >= 400 && reply.status < 500 : reply.status === c.status;
        if (!statusOk || !reply.type?.startsWith('application/json') || typeof error !== 'string' || error === '') {
          failures.push(`${c.what}: ${reply.status} ${reply.type} ${reply.text.slice(0, 200)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    assert.deepEqual(failures, [], `${failures.length} of ${cases.length} hostile requests were not answered with a 4xx JSON error`);

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
});
