// What a node needs from the machine before its daemons start, and how it is given back:
// a cgroup root in every v1 hierarchy, and a private mount namespace (tmpfs over the paths the
// kubelet and containerd hard-code, stand-ins over the sysctls the kubelet writes) so the
// host's files and kernel settings never change and two nodes can share one machine.
import { existsSync, readdirSync, readFileSync, rmdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { NodeLayout } from './layout.ts';
import { nodePaths } from './configs.ts';
import { sh, sleep, trySh } from './host.ts';

const CGROUP_FS = '/sys/fs/cgroup';
/** The v1 hierarchies the kubelet's cgroupfs driver writes under. */
export const HIERARCHIES = ['cpu', 'cpuacct', 'cpuset', 'memory', 'devices', 'freezer', 'blkio', 'pids', 'systemd'];
/** Sysctls the kubelet sets at start-up (or checks); each gets a stand-in file in the node's mount namespace. */
const SYSCTLS = ['vm/overcommit_memory', 'vm/panic_on_oom', 'kernel/panic', 'kernel/panic_on_oops', 'kernel/keys/root_maxkeys', 'kernel/keys/root_maxbytes'];

export function createCgroupRoots(n: NodeLayout): void {
  for (const h of HIERARCHIES) mkdirSync(join(CGROUP_FS, h, n.cgroupRoot), { recursive: true });
  // A new cpuset starts empty, and no task may join an empty cpuset.
  for (const f of ['cpuset.cpus', 'cpuset.mems']) {
    writeFileSync(join(CGROUP_FS, 'cpuset', n.cgroupRoot, f), readFileSync(join(CGROUP_FS, 'cpuset', f)));
  }
}

/** Every cgroup dir under the node's roots, deepest first. */
function cgroupDirs(n: NodeLayout): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) walk(join(dir, e.name));
    out.push(dir);
  };
  for (const h of [...HIERARCHIES, 'unified']) {
    const root = join(CGROUP_FS, h, n.cgroupRoot);
    if (existsSync(root)) walk(root);
  }
  return out;
}

/** Kills what is left in the node's cgroups and removes them, bounded; returns what remains. */
export async function removeCgroupRoots(n: NodeLayout): Promise<string[]> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const dirs = cgroupDirs(n);
    if (dirs.length === 0) return [];
    for (const dir of dirs) {
      for (const pid of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // Gone already.
        }
      }
      try {
        rmdirSync(dir);
      } catch {
        // Busy until its last task is reaped; the next attempt retries.
      }
    }
    await sleep(100);
  }
  return cgroupDirs(n);
}

const mntSetup = (n: NodeLayout, standIns: string) =>
  [
    'set -e',
    // Mounts made by the kubelet (volumes) must reach containerd's view and back: one shared tree.
    'mount --make-rshared /',
    `mount -t tmpfs -o mode=755 ${n.netns}-run /run`,
    'mkdir -p /run/lock',
    `mount -t tmpfs -o mode=755 ${n.netns}-varlib /var/lib`,
    `mount -t tmpfs -o mode=755 ${n.netns}-varlog /var/log`,
    ...SYSCTLS.map((s) => {
      const f = join(standIns, s.replaceAll('/', '_'));
      return `cat /proc/sys/${s} > ${f} && mount --bind ${f} /proc/sys/${s}`;
    }),
  ].join('\n');

/** A persistent mount namespace for the node, held by a bind mount on `nodePaths(n).mountNs`. */
export async function createMountNamespace(n: NodeLayout): Promise<void> {
  const p = nodePaths(n);
  mkdirSync(p.nsDir, { recursive: true });
  mkdirSync(p.sysctlStandIns, { recursive: true });
  // `unshare --mount=FILE` needs FILE on a private mount, or the namespace would hold itself.
  await sh('mount', ['--bind', p.nsDir, p.nsDir]);
  await sh('mount', ['--make-private', p.nsDir]);
  writeFileSync(p.mountNs, '');
  await sh('unshare', [`--mount=${p.mountNs}`, '--propagation', 'private', 'sh', '-c', mntSetup(n, p.sysctlStandIns)]);
}

/** Unmounts what holds the mount namespace; it dies with its last process. */
export async function deleteMountNamespace(n: NodeLayout): Promise<string[]> {
  const p = nodePaths(n);
  const problems: string[] = [];
  for (const target of [p.mountNs, p.nsDir]) {
    for (let i = 0; i < 5 && mounted(target); i++) {
      const r = await trySh('umount', [target]);
      if (!r.ok && i === 4) problems.push(r.out);
    }
  }
  return problems;
}

/** Mount points (host view) at or under a path. */
export function mountsUnder(path: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((m) => m === path || m.startsWith(`${path}/`));
}
const mounted = (path: string) => mountsUnder(path).includes(path);
