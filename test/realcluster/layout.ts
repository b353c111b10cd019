// Names, address ranges and paths of one real-pods cluster, as a pure function of its slot, so
// clusters running at once (several test files, several clones) never share a namespace,
// cgroup root or address, and teardown can recompute everything from the slot alone.
import { join } from 'node:path';

/** How many clusters may run at once on one machine. */
export const SLOTS = 16;
/** Every cluster's ranges lie inside this block; the machine's DNS resolver (10.255.255.53 here) must not. */
export const BLOCK = '10.128.0.0/10';
/** Prefix of every network namespace and cgroup root the harness creates (a sweep finds them by it). */
export const PREFIX = 'msrc';

export interface NodeLayout {
  /** Kubernetes node name. */
  name: string;
  /** Network namespace name (under /run/netns) and cgroup root (one per v1 hierarchy). */
  netns: string;
  cgroupRoot: string;
  /** The node's address on the link between the nodes. */
  ip: string;
  /** This node's pod subnet (CNI host-local) and its bridge gateway. */
  podSubnet: string;
  podGateway: string;
  /** Interface names: the veth end in this namespace and the CNI bridge. */
  veth: string;
  bridge: string;
  gpu: boolean;
  /** Node-private folder: containerd root/state/socket, kubelet root, CNI config, mount namespace file. */
  dir: string;
}

export interface ClusterLayout {
  slot: number;
  name: string;
  /** Node link range, pod range (one /24 per node) and Service range. */
  nodeRange: string;
  podRange: string;
  serviceRange: string;
  /** First address of the Service range: the `kubernetes` Service. */
  apiServiceIp: string;
  /** The `kube-system/kube-dns` Service's fixed ClusterIP, handed to pods by every kubelet (clusterDNS). */
  dnsServiceIp: string;
  /** API server URL as nodes dial it (node 1's link address). */
  apiServerUrl: string;
  workDir: string;
  nodes: [NodeLayout, NodeLayout];
}

/** API server port inside node 1's namespace; fixed, since the namespace is the cluster's own. */
export const API_PORT = 6443;

/**
 * Slot `s` owns 10.(128+4s).0.0/14: nodes in the first /24, pods in the next /16 (a /24 per
 * node), Services in the one after. Sixteen slots fill 10.128.0.0/10 and never touch 10.255/16.
 */
export function clusterLayout(slot: number, workRoot: string): ClusterLayout {
  if (!Number.isInteger(slot) || slot < 0 || slot >= SLOTS) throw new Error(`slot ${slot} outside 0..${SLOTS - 1}`);
  const a = 128 + 4 * slot;
  const name = `${PREFIX}${slot}`;
  const workDir = join(workRoot, name);
  const node = (i: 1 | 2): NodeLayout => ({
    name: i === 1 ? 'cpu-node' : 'gpu-node',
    netns: `${name}-${i}`,
    cgroupRoot: `${name}-${i}`,
    ip: `10.${a}.0.${i}`,
    podSubnet: `10.${a + 1}.${i}.0/24`,
    podGateway: `10.${a + 1}.${i}.1`,
    veth: `${name}v${i}`,
    bridge: 'cni0',
    gpu: i === 2,
    dir: join(workDir, `node${i}`),
  });
  return {
    slot,
    name,
    nodeRange: `10.${a}.0.0/24`,
    podRange: `10.${a + 1}.0.0/16`,
    serviceRange: `10.${a + 2}.0.0/16`,
    apiServiceIp: `10.${a + 2}.0.1`,
    dnsServiceIp: `10.${a + 2}.0.10`,
    apiServerUrl: `https://10.${a}.0.1:${API_PORT}`,
    workDir,
    nodes: [node(1), node(2)],
  };
}

/** The ranges the host namespace gets `unreachable` routes for while the cluster runs. */
export const guardedRanges = (l: ClusterLayout) => [l.nodeRange, l.podRange, l.serviceRange];

/** Whether an IPv4 address lies in a CIDR range. */
export function inRange(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/');
  const n = (s: string) => s.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  const size = 2 ** (32 - Number(bits));
  return Math.floor(n(ip) / size) === Math.floor(n(base!) / size);
}
