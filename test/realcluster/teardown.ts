// Removes every trace of one cluster, in the order that leaves nothing: node agents first,
// then every container task (before containerd stops: shims outlive it), containerd and the
// control plane, leftover processes (shims) by their command line, cgroups, mount namespaces,
// the work dir, and last the network namespaces (their links and iptables rules go with them;
// node 1's is the slot's claim) and host guard routes. Works from the layout alone, so a
// crashed run's slot can be swept the same way.
import { existsSync, rmSync } from 'node:fs';
import type { ManagedProcess } from '../cluster/processes.ts';
import type { ClusterLayout } from './layout.ts';
import { nodePaths } from './configs.ts';
import { processesMentioning, removeAllContainers } from './containerd.ts';
import { sleep } from './host.ts';
import { deleteNetwork } from './network.ts';
import { deleteMountNamespace, mountsUnder, removeCgroupRoots } from './node-host.ts';

/** Resolves a list of what could not be removed (empty when everything went). */
export async function teardown(l: ClusterLayout, processes: ManagedProcess[] = []): Promise<string[]> {
  const problems: string[] = [];
  const kill = (match: (name: string) => boolean) => Promise.all(processes.filter((p) => match(p.name)).map((p) => p.kill()));
  await kill((n) => n.startsWith('kubelet') || n.startsWith('kube-proxy'));
  for (const n of l.nodes) {
    const socket = nodePaths(n).containerdSocket;
    if (existsSync(socket)) problems.push(...(await removeAllContainers(socket)).map((x) => `${n.name}: ${x}`));
  }
  await kill(() => true);
  // Shims and anything else started with our paths (also what a crashed run left).
  const marker = `${l.workDir}/`;
  for (let i = 0; i < 50; i++) {
    const pids = processesMentioning(marker);
    if (pids.length === 0) break;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
    await sleep(100);
  }
  const survivors = processesMentioning(marker);
  if (survivors.length) problems.push(`processes still running: ${survivors.join(', ')}`);
  for (const n of l.nodes) {
    problems.push(...(await removeCgroupRoots(n)).map((d) => `cgroup ${d}`));
    problems.push(...(await deleteMountNamespace(n)));
  }
  const mounts = mountsUnder(l.workDir);
  if (mounts.length) problems.push(`mounts left: ${mounts.join(', ')}`);
  // Never delete through a mount point: that would reach into whatever is mounted there.
  else rmSync(l.workDir, { recursive: true, force: true, maxRetries: 3 });
  // Last: node 1's namespace is the slot's claim (slots.ts), so a cluster starting meanwhile
  // must not get this slot while its work dir is still being deleted (an unpacked runtime image
  // takes a while).
  problems.push(...(await deleteNetwork(l)));
  return problems;
}
