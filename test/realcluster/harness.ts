// A Kubernetes cluster where pods are real containers: the control plane from test/cluster
// (same binaries, PKI and flags, plus what real nodes need), two nodes each with containerd,
// runc, the CNI bridge, a kubelet and kube-proxy, in two network namespaces joined by a veth
// (node 2 labelled and tainted as the GPU node). Every process runs inside the namespaces;
// clients that dial cluster addresses do too (`exec`). CoreDNS serves cluster.local behind the
// kube-dns Service (dns.ts). stop() leaves nothing behind.
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { binaryPath } from '../cluster/binaries.ts';
import { apiServerArgs, controllerManagerArgs, etcdArgs, schedulerArgs, type Layout } from '../cluster/components.ts';
import { kubeconfigFromFiles } from '../cluster/kubeconfig.ts';
import { generatePki } from '../cluster/pki.ts';
import { ManagedProcess } from '../cluster/processes.ts';
import { API_PORT, type ClusterLayout, type NodeLayout } from './layout.ts';
import { cniConflist, containerdToml, kubeletConfig, kubeProxyConfig, nodePaths } from './configs.ts';
import { generateNodePki } from './node-pki.ts';
import { createNetwork } from './network.ts';
import { claimSlot, releaseSlot } from './slots.ts';
import { createCgroupRoots, createMountNamespace } from './node-host.ts';
import { imageTarball, importImage, waitForSocket } from './containerd.ts';
import { inNetns, nsenterArgs, sleep } from './host.ts';
import { teardown } from './teardown.ts';
import { DNS_READY_URL, dnsManifests, writeDnsFiles } from './dns.ts';

