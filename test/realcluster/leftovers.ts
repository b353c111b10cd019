// What of a cluster is still on the machine: the check behind "teardown leaves nothing".
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { guardedRanges, type ClusterLayout } from './layout.ts';
import { HIERARCHIES, mountsUnder } from './node-host.ts';
import { processesMentioning } from './containerd.ts';
import { sh } from './host.ts';

/** Everything of the cluster still present (namespaces, cgroups, processes, mounts, routes, files); empty when gone. */
export async function leftovers(l: ClusterLayout): Promise<string[]> {
  const found: string[] = [];
  const netns = (await sh('ip', ['netns', 'list'])).split('\n').map((s) => s.split(' ')[0]);
  for (const n of l.nodes) {
    if (netns.includes(n.netns)) found.push(`netns ${n.netns}`);
    for (const h of [...HIERARCHIES, 'unified']) if (existsSync(join('/sys/fs/cgroup', h, n.cgroupRoot))) found.push(`cgroup ${h}/${n.cgroupRoot}`);
  }
  for (const pid of processesMentioning(`${l.workDir}/`)) found.push(`process ${pid}`);
  for (const m of mountsUnder(l.workDir)) found.push(`mount ${m}`);
  if (existsSync(l.workDir)) found.push(`dir ${l.workDir}`);
  const hostRoutes = await sh('ip', ['route', 'show']);
  for (const r of guardedRanges(l)) if (hostRoutes.includes(r)) found.push(`host route ${r}`);
  return found;
}
