// No orphans: whatever way the process holding clusters ends, its etcd and API servers go
// with it. Two clusters started at once in one process also work side by side.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { createInterface } from 'node:readline';
import { eventually } from './eventually.ts';

const HOLDER = new URL('./fixtures/hold-clusters.ts', import.meta.url).pathname;

interface Held {
  url: string;
  dataDir: string;
}

async function holdClusters(count: number) {
  const child = spawn(process.execPath, [HOLDER, String(count)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const first = await Promise.race([
    new Promise<string>((resolve) => lines.once('line', resolve)),
    new Promise<string>((_, reject) => child.once('exit', (code) => reject(new Error(`holder exited ${code}`)))),
  ]);
  return { child, held: JSON.parse(first) as Held[] };
}

/** Pids of processes whose command line names the data dir: every component of that cluster. */
function processesUsing(dataDir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(dataDir)) pids.push(Number(entry));
    } catch {
      // Exited while we looked.
    }
  }
  return pids;
}

const commandLines = (dataDir: string) =>
  processesUsing(dataDir)
    .map((pid) => { try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, 2).join(' '); } catch { return String(pid); } })
    .join('; ');

const noProcessesUsing = (dataDir: string) =>
  eventually(`processes of ${dataDir} to exit`, async () => (processesUsing(dataDir).length === 0 ? true : undefined), {
    timeoutMs: 10_000,
  });

/** Whether something accepts TCP connections on the URL's port. */
function listening(url: string): Promise<boolean> {
  const port = Number(new URL(url).port);
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('teardown', () => {
  it('SIGTERM stops two concurrent clusters and removes their data dirs', async () => {
    const { child, held } = await holdClusters(2);
    assert.equal(held.length, 2);
    assert.notEqual(held[0]!.url, held[1]!.url);
    for (const h of held) {
      assert.ok(await listening(h.url));
      assert.equal(processesUsing(h.dataDir).length, 2, 'etcd and kube-apiserver run');
    }
    child.kill('SIGTERM');
    for (const h of held) {
      await noProcessesUsing(h.dataDir);
      await eventually(`${h.url} to close`, async () => ((await listening(h.url)) ? undefined : true), { timeoutMs: 10_000 });
      await eventually(`${h.dataDir} to be removed`, async () => (existsSync(h.dataDir) ? undefined : true), { timeoutMs: 10_000 });
    }
  });

  it('SIGKILL of the holding process still takes its API server and etcd down', async () => {
    const { child, held } = await holdClusters(1);
    const h = held[0]!;
    assert.equal(processesUsing(h.dataDir).length, 2, `etcd and kube-apiserver run: ${commandLines(h.dataDir)}`);
    child.kill('SIGKILL');
    try {
      // The kernel delivers the parent-death signal to each component: none is left.
      await noProcessesUsing(h.dataDir);
      // A dying process loses its command line before its sockets: wait for both.
      await eventually(`${h.url} to close`, async () => ((await listening(h.url)) ? undefined : true), { timeoutMs: 10_000 });
    } finally {
      // Should the test fail, it must not leave the orphans it found behind.
      for (const pid of processesUsing(h.dataDir)) process.kill(pid, 'SIGKILL');
      // No code of ours ran to remove the data dir; that is the one thing SIGKILL leaves.
      rmSync(h.dataDir, { recursive: true, force: true });
    }
  });
});
