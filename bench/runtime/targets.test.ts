import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { percentile, summarizeLatencies } from './stats.ts';
import { evaluateTargets, formatReport, type InProcess, type Scenario } from './targets.ts';

function scenario(batching: 'off' | 'on', concurrency: number, throughputRps: number, p50Ms: number): Scenario {
  return {
    batching,
    concurrency,
    durationS: 10,
    throughputRps,
    latency: { count: 100, meanMs: p50Ms, p50Ms, p90Ms: p50Ms, p99Ms: p50Ms, maxMs: p50Ms },
    non2xx: 0,
    errors: 0,
    timeouts: 0,
  };
}

const inProcess: InProcess = {
  batch1: { throughputRps: 20000, latency: summarizeLatencies([0.05, 0.05, 0.06]) },
  batched: { batchSize: 32, throughputRowsPerS: 100000, latency: summarizeLatencies([0.3]) },
};

describe('percentile', () => {
  it('uses nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(percentile(values, 50), 50);
    assert.equal(percentile(values, 99), 99);
    assert.equal(percentile(values, 100), 100);
    assert.equal(percentile([7], 99), 7);
    assert.ok(Number.isNaN(percentile([], 50)));
  });

  it('summarizes unsorted samples', () => {
    const s = summarizeLatencies([3, 1, 2, 4]);
    assert.equal(s.p50Ms, 2);
    assert.equal(s.maxMs, 4);
    assert.equal(s.meanMs, 2.5);
  });
});

describe('evaluateTargets', () => {
  it('passes when every ratio meets its threshold', () => {
    const targets = evaluateTargets(
      [scenario('off', 1, 2000, 0.5), scenario('on', 1, 2000, 0.55), scenario('off', 64, 20000, 3), scenario('on', 64, 60000, 1)],
      inProcess,
    );
    assert.deepEqual(
      targets.map((t) => [t.id, t.pass]),
      [
        ['a', true],
        ['b', true],
        ['c', true],
        ['c+', true],
      ],
    );
    assert.equal(targets[0]!.measured, 0.6);
    assert.equal(targets[1]!.measured, 3);
  });

  it('misses each target independently', () => {
    const targets = evaluateTargets(
      [scenario('off', 1, 2000, 0.7), scenario('on', 1, 2000, 0.4), scenario('off', 64, 20000, 3), scenario('on', 64, 59000, 1)],
      inProcess,
    );
    assert.deepEqual(
      targets.map((t) => [t.id, t.pass]),
      [
        ['a', false],
        ['b', false],
        ['c', false],
        ['c+', true],
      ],
    );
    const report = formatReport([], inProcess, targets);
    assert.match(report, /MISS \(a\)/);
    assert.match(report, /PASS \(c\+\)/);
  });

  it('leaves out targets whose scenarios were not run', () => {
    assert.deepEqual(evaluateTargets([scenario('on', 8, 1, 1)], inProcess), []);
  });
});