export const GPU_LABEL = 'nvidia.com/gpu.present';
export const GPU_TAINT = { key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' };
export const TEST_IMAGE = 'localhost/modelship/busybox:test';

export interface RealCluster {
  layout: ClusterLayout;
  /** kubectl as the cluster admin, run inside node 1's namespace; resolves stdout. */
  kubectl(args: string[], input?: string): Promise<string>;
  /** Runs a command inside a node's network namespace (for clients that dial pod or Service addresses). */
  exec(node: 1 | 2, command: string, args: string[]): Promise<string>;
  /**
   * GET from inside a node's network namespace (Node's own fetch, started under nsenter);
   * resolves the body, rejects on an error or a non-2xx status. Bounded by `timeoutMs`.
   */
  httpGet(node: 1 | 2, url: string, timeoutMs?: number): Promise<string>;
  /** Like httpGet, but POSTs `body` as JSON. */
  httpPost(node: 1 | 2, url: string, body: string, timeoutMs?: number): Promise<string>;
  /**
   * Starts a long-running process inside node 1's network namespace (the host's mount
   * namespace, as the control plane runs), logged to `<workDir>/<name>.log`; stop() ends it.
   */
  spawn(name: string, command: string, args: string[]): ManagedProcess;
  /** Stops everything and removes every trace (idempotent); resolves what could not be removed. */
  stop(): Promise<string[]>;
}

export interface RealClusterOptions {
  /** Root of the per-cluster work dirs (default: the OS temp dir). Must not be under /run, /var/lib or /var/log. */
  workRoot?: string;
  log?: (line: string) => void;
  /** Image tarballs imported into both nodes' containerd beside the pause and busybox images. */
  images?: string[];
}

/**
 * The client program behind httpGet/httpPost (`node -e HTTP_CLIENT <url> <timeoutMs> [jsonBody]`):
 * a fresh Node process, so it runs in the namespace nsenter put it in (or in a pod whose image
 * has Node). Prints the body; on an error or a non-2xx status prints why to stderr and exits 1.
 */
export const HTTP_CLIENT = `const [url, ms, body] = process.argv.slice(1);
const post = body === undefined ? {} : { method: 'POST', body, headers: { 'content-type': 'application/json' } };
fetch(url, { signal: AbortSignal.timeout(Number(ms)), ...post }).then(async (r) => {
  const body = await r.text();
  if (!r.ok) { console.error(r.status + ' ' + body); process.exit(1); }
  process.stdout.write(body);
}, (e) => { console.error(String(e.cause ?? e)); process.exit(1); });`;

export async function startRealCluster(opts: RealClusterOptions = {}): Promise<RealCluster> {
  if (process.getuid?.() !== 0) {
    throw new Error('the real-pods cluster needs root (network and mount namespaces, cgroups, mounts); run it as root');
  }
  const bins = {
    etcd: binaryPath('etcd'),
    apiserver: binaryPath('kube-apiserver'),
    kcm: binaryPath('kube-controller-manager'),
    scheduler: binaryPath('kube-scheduler'),
    kubectl: binaryPath('kubectl'),
    kubelet: binaryPath('kubelet'),
    kubeProxy: binaryPath('kube-proxy'),
    coredns: binaryPath('coredns'),
  };
  const images = [imageTarball('pause'), imageTarball('busybox'), ...(opts.images ?? [])];
  const l = await claimSlot(opts.workRoot ?? tmpdir());
  const processes: ManagedProcess[] = [];
  let stopping: Promise<string[]> | undefined;
  const stop = () =>
    (stopping ??= teardown(l, processes).then((left) => {
      if (left.length === 0) releaseSlot(l);
      return left;
    }));
  const [n1] = l.nodes;
  const httpRequest = (node: 1 | 2, url: string, timeoutMs: number, body?: string) =>
    inNetns(l.nodes[node - 1]!.netns, process.execPath, ['-e', HTTP_CLIENT, url, String(timeoutMs), ...(body !== undefined ? [body] : [])], { timeoutMs: timeoutMs + 10_000 });
  const httpGet = (node: 1 | 2, url: string, timeoutMs = 3000) => httpRequest(node, url, timeoutMs);
  const adminKubeconfig = join(l.workDir, 'admin.kubeconfig');
  const kubectl = (args: string[], input?: string) =>
    inNetns(n1.netns, bins.kubectl, ['--kubeconfig', adminKubeconfig, ...args], { timeoutMs: 60_000, ...(input !== undefined ? { input } : {}) });

  const start = (name: string, n: NodeLayout, command: string, args: string[], mountNs = true) => {
    const p = new ManagedProcess({
      name,
      command: 'nsenter',
      args: [...nsenterArgs(n.netns, mountNs ? nodePaths(n).mountNs : undefined), command, ...args],
      logFile: join(l.workDir, `${name}.log`),
      ...(opts.log ? { log: opts.log } : {}),
    });
    processes.push(p);
    return p;
  };
  const t0 = Date.now();
  const step = (what: string) => opts.log?.(`[realcluster ${l.name}] ${what} after ${Date.now() - t0} ms`);

  try {
    await createNetwork(l);
    const pkiDir = join(l.workDir, 'pki');
    mkdirSync(pkiDir, { recursive: true });
    const pki = await generatePki(pkiDir, [`IP:${n1.ip}`, `IP:${l.apiServiceIp}`]);
    for (const n of l.nodes) {
      const p = nodePaths(n);
      for (const d of [p.cniConfDir, p.cniIpamDir, p.kubeletRoot, p.podLogs]) mkdirSync(d, { recursive: true });
      writeFileSync(p.containerdConfig, containerdToml(n));
      writeFileSync(join(p.cniConfDir, '10-modelship.conflist'), cniConflist(l, n));
      writeFileSync(p.kubeletConfig, kubeletConfig(l, n, pki.caCert));
      writeFileSync(p.kubeProxyConfig, kubeProxyConfig(l, n));
      createCgroupRoots(n);
      await createMountNamespace(n);
    }
    const nodePki = await generateNodePki(l, pkiDir, pki);
    const corednsArgs = await writeDnsFiles(l, pkiDir, pki);
    writeFileSync(
      adminKubeconfig,
      await kubeconfigFromFiles(`https://127.0.0.1:${API_PORT}`, { caCert: pki.caCert, clientCert: pki.adminCert, clientKey: pki.adminKey }, l.name),
      { mode: 0o600 },
    );
    step('network, cgroups, mount namespaces, certificates');

    // Control plane in node 1's network namespace (the host's mount namespace: it needs no node paths).
    const cp: Layout = {
      dataDir: l.workDir,
      pki,
      etcdClientPort: 2379,
      etcdPeerPort: 2380,
      apiServerPort: API_PORT,
      kubeconfigPath: adminKubeconfig,
      controllerManager: true,
    };
    start('etcd', n1, bins.etcd, etcdArgs(cp), false);
    start('kube-apiserver', n1, bins.apiserver, withFlags(apiServerArgs(cp), [
      // What real nodes need on top of the shared defaults.
      '--bind-address=0.0.0.0',
      `--advertise-address=${n1.ip}`,
      '--endpoint-reconciler-type=lease',
      `--service-cluster-ip-range=${l.serviceRange}`,
      '--authorization-mode=Node,RBAC',
      '--enable-admission-plugins=NodeRestriction',
      `--kubelet-client-certificate=${nodePki.apiServerKubeletClientCert}`,
      `--kubelet-client-key=${nodePki.apiServerKubeletClientKey}`,
      '--kubelet-preferred-address-types=InternalIP',
    ]), false);
    const containerds = l.nodes.map((n, i) => start(`containerd-${i + 1}`, n, 'containerd', ['--config', nodePaths(n).containerdConfig]));
    await Promise.all(
      l.nodes.map(async (n, i) => {
        const c = containerds[i]!;
        await waitForSocket(nodePaths(n).containerdSocket, () => c.running, () => c.tail());
        for (const tar of images) await importImage(nodePaths(n).containerdSocket, tar);
      }),
    );
    step('containerd up, images imported');
    await waitFor('kube-apiserver /readyz', processes, async () => (await kubectl(['get', '--raw', '/readyz'])).trim() === 'ok');
    step('API server ready');
    start('kube-controller-manager', n1, bins.kcm, controllerManagerArgs(cp), false);
    start('kube-scheduler', n1, bins.scheduler, schedulerArgs(cp), false);
    // kube-system appears a moment after /readyz: retried until it takes.
    await waitFor('the cluster DNS Service applied', processes, async () => (await kubectl(['apply', '-f', '-'], JSON.stringify(dnsManifests(l))), true));
    start('coredns', n1, bins.coredns, corednsArgs, false);
    for (const [i, n] of l.nodes.entries()) {
      const p = nodePaths(n);
      start(`kubelet-${i + 1}`, n, bins.kubelet, [
        `--config=${p.kubeletConfig}`,
        `--kubeconfig=${p.kubeletKubeconfig}`,
        `--root-dir=${p.kubeletRoot}`,
        `--hostname-override=${n.name}`,
        `--node-ip=${n.ip}`,
        ...(n.gpu ? [`--node-labels=${GPU_LABEL}=true`, `--register-with-taints=${GPU_TAINT.key}=${GPU_TAINT.value}:${GPU_TAINT.effect}`] : []),
        '--v=1',
      ]);
      start(`kube-proxy-${i + 1}`, n, bins.kubeProxy, [`--config=${p.kubeProxyConfig}`, '--v=1']);
    }
    // Ready, and the node lifecycle controller has lifted its not-ready taints (until then the
    // scheduler keeps pods off the node).
    await waitFor('both nodes Ready and untainted by the node controller', processes, async () => {
      const nodes = JSON.parse(await kubectl(['get', 'nodes', '-o', 'json'])).items as NodeObject[];
      return nodes.length === 2 && nodes.every(usable);
    });
    await waitFor('the default ServiceAccount', processes, async () => (await kubectl(['get', 'serviceaccount', 'default', '-o', 'name'])).trim() !== '');
    step('two nodes Ready');
    await waitFor('CoreDNS ready (its kubernetes plugin synced)', processes, async () => (await httpGet(1, DNS_READY_URL, 2000)).trim() === 'OK');
    step('cluster DNS ready');
  } catch (err) {
    const left = await stop();
    if (left.length) (err as Error).message += `\n(teardown left: ${left.join('; ')})`;
    throw err;
  }
  return {
    layout: l,
    kubectl,
    exec: (node, command, args) => inNetns(l.nodes[node - 1]!.netns, command, args),
    httpGet,
    httpPost: (node, url, body, timeoutMs = 10_000) => httpRequest(node, url, timeoutMs, body),
    spawn: (name, command, args) => start(name, n1, command, args, false),
    stop,
  };
}

interface NodeObject {
  spec: { taints?: { key: string }[] };
  status: { conditions?: { type: string; status: string }[] };
}
const usable = (n: NodeObject) =>
  n.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true &&
  !(n.spec.taints ?? []).some((t) => t.key.startsWith('node.kubernetes.io/'));

/**
 * `base` with every flag named in `overrides` replaced by the override: list-valued flags
 * (`--authorization-mode`) accumulate when repeated, so "last one wins" is not enough.
 */
export function withFlags(base: string[], overrides: string[]): string[] {
  const name = (flag: string) => flag.split('=')[0];
  const replaced = new Set(overrides.map(name));
  return [...base.filter((f) => !replaced.has(name(f))), ...overrides];
}

/** Polls until `probe` is true, at most 90 s; fails at once when a process died. */
async function waitFor(what: string, processes: ManagedProcess[], probe: () => Promise<boolean>): Promise<void> {
  let last = '';
  for (let i = 0; i < 450; i++) {
    const dead = processes.find((p) => !p.running);
    if (dead) throw new Error(`${dead.name} exited while waiting for ${what}:\n${dead.tail()}`);
    try {
      if (await probe()) return;
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${what} (last: ${last})`);
}

