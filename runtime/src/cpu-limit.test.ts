import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultThreads, detectCpuLimit, parseCfs, parseCpuMax } from './cpu-limit.ts';

describe('CPU limit', () => {
  it('parses cgroup v2 cpu.max', () => {
    assert.equal(parseCpuMax('max 100000\n'), undefined);
    assert.equal(parseCpuMax('200000 100000\n'), 2);
    assert.equal(parseCpuMax('50000 100000'), 0.5);
    assert.equal(parseCpuMax('garbage'), undefined);
  });

  it('parses cgroup v1 CFS quota and period', () => {
    assert.equal(parseCfs('-1\n', '100000\n'), undefined);
    assert.equal(parseCfs('150000', '100000'), 1.5);
  });

  it('detects at least one CPU on this machine', () => {
    assert.ok(detectCpuLimit() >= 1);
  });

  it('leaves the main thread room and caps workers at 4', () => {
    assert.deepEqual(defaultThreads(1), { workers: 1, intraOpThreads: 1, interOpThreads: 1 });
    assert.deepEqual(defaultThreads(3), { workers: 1, intraOpThreads: 2, interOpThreads: 1 });
    assert.deepEqual(defaultThreads(16), { workers: 4, intraOpThreads: 3, interOpThreads: 1 });
  });
});
