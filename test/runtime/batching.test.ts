// Dynamic batching over HTTP: many concurrent callers, each must get exactly
// its own rows back, requests of different shapes must never share a run, and
// runs must really hold more than one request.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { doubleModel, lookupModel, slowModel, tempDir } from './support/models.ts';
import { postJson, startTestServer, type TestServer } from './support/server.ts';

interface RunCounts {
  /** Runs dispatched by the batcher (modelship_batch_size_count). */
  readonly runs: number;
  /** Rows those runs held (modelship_batch_size_sum). */
  readonly rows: number;
  /** Runs of one request only (the le="1" bucket: every request here is one row or more). */
  readonly single: number;
  /** Model runs that succeeded, batch reruns included (modelship_inference_compute_duration_seconds_count). */
  readonly computed: number;
}

/** A series' value; 0 before its first observation (prom-client leaves it out until then). */
function sample(metrics: string, series: string): number {
  const line = metrics.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

async function runCounts(server: TestServer): Promise<RunCounts> {
  const metrics = await (await fetch(`${server.metricsUrl}/metrics`)).text();
  return {
    runs: sample(metrics, 'modelship_batch_size_count{model="m"}'),
    rows: sample(metrics, 'modelship_batch_size_sum{model="m"}'),
    single: sample(metrics, 'modelship_batch_size_bucket{le="1",model="m"}'),
    computed: sample(metrics, 'modelship_inference_compute_duration_seconds_count{model="m"}'),
  };
}

describe('dynamic batching over HTTP', () => {
  let server: TestServer;
  before(async () => {
    // A dynamic second dimension too, so requests of different widths can arrive
    // together; a fixed cost per run, so requests queue behind a running batch.
    server = await startTestServer(doubleModel(tempDir(), ['width'], 512), ['--workers', '1', '--max-batch-size', '16', '--max-queue-delay-ms', '5']);
  });
  after(() => server.close());

  it('returns each caller its own rows, batching concurrent requests of one shape', async () => {
    const before = await runCounts(server);
    const callers = 96;
    const replies = await Promise.all(
      Array.from({ length: callers }, (_, i) => {
        const rows = 1 + (i % 3);
        const data = Array.from({ length: rows * 4 }, (_, k) => i * 100 + k);
        return postJson(`${server.url}/v2/models/m/infer`, { id: `c${i}`, inputs: [{ name: 'x', datatype: 'FP32', shape: [rows, 4], data }] }).then((r) => ({ r, data, rows }));
      }),
    );
    for (const [i, { r, data, rows }] of replies.entries()) {
      assert.equal(r.status, 200);
      assert.equal(r.body.id, `c${i}`);
      assert.deepEqual(r.body.outputs[0].shape, [rows, 4]);
      assert.deepEqual(r.body.outputs[0].data, data.map((v) => v * 2));
    }
    const after = await runCounts(server);
    const runs = after.runs - before.runs;
    assert.equal(after.rows - before.rows, replies.reduce((n, x) => n + x.rows, 0), 'every row ran exactly once');
    // One worker and 96 callers at once: while one run is on the worker the
    // others queue, so each later run takes up to 16 rows. Half the request
    // count is a loose bound; without batching runs equal callers.
    assert.ok(runs <= callers / 2, `${callers} requests ran in ${runs} runs: batching coalesced them`);
    assert.ok(after.runs - after.single > before.runs - before.single, 'the batch-size histogram shows runs of more than one request');
  });

  it('never mixes requests whose other dimensions differ', async () => {
    const widths = [1, 2, 3, 5];
    const replies = await Promise.all(
      Array.from({ length: 64 }, (_, i) => {
        const width = widths[i % widths.length] as number;
        const data = Array.from({ length: width }, (_, k) => i + k / 10);
        return postJson(`${server.url}/v2/models/m/infer`, { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, width], data }] }).then((r) => ({ r, data, width }));
      }),
    );
    for (const { r, data, width } of replies) {
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.deepEqual(r.body.outputs[0].shape, [1, width]);
      assert.deepEqual(r.body.outputs[0].data, data.map((v) => Math.fround(Math.fround(v) * 2)));
    }
  });
});

describe('backpressure over HTTP', () => {
  let server: TestServer;
  before(async () => {
    // The slow model keeps the only worker busy, so 24 simultaneous requests must overflow a queue of 2.
    server = await startTestServer(slowModel(tempDir(), 2048), ['--workers', '1', '--intra-op-threads', '1', '--max-batch-size', '1', '--max-queue-size', '2']);
  });
  after(() => server.close());

  it('answers 503 with Retry-After once the queue is full, and recovers', async () => {
    const body = { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 256], data: new Array(256).fill(1) }] };
    const replies = await Promise.all(Array.from({ length: 24 }, () => postJson(`${server.url}/v2/models/m/infer`, body)));
    const refused = replies.filter((r) => r.status === 503);
    assert.ok(refused.length > 0, 'some requests found the queue full');
    assert.ok(replies.filter((r) => r.status === 200).length >= 3, 'the running and the queued requests were answered');
    assert.ok(replies.every((r) => r.status === 200 || r.status === 503));
    for (const r of refused) {
      assert.equal(r.headers.get('retry-after'), '1');
      assert.match(r.body.error, /queue is full \(2 requests waiting\)/);
    }
    assert.equal((await postJson(`${server.url}/v2/models/m/infer`, body)).status, 200);
  });
});

describe('a request the model rejects inside a batch', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer(lookupModel(tempDir(), 512), ['--workers', '1', '--max-batch-size', '16', '--max-queue-delay-ms', '5']);
  });
  after(() => server.close());

  // One bad index among 48 requests. Whether it lands in a run with others
  // depends on arrival timing, so the round repeats (at most 5 times) until
  // it did; every round must answer everyone correctly either way.
  it('fails only itself: its batch-mates are rerun alone and answered', async () => {
    let shared = 0;
    for (let round = 0; round < 5 && shared === 0; round++) {
      const before = await runCounts(server);
      const indices = Array.from({ length: 48 }, (_, k) => (k === 24 ? 99 : k % 4));
      const replies = await Promise.all(indices.map((index) => postJson(`${server.url}/v2/models/m/infer`, { inputs: [{ name: 'i', datatype: 'INT64', shape: [1, 1], data: [index] }] })));
      replies.forEach((r, k) => {
        if (indices[k] === 99) {
          assert.equal(r.status, 500);
          assert.match(r.body.error, /^inference failed: .*idx=99 must be within the inclusive range \[-4,3\]/);
        } else {
          assert.equal(r.status, 200, JSON.stringify(r.body));
          assert.deepEqual(r.body.outputs[0].data, [10 * ((indices[k] as number) + 1)]);
        }
      });
      const after = await runCounts(server);
      const runs = after.runs - before.runs;
      // Every run succeeds once except the bad request's run, which fails and
      // is then rerun request by request: its batch-mates add one successful
      // run each. So successful runs beyond (runs - 1) count the batch-mates.
      shared = after.computed - before.computed - (runs - 1);
      assert.ok(shared >= 0, `${after.computed - before.computed} successful runs for ${runs} dispatched`);
      assert.ok(runs < 48, `48 requests ran in ${runs} runs: batching coalesced them`);
    }
    assert.ok(shared > 0, 'in 5 rounds the bad request never shared a run with others');
  });
});
