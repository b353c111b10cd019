// The whole local cluster where pods really run: the real control plane
// (etcd, kube-apiserver, kube-controller-manager, kube-scheduler) from the
// cluster harness, the CRDs of this repo, one node agent, the service proxy,
// the model store volume, and the operator as a local process. Used by
// `make dev` and the end-to-end tests; stop() tears all of it down.
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CoreV1Api } from '@kubernetes/client-node';
import { binaryPath } from '../cluster/binaries.ts';
import { startCluster, type Cluster, type StartOptions } from '../cluster/harness.ts';
import { freePorts } from '../cluster/ports.ts';
import { ManagedProcess } from '../cluster/processes.ts';
import { http } from './http.ts';
import { defaultImageTable } from './images.ts';
import { modelStoreVolume, populateModelStore } from './model-store.ts';
import { NodeAgent } from './node-agent.ts';
import type { BackoffConfig } from './pod-runner.ts';
import { ServiceProxy } from './service-proxy.ts';

export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const NODE_NAME = 'local-node-1';
const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface LocalClusterOptions {
  /** Start the operator (default true). */
  operator?: boolean;
  /** The operator's flags; a function runs once the cluster is up (e.g. to start Prometheus and pass its URL). */
  operatorArgs?: string[] | ((cluster: Cluster) => Promise<string[]>);
  backoff?: BackoffConfig;
  /** Passed to the harness (e.g. API server flags the monitoring stack needs). */
  harness?: Partial<StartOptions>;
  log?: (line: string) => void;
}

export interface LocalCluster {
  cluster: Cluster;
  agent: NodeAgent;
  proxy: ServiceProxy;
  operator: ManagedProcess | undefined;
  /** Runs kubectl against the cluster; resolves stdout, rejects with stderr. */
  kubectl(args: string[]): Promise<string>;
  /** Creates the model-store PV/PVC in a namespace (for pvc:// examples). */
  addModelStore(namespace: string): Promise<void>;
  stop(): Promise<void>;
}

/** The operator as a process on the host (no leader election), ready; startLocalCluster starts one unless told not to (e.g. to give it a Prometheus URL known only later). */
export async function startOperator(cluster: Cluster, args: string[], log: ((line: string) => void) | undefined): Promise<ManagedProcess> {
  const [port] = await freePorts(1);
  const operator = new ManagedProcess({
    name: 'operator',
    command: process.execPath,
    args: [join(REPO_ROOT, 'operator/src/main.ts'), '--kubeconfig', cluster.kubeconfigPath, '--leader-elect', 'false', '--host', '127.0.0.1', '--port', String(port), '--drift-check-seconds', '0', ...args],
    logFile: join(cluster.dataDir, 'operator.log'),
    ...(log ? { log } : {}),
  });
  for (let i = 0; i < 600; i++) {
    if (!operator.running) throw new Error(`the operator exited during start-up:\n${operator.tail()}`);
    if ((await http(`http://127.0.0.1:${port}/readyz`, undefined, 1000).catch(() => undefined))?.status === 200) return operator;
    await sleep(100);
  }
  throw new Error(`the operator did not become ready in 60 s:\n${operator.tail()}`);
}

export async function startLocalCluster(opts: LocalClusterOptions = {}): Promise<LocalCluster> {
  const log = opts.log;
  const cluster = await startCluster({
    controllerManager: true,
    scheduler: true,
    crdPaths: [join(REPO_ROOT, 'crds/serving.modelship.io_inferenceservices.yaml'), join(REPO_ROOT, 'crds/serving.modelship.io_batchinferences.yaml')],
    ...(log ? { log } : {}),
    ...opts.harness,
  });
  let agent: NodeAgent | undefined;
  let proxy: ServiceProxy | undefined;
  let operator: ManagedProcess | undefined;
  const stop = async () => {
    await operator?.kill();
    await proxy?.stop();
    await agent?.stop();
    await cluster.stop();
  };
  try {
    agent = await NodeAgent.start({
      kubeConfig: cluster.kubeConfig,
      // Room for many model servers: the scheduler should never be what limits a scale-out here.
      node: { name: NODE_NAME, capacity: { cpu: '64', memory: '256Gi', pods: '110' } },
      workDir: join(cluster.dataDir, 'node'),
      images: defaultImageTable(REPO_ROOT),
      ...(opts.backoff ? { backoff: opts.backoff } : {}),
      ...(log ? { log } : {}),
      // Pods reach Services by their DNS names through the proxy (started next; read at each pod start).
      serviceUrl: (namespace, name, port) => proxy?.urlByPort(namespace, name, port),
    });
    proxy = await ServiceProxy.start({ kubeConfig: cluster.kubeConfig, tableFile: join(cluster.dataDir, 'services.json'), ...(log ? { log } : {}) });
    const args = typeof opts.operatorArgs === 'function' ? await opts.operatorArgs(cluster) : opts.operatorArgs ?? [];
    if (opts.operator !== false) operator = await startOperator(cluster, args, log);
  } catch (err) {
    await stop();
    throw err;
  }
  const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
  return {
    cluster,
    agent,
    proxy,
    operator,
    kubectl: async (args) => (await run(binaryPath('kubectl'), ['--kubeconfig', cluster.kubeconfigPath, ...args], { maxBuffer: 16 << 20 })).stdout,
    addModelStore: async (namespace) => {
      const dir = join(cluster.dataDir, 'model-store', namespace);
      mkdirSync(dir, { recursive: true });
      populateModelStore(join(REPO_ROOT, 'examples/models'), dir);
      const { pv, pvc } = modelStoreVolume(dir, namespace);
      await core.createPersistentVolume({ body: pv });
      await core.createNamespacedPersistentVolumeClaim({ namespace, body: pvc });
    },
    stop,
  };
}
