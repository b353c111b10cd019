// The cluster's network: two namespaces joined by a veth pair, routes between the nodes' pod
// subnets and to the Service range, and nothing else: no link to the host, no default route.
// The host namespace gets `unreachable` routes for every cluster range while it runs, so a
// stray dial from the host fails at once instead of following the host's default route out.
import { guardedRanges, type ClusterLayout } from './layout.ts';
import { sh, trySh } from './host.ts';

const ip = (args: string[]) => sh('ip', args);

/** Claims the cluster's slot atomically: `ip netns add` fails when the name exists. */
export async function claimNetns(l: ClusterLayout): Promise<boolean> {
  return (await trySh('ip', ['netns', 'add', l.nodes[0].netns])).ok;
}

export async function createNetwork(l: ClusterLayout): Promise<void> {
  // Guard routes first: from here on the host cannot reach the ranges even by mistake.
  for (const r of guardedRanges(l)) await ip(['route', 'add', 'unreachable', r]);
  const [n1, n2] = l.nodes;
  await ip(['netns', 'add', n2.netns]);
  for (const n of l.nodes) {
    await ip(['-n', n.netns, 'link', 'set', 'lo', 'up']);
    await sh('nsenter', [`--net=/run/netns/${n.netns}`, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
  }
  await ip(['-n', n1.netns, 'link', 'add', n1.veth, 'type', 'veth', 'peer', 'name', n2.veth, 'netns', n2.netns]);
  const prefix = l.nodeRange.split('/')[1];
  for (const [self, peer] of [[n1, n2], [n2, n1]] as const) {
    await ip(['-n', self.netns, 'addr', 'add', `${self.ip}/${prefix}`, 'dev', self.veth]);
    await ip(['-n', self.netns, 'link', 'set', self.veth, 'up']);
    await ip(['-n', self.netns, 'route', 'add', peer.podSubnet, 'via', peer.ip]);
    // Locally sent packets to a ClusterIP need a route before kube-proxy's DNAT rewrites them.
    // The node's own address as source, so replies find their way back across the link.
    await ip(['-n', self.netns, 'route', 'add', l.serviceRange, 'dev', 'lo', 'src', self.ip]);
  }
}

/** Deletes the namespaces (their links, routes and iptables rules go with them) and the guard routes. */
export async function deleteNetwork(l: ClusterLayout): Promise<string[]> {
  const problems: string[] = [];
  for (const n of [...l.nodes].reverse()) {
    const r = await trySh('ip', ['netns', 'del', n.netns]);
    if (!r.ok && !/No such file/.test(r.out)) problems.push(r.out);
  }
  for (const r of guardedRanges(l)) {
    const res = await trySh('ip', ['route', 'del', 'unreachable', r]);
    if (!res.ok && !/No such process|not found/i.test(res.out)) problems.push(res.out);
  }
  return problems;
}
