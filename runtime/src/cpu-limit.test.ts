import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
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

  // Each case is a fixture tree standing for /sys/fs/cgroup on a node with 8 CPUs.
  const tree = (name: string) => fileURLToPath(new URL(`./testdata/cgroup/${name}`, import.meta.url));
  const cases: ReadonlyArray<readonly [string, number, string]> = [
    ['v2-limited', 2, 'cgroup v2 cpu.max "200000 100000" is 2 CPUs'],
    ['v2-fractional', 2, 'cgroup v2 quota of 1.5 CPUs rounds up to 2'],
    ['v2-max', 8, 'cgroup v2 "max" means unlimited: all schedulable CPUs'],
    ['v2-garbage', 8, 'an unreadable cpu.max falls back to the schedulable CPUs, not to v1'],
    ['v2-max-beside-v1', 8, 'when cpu.max exists it decides, even beside stale v1 files'],
    ['v1-limited', 3, 'cgroup v1 quota 300000 over period 100000 is 3 CPUs'],
    ['v1-unlimited', 8, 'cgroup v1 quota -1 means unlimited'],
    ['v1-no-period', 8, 'cgroup v1 with the period file missing is treated as unlimited'],
    ['does-not-exist', 8, 'no cgroup files at all: the schedulable CPUs'],
  ];
  for (const [name, expected, why] of cases) {
    it(`detects the limit from a fixture tree: ${name}`, () => {
      assert.equal(detectCpuLimit(tree(name), 8), expected, why);
    });
  }

  it('never reports more CPUs than the process may run on, nor fewer than 1', () => {
    assert.equal(detectCpuLimit(tree('v1-limited'), 2), 2, 'quota 3 on a 2-CPU node');
    assert.equal(detectCpuLimit(tree('v2-limited'), 0), 1);
  });

  it('leaves the main thread room and caps workers at 4', () => {
    assert.deepEqual(defaultThreads(1), { workers: 1, intraOpThreads: 1, interOpThreads: 1 });
    assert.deepEqual(defaultThreads(3), { workers: 1, intraOpThreads: 2, interOpThreads: 1 });
    assert.deepEqual(defaultThreads(16), { workers: 4, intraOpThreads: 3, interOpThreads: 1 });
  });
});
