// SIGTERM drain, on a child process: readiness turns false, new requests get
// 503, queued and in-flight requests still complete, and the process exits 0.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { slowModel, tempDir } from './support/models.ts';
import { postJson, startChildServer } from './support/server.ts';

describe('SIGTERM', () => {
  it('finishes queued and in-flight work, refuses new work with 503, exits 0', async () => {
    const server = await startChildServer(slowModel(tempDir()), ['--workers', '1', '--intra-op-threads', '1', '--max-batch-size', '1', '--shutdown-grace-seconds', '20']);
    const body = { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 256], data: new Array(256).fill(2) }] };
    const earlier = Array.from({ length: 6 }, () => postJson(`${server.url}/v2/models/m/infer`, body));
    await new Promise((resolve) => setTimeout(resolve, 60));
    server.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 40));
    const ready = await fetch(`${server.url}/v2/health/ready`);
    assert.equal(ready.status, 503);
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
});
