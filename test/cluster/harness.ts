// A real Kubernetes control plane for tests: etcd and kube-apiserver (and, on request,
// kube-controller-manager and kube-scheduler) built from upstream sources, on 127.0.0.1
// with free ports, certificates made for it and a temporary data dir. Each call starts an
// independent cluster; stop() (or the process ending, however it ends) removes everything.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { binaryPath } from './binaries.ts';
import { apiServerArgs, controllerManagerArgs, etcdArgs, schedulerArgs, type Layout } from './components.ts';
import { applyCrds } from './crds.ts';
import { kubeconfigFromFiles } from './kubeconfig.ts';
import { NodeKeeper, type NodeSpec } from './nodes.ts';
import { generatePki, type Pki } from './pki.ts';
import { freePorts } from './ports.ts';
import { killAllSync, ManagedProcess } from './processes.ts';

export type { NodeSpec } from './nodes.ts';

export interface Cluster {
  /** Admin kubeconfig file (usable with kubectl --kubeconfig). */
  kubeconfigPath: string;
  /** @kubernetes/client-node config loaded from it. */
  kubeConfig: KubeConfig;
  /** https://127.0.0.1:<port> */
  apiServerUrl: string;
  /** Temporary dir, removed on stop(). */
  dataDir: string;
  /** Registers a Node and keeps it Ready (status + Lease heartbeat) until stop(). */
  addNode(spec: NodeSpec): Promise<void>;
  /** Kills every process and removes the temporary dirs; idempotent. */
  stop(): Promise<void>;
}

export interface StartOptions {
  controllerManager?: boolean;
  scheduler?: boolean;
  /** CRD YAML files to install; startCluster returns once all are Established. */
  crdPaths?: string[];
  /** Receives every output line of every component, prefixed with its name. */
  log?: (line: string) => void;
  /** Bound on waiting for /readyz. */
  readyTimeoutMs?: number;
  /** Appended to the API server's flags; a repeated flag overrides the default (e.g. --enable-aggregator-routing=false). */
  apiServerArgs?: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Data dirs of live clusters, removed even when the process exits without stop().
const liveDirs = new Set<string>();
process.on('exit', () => {
  killAllSync();
  for (const dir of liveDirs) {
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    } catch {
      // A process still dying may hold it; nothing more can be done while exiting.
    }
  }
});

/** One GET with the admin client certificate; resolves the status code, or 0 on a network error. */
function get(url: string, pem: { ca: string; cert: string; key: string }): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = request(url, { ...pem, timeout: 2000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', () => resolve({ status: 0, body: '' }));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

async function waitReady(url: string, pki: Pki, watched: ManagedProcess[], timeoutMs: number): Promise<void> {
  const [ca, cert, key] = await Promise.all([pki.caCert, pki.adminCert, pki.adminKey].map((f) => readFile(f, 'utf8')));
  const pem = { ca: ca!, cert: cert!, key: key! };
  const deadline = Date.now() + timeoutMs;
  let last = { status: 0, body: '' };
  for (;;) {
    const dead = watched.find((p) => !p.running);
    if (dead) throw new Error(`${dead.name} exited during start-up:\n${dead.tail()}`);
    last = await get(`${url}/readyz`, pem);
    if (last.status === 200) return;
    if (Date.now() > deadline) {
      throw new Error(`kube-apiserver not ready after ${timeoutMs} ms (last /readyz: ${last.status} ${last.body.slice(-500)})`);
    }
    await sleep(100);
  }
}

export async function startCluster(opts: StartOptions = {}): Promise<Cluster> {
  const log = opts.log;
  const dataDir = await mkdtemp(join(tmpdir(), 'modelship-cluster-'));
  liveDirs.add(dataDir);
  const processes: ManagedProcess[] = [];
  let nodes: NodeKeeper | undefined;
  let stopping: Promise<void> | undefined;

  const stop = () => {
    stopping ??= (async () => {
      nodes?.stop();
      // Dependents first, so they do not log a storm of errors about a vanished API server.
      await Promise.all([...processes].reverse().map((p) => p.kill()));
      await rm(dataDir, { recursive: true, force: true });
      liveDirs.delete(dataDir);
    })();
    return stopping;
  };

  try {
    // Fail on a missing binary before spending time on certificates.
    const bins = {
      etcd: binaryPath('etcd'),
      apiserver: binaryPath('kube-apiserver'),
      kcm: opts.controllerManager ? binaryPath('kube-controller-manager') : '',
      scheduler: opts.scheduler ? binaryPath('kube-scheduler') : '',
    };
    const [pki, [etcdClientPort, etcdPeerPort, apiServerPort]] = await Promise.all([
      generatePki(dataDir),
      freePorts(3),
    ]);
    const apiServerUrl = `https://127.0.0.1:${apiServerPort}`;
    const kubeconfigPath = join(dataDir, 'kubeconfig');
    const name = `modelship-${apiServerPort}`;
    await writeFile(
      kubeconfigPath,
      await kubeconfigFromFiles(apiServerUrl, { caCert: pki.caCert, clientCert: pki.adminCert, clientKey: pki.adminKey }, name),
      { mode: 0o600 },
    );
    const layout: Layout = {
      dataDir,
      pki,
      etcdClientPort: etcdClientPort!,
      etcdPeerPort: etcdPeerPort!,
      apiServerPort: apiServerPort!,
      kubeconfigPath,
      controllerManager: opts.controllerManager ?? false,
    };
    const start = (procName: string, command: string, args: string[]) => {
      const p = new ManagedProcess({ name: procName, command, args, logFile: join(dataDir, `${procName}.log`), log });
      processes.push(p);
      return p;
    };

    // The API server retries etcd until it answers, so both start at once.
    const etcd = start('etcd', bins.etcd, etcdArgs(layout));
    const apiserver = start('kube-apiserver', bins.apiserver, [...apiServerArgs(layout), ...(opts.apiServerArgs ?? [])]);
    await waitReady(apiServerUrl, pki, [etcd, apiserver], opts.readyTimeoutMs ?? 60_000);
    if (opts.controllerManager) start('kube-controller-manager', bins.kcm, controllerManagerArgs(layout));
    if (opts.scheduler) start('kube-scheduler', bins.scheduler, schedulerArgs(layout));

    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(kubeconfigPath);
    if (opts.crdPaths?.length) await applyCrds(kubeConfig, opts.crdPaths);
    // A component that dies right away (bad flag) should fail start-up, not a later test.
    const early = processes.find((p) => !p.running);
    if (early) throw new Error(`${early.name} exited during start-up:\n${early.tail()}`);

    const keeper = new NodeKeeper(kubeConfig, log ?? (() => {}));
    nodes = keeper;
    return {
      kubeconfigPath,
      kubeConfig,
      apiServerUrl,
      dataDir,
      addNode: (spec) => keeper.add(spec),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
