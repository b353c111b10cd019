// Memory under concurrent large bodies (child process, real sockets): a dozen
// valid 56 MB MNIST-shaped JSON batches at once. The body budget
// (--max-body-bytes-in-flight) admits what fits and answers the rest 503 with
// Retry-After before reading them, so the peak RSS stays bounded; every
// admitted request is served.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { defaultBodyBytesInFlight } from '../../runtime/src/config.ts';
import { mnistShapedModel, tempDir } from './support/models.ts';
import { startChildServer } from './support/server.ts';

const MIB = 2 ** 20;
const CONCURRENT = 12;
const ROWS = 7900;

/** Peak resident set size of a process so far (VmHWM), in MiB. */
function peakMib(pid: number): number {
  return Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;
}

function mnistBatch(): Buffer {
  const values: string[] = [];
  let seed = 7;
  for (let i = 0; i < ROWS * 784; i++) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    values.push((seed / 2147483648).toFixed(6));
  }
  return Buffer.from(`{"inputs":[{"name":"x","datatype":"FP32","shape":[${ROWS},784],"data":[${values.join(',')}]}]}`);
}

describe('memory under concurrent large bodies', () => {
  it(`${CONCURRENT} concurrent 56 MB JSON batches: the budget admits what fits, answers the rest 503 + Retry-After, and peak RSS stays bounded`, async (t) => {
    // The default a pod at the operator's 2 GiB memory limit gets (a sixteenth of it: 128 MiB).
    const budget = defaultBodyBytesInFlight(64 * MIB, 2048 * MIB);
    const server = await startChildServer(mnistShapedModel(tempDir()), ['--workers', '1', '--access-log', 'false', '--max-body-bytes-in-flight', String(budget)]);
    try {
      const pid = server.child.pid as number;
      const body = mnistBatch();
      assert.ok(body.length > 55e6 && body.length < 64 * MIB, `${body.length} bytes`);
      const before = peakMib(pid);
      const replies = await Promise.all(
        Array.from({ length: CONCURRENT }, async () => {
          const r = await fetch(`${server.url}/v2/models/m/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
          const json = (await r.json()) as { error?: string; outputs?: { shape: number[] }[] };
          return { status: r.status, retryAfter: r.headers.get('retry-after'), json };
        }),
      );
      const peak = peakMib(pid);
      const served = replies.filter((r) => r.status === 200);
      const refused = replies.filter((r) => r.status === 503);
      t.diagnostic(`budget ${budget / MIB} MiB; ${served.length} served, ${refused.length} refused; peak RSS ${before.toFixed(0)} -> ${peak.toFixed(0)} MiB`);
      assert.equal(served.length + refused.length, CONCURRENT, JSON.stringify(replies.map((r) => [r.status, r.json.error])));
      assert.ok(served.length >= 1 && refused.length >= 1);
      for (const r of served) assert.deepEqual(r.json.outputs?.[0]?.shape, [ROWS, 1]);
      for (const r of refused) {
        assert.equal(r.retryAfter, '1');
        assert.match(r.json.error ?? '', /takes at most 134217728 at once \(--max-body-bytes-in-flight\)/);
      }
      assert.ok(peak - before < 900, `peak RSS grew ${(peak - before).toFixed(0)} MiB under ${CONCURRENT} concurrent 56 MB bodies`);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });
});
