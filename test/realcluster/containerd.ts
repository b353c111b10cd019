// Talking to a node's containerd with `ctr`: importing the locally built images, and, at
// teardown, removing every task and container before containerd stops (the shims that run
// containers outlive containerd otherwise).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { sh, sleep, trySh } from './host.ts';

const NS = 'k8s.io';

/** Folder build-images.sh writes its tarballs to. */
export function imageCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache'), 'modelship', 'realcluster', 'images');
}

/** The newest tarball of an image built by build-images.sh (`pause`, `busybox`); throws naming the target. */
export function imageTarball(stem: string): string {
  const dir = imageCacheDir();
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => f.startsWith(`${stem}-`) && f.endsWith('.tar'));
  } catch {
    // No cache yet.
  }
  const newest = files.map((f) => join(dir, f)).sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
  if (!newest) throw new Error(`image ${stem} is not built (expected ${dir}/${stem}-*.tar). Run \`make realcluster-deps\`.`);
  return newest;
}

export async function waitForSocket(socket: string, alive: () => boolean, tail: () => string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (!alive()) throw new Error(`containerd exited during start-up:\n${tail()}`);
    if ((await trySh('ctr', ['-a', socket, 'version'], { timeoutMs: 5000 })).ok) return;
    await sleep(100);
  }
  throw new Error(`containerd at ${socket} did not answer in 30 s:\n${tail()}`);
}

export async function importImage(socket: string, tarball: string): Promise<void> {
  await sh('ctr', ['-a', socket, '-n', NS, 'images', 'import', tarball], { timeoutMs: 600_000 });
}

/** Kills and deletes every task, then every container; bounded. Returns what could not be removed. */
export async function removeAllContainers(socket: string): Promise<string[]> {
  const ctr = (args: string[]) => trySh('ctr', ['-a', socket, '-n', NS, ...args], { timeoutMs: 15_000 });
  const list = async (what: string) => {
    const r = await ctr([what, 'ls', '-q']);
    return r.ok ? r.out.split('\n').filter(Boolean) : [];
  };
  for (const t of await list('tasks')) await ctr(['tasks', 'kill', '-s', 'SIGKILL', t]);
  for (let i = 0; i < 20; i++) {
    const tasks = await list('tasks');
    if (tasks.length === 0) break;
    for (const t of tasks) await ctr(['tasks', 'delete', '-f', t]);
    await sleep(100);
  }
  for (const c of await list('containers')) await ctr(['containers', 'delete', c]);
  return [...(await list('tasks')).map((t) => `task ${t}`), ...(await list('containers')).map((c) => `container ${c}`)];
}

/** Pids of processes whose command line mentions `path` (the cluster's daemons and shims). */
export function processesMentioning(path: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(path)) pids.push(Number(entry));
    } catch {
      // Exited while we looked.
    }
  }
  return pids;
}
