import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ghzArgs, ghzResult } from './ghz.ts';

test("ghz's report becomes a LoadResult: OK calls only in throughput and latencies, deadlines as timeouts", () => {
  const ms = 1e6;
  const r = ghzResult(
    {
      count: 6,
      total: 2e9,
      statusCodeDistribution: { OK: 4, Unavailable: 1, DeadlineExceeded: 1 },
      details: [
        { latency: 1 * ms, status: 'OK' },
        { latency: 2 * ms, status: 'OK' },
        { latency: 3 * ms, status: 'OK' },
        { latency: 4 * ms, status: 'OK' },
        { latency: 99 * ms, status: 'Unavailable' },
        { latency: 10_000 * ms, status: 'DeadlineExceeded' },
      ],
    },
    0.5,
  );
  assert.equal(r.durationS, 2);
  assert.equal(r.ok, 4);
  assert.equal(r.throughputRps, 2);
  assert.equal(r.latency.p50Ms, 2);
  assert.equal(r.latency.maxMs, 4, 'failed calls are not latency samples');
  assert.equal(r.non2xx, 1);
  assert.equal(r.timeouts, 1);
  assert.equal(r.cpuCores, 0.25);
});

test('ghz runs on one connection with the concurrency, time and binary body asked for', () => {
  const args = ghzArgs({ target: '127.0.0.1:9', call: 'inference.GRPCInferenceService/ModelInfer', bodyFile: '/tmp/b', connections: 64, durationS: 8 }, '/tmp/out.json');
  const value = (flag: string) => args[args.indexOf(flag) + 1];
  assert.equal(value('--concurrency'), '64');
  assert.equal(value('--connections'), '1');
  assert.equal(value('--duration'), '8s');
  assert.equal(value('--binary-file'), '/tmp/b');
  assert.equal(value('--output'), '/tmp/out.json');
  assert.equal(args.at(-1), '127.0.0.1:9');
});
