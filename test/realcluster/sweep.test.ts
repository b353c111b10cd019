// A run killed with SIGKILL tears nothing down; the next run must find its slot (dead owner)
// and remove every trace with the same teardown.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { ClusterLayout } from './layout.ts';
import { leftovers } from './leftovers.ts';
import { sweepStale } from './slots.ts';

const HOLDER = new URL('./fixtures/hold-cluster.ts', import.meta.url).pathname;

describe('a crashed run', { timeout: 600_000 }, () => {
  it('is swept: namespaces, containers, cgroups, mounts, routes and files go', async () => {
    const child = spawn(process.execPath, [HOLDER], { stdio: ['ignore', 'pipe', 'inherit'] });
    const line = await Promise.race([
      new Promise<string>((resolve) => createInterface({ input: child.stdout! }).once('line', resolve)),
      new Promise<string>((_, reject) => child.once('exit', (code) => reject(new Error(`holder exited ${code}`)))),
      new Promise<string>((_, reject) => setTimeout(() => reject(new Error('holder not up in 300 s')), 300_000).unref()),
    ]);
    const l = JSON.parse(line) as ClusterLayout;
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    // The crash is real: its namespaces and cgroups are still there.
    const before = await leftovers(l);
    assert.ok(before.includes(`netns ${l.nodes[0].netns}`), before.join('; '));
    assert.ok(before.some((x) => x.startsWith('cgroup ')), before.join('; '));
    assert.deepEqual(await sweepStale(), []);
    assert.deepEqual(await leftovers(l), []);
  });
});
