// Shared pieces of the operator integration tests: a cluster with the CRD, the
// operator's RBAC and a ServiceAccount token (so every test runs the operator
// with exactly the ClusterRole it ships), operator processes, and API helpers.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { dump, load, loadAll } from 'js-yaml';
import { startCluster, type Cluster, type NodeSpec } from '../cluster/harness.ts';
import { eventually } from '../cluster/eventually.ts';
import { freePorts } from '../cluster/ports.ts';
import { loadConnection } from '../../operator/src/kube/kubeconfig.ts';
import { HttpKubeClient, type KubeObject, type ResourceType } from '../../operator/src/kube/client.ts';
import { INFERENCE_SERVICES } from '../../operator/src/kube/resources.ts';
import type { InferenceService } from '../../operator/src/api/types.ts';

export { eventually };
export const ROOT = resolve(import.meta.dirname, '..', '..');
export const CRD = join(ROOT, 'crds/serving.modelship.io_inferenceservices.yaml');
export const OPERATOR_NAMESPACE = 'modelship-system';

export const NAMESPACES: ResourceType = { group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace', namespaced: false };
const SERVICE_ACCOUNTS: ResourceType = { group: '', version: 'v1', plural: 'serviceaccounts', kind: 'ServiceAccount', namespaced: true };
const CLUSTER_ROLES: ResourceType = { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'clusterroles', kind: 'ClusterRole', namespaced: false };
const CLUSTER_ROLE_BINDINGS: ResourceType = { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'clusterrolebindings', kind: 'ClusterRoleBinding', namespaced: false };
const ROLES: ResourceType = { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'roles', kind: 'Role', namespaced: true };
const ROLE_BINDINGS: ResourceType = { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'rolebindings', kind: 'RoleBinding', namespaced: true };

export const CPU_NODE: NodeSpec = { name: 'cpu-node', labels: { 'node.kubernetes.io/instance-type': 'cpu' }, capacity: { cpu: '16', memory: '64Gi' } };
export const GPU_NODE: NodeSpec = {
  name: 'gpu-node',
  labels: { 'nvidia.com/gpu.present': 'true', 'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3' },
  capacity: { cpu: '16', memory: '64Gi', 'nvidia.com/gpu': '2' },
  taints: [{ key: 'nvidia.com/gpu', effect: 'NoSchedule' }],
};

export interface TestCluster {
  cluster: Cluster;
  /** Admin client for the test's own reads and writes. */
  admin: HttpKubeClient;
  /** Kubeconfig of the operator's ServiceAccount (RBAC from config/rbac/). */
  operatorKubeconfig: string;
  stop(): Promise<void>;
}

export async function startTestCluster(opts: { controllerManager?: boolean; scheduler?: boolean; nodes?: NodeSpec[] } = {}): Promise<TestCluster> {
  const cluster = await startCluster({ controllerManager: opts.controllerManager ?? false, scheduler: opts.scheduler ?? false });
  const admin = new HttpKubeClient(loadConnection(cluster.kubeconfigPath));
  try {
    await installCrd(admin);
    for (const node of opts.nodes ?? []) await cluster.addNode(node);
    const operatorKubeconfig = await operatorCredentials(cluster, admin);
    return {
      cluster,
      admin,
      operatorKubeconfig,
      stop: async () => {
        admin.close();
        await cluster.stop();
      },
    };
  } catch (err) {
    admin.close();
    await cluster.stop();
    throw err;
  }
}

const CRDS: ResourceType = { group: 'apiextensions.k8s.io', version: 'v1', plural: 'customresourcedefinitions', kind: 'CustomResourceDefinition', namespaced: false };

/** Installs every CRD in crds/ byte for byte as the operator's users would (raw JSON, no client models in between). */
async function installCrd(admin: HttpKubeClient): Promise<void> {
  const dir = join(ROOT, 'crds');
  const crds = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort().map((f) => load(readFileSync(join(dir, f), 'utf8')) as KubeObject);
  for (const crd of crds) await admin.create(CRDS, crd);
  for (const crd of crds) {
    await eventually(`the CRD ${crd.metadata!.name!} to be Established`, async () => {
      const current = await admin.get<KubeObject & { status?: { conditions?: Array<{ type: string; status: string }> } }>(CRDS, undefined, crd.metadata!.name!);
      return current?.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ? true : undefined;
    }, { timeoutMs: 30_000, intervalMs: 100 });
  }
}

/** Installs config/rbac/ bound to a ServiceAccount and writes a kubeconfig with its token. */
async function operatorCredentials(cluster: Cluster, admin: HttpKubeClient): Promise<string> {
  await admin.create(NAMESPACES, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: OPERATOR_NAMESPACE } });
  const sa = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'modelship-operator', namespace: OPERATOR_NAMESPACE } };
  await admin.apply(SERVICE_ACCOUNTS, sa, 'test');
  const role = load(readFileSync(join(ROOT, 'config/rbac/role.yaml'), 'utf8')) as KubeObject;
  const leaderRole = load(readFileSync(join(ROOT, 'config/rbac/leader_election_role.yaml'), 'utf8')) as KubeObject;
  await admin.create(CLUSTER_ROLES, role);
  await admin.create(ROLES, { ...leaderRole, metadata: { ...leaderRole.metadata, namespace: OPERATOR_NAMESPACE } });
  const subjects = [{ kind: 'ServiceAccount', name: 'modelship-operator', namespace: OPERATOR_NAMESPACE }];
  await admin.create(CLUSTER_ROLE_BINDINGS, {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'modelship-operator' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role.metadata!.name }, subjects,
  } as KubeObject);
  await admin.create(ROLE_BINDINGS, {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'modelship-operator-leader-election', namespace: OPERATOR_NAMESPACE },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: leaderRole.metadata!.name }, subjects,
  } as KubeObject);
  const tokenRequest = await admin.create<KubeObject & { status?: { token: string } }>(
    { group: '', version: 'v1', plural: 'serviceaccounts/modelship-operator/token', kind: 'TokenRequest', namespaced: true },
    { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', metadata: { namespace: OPERATOR_NAMESPACE }, spec: { expirationSeconds: 86400 } } as KubeObject,
  );
  const ca = loadConnection(cluster.kubeconfigPath).ca!.toString('base64');
  const path = join(cluster.dataDir, 'operator-kubeconfig');
  writeFileSync(path, dump({
    apiVersion: 'v1', kind: 'Config', 'current-context': 'operator',
    clusters: [{ name: 'c', cluster: { server: cluster.apiServerUrl, 'certificate-authority-data': ca } }],
    users: [{ name: 'operator', user: { token: tokenRequest.status!.token } }],
    contexts: [{ name: 'operator', context: { cluster: 'c', user: 'operator' } }],
  }), { mode: 0o600 });
  return path;
}

/** The leader-election periods every test operator runs with (short, so failover tests are quick). */
// Renew deadline 6 s: on this shared 2-core machine (load average ~25) a lease GET or PUT took over 2 s
// during a 50-InferenceService burst, and renewals are cut at the deadline (operator/src/kube/leader.ts).
export const LEASE_TIMING = { leaseDurationS: 8, renewDeadlineS: 6, retryPeriodS: 1 } as const;
/** Acquire retries wait up to retryPeriod * (1 + 0.2) (operator/src/kube/leader.ts, as client-go's JitterFactor). */
export const RETRY_JITTER = 1.2;

export interface OperatorProcess {
  identity: string;
  process: ChildProcess;
  logs: string[];
  baseUrl(): Promise<string>;
  metrics(): Promise<Map<string, number>>;
  /** Sum of modelship_operator_api_requests_total over the given verbs, leader-election Lease renewals excluded. */
  requests(verbs: readonly string[]): Promise<number>;
  isLeader(): Promise<boolean>;
  /** Resolves with the exit code when the process ends on its own or is killed. */
  exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): Promise<number | null>;
}

export async function startOperator(kubeconfig: string, identity: string, extraArgs: string[] = []): Promise<OperatorProcess> {
  const [port] = await freePorts(1);
  // Node flags for the operator process (e.g. heap sizing in the benchmark).
  const nodeArgs = (process.env['MODELSHIP_TEST_OPERATOR_NODE_ARGS'] ?? '').split(' ').filter((a) => a !== '');
  const child = spawn(process.execPath, [
    ...nodeArgs,
    join(ROOT, 'operator/src/main.ts'),
    '--kubeconfig', kubeconfig,
    '--host', '127.0.0.1', '--port', String(port),
    '--leader-election-namespace', OPERATOR_NAMESPACE,
    '--leader-election-identity', identity,
    '--lease-duration-seconds', String(LEASE_TIMING.leaseDurationS), '--renew-deadline-seconds', String(LEASE_TIMING.renewDeadlineS), '--retry-period-seconds', String(LEASE_TIMING.retryPeriodS),
    '--workers', '4',
    // No drift query unless a test gives a loopback Prometheus (the default URL is a cluster DNS name).
    '--drift-check-seconds', '0',
    ...extraArgs,
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: string[] = [];
  const onLine = (line: string): void => {
    logs.push(line);
    if (logs.length > 5000) logs.shift();
    if (process.env['MODELSHIP_TEST_VERBOSE'] === '1') process.stderr.write(`[${identity}] ${line}\n`);
  };
  for (const stream of [child.stdout, child.stderr]) {
    let buffered = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) onLine(line);
    });
  }
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  // Never leave an operator behind when a test fails.
  const killOnExit = (): void => { child.kill('SIGKILL'); };
  process.once('exit', killOnExit);

  const op: OperatorProcess = {
    identity,
    process: child,
    logs,
    baseUrl: async () => {
      const url = `http://127.0.0.1:${port}`;
      await eventually(`${identity} to listen on ${url}`, async () => ((await fetch(`${url}/healthz`)).ok ? true : undefined), { timeoutMs: 30_000, intervalMs: 100 });
      return url;
    },
    metrics: async () => parseMetrics(await (await fetch(`${await op.baseUrl()}/metrics`)).text()),
    requests: async (verbs) => {
      let sum = 0;
      for (const [key, value] of await op.metrics()) {
        const m = /^modelship_operator_api_requests_total\{verb="([a-z]+)",resource="([a-z/]+)"/.exec(key);
        if (m !== null && verbs.includes(m[1]!) && m[2] !== 'leases') sum += value;
      }
      return sum;
    },
    isLeader: async () => (await op.metrics()).get('modelship_operator_leader') === 1,
    exited,
    kill: async (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const code = await exited;
      process.removeListener('exit', killOnExit);
      return code;
    },
  };
  return op;
}

function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

export const WRITE_VERBS = ['create', 'update', 'patch', 'delete'] as const;

/**
 * Write requests per metric series between two scrapes, leader-election Lease
 * renewals excluded (the one periodic write a leader must make).
 */
export function writesBetween(before: Map<string, number>, after: Map<string, number>): Array<readonly [string, number]> {
  return [...after]
    .filter(([k]) => /api_requests_total\{verb="(create|update|patch|delete)"/.test(k) && !k.includes('resource="leases"'))
    .map(([k, v]) => [k, v - (before.get(k) ?? 0)] as const)
    .filter(([, d]) => d !== 0);
}

export function readExample(file: string): InferenceService {
  const docs = loadAll(readFileSync(join(ROOT, 'examples', file), 'utf8')) as InferenceService[];
  return docs[0]!;
}

export async function createNamespace(admin: HttpKubeClient, name: string): Promise<void> {
  await admin.create(NAMESPACES, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
}

export function isvc(namespace: string, name: string, predictor: Record<string, unknown> = {}): InferenceService {
  return {
    apiVersion: 'serving.modelship.io/v1alpha1',
    kind: 'InferenceService',
    metadata: { name, namespace },
    spec: { predictor: { model: { modelFormat: { name: 'onnx' }, storageUri: `s3://models/${name}.onnx` }, ...predictor } as never },
  };
}

export async function getIsvc(admin: HttpKubeClient, namespace: string, name: string): Promise<InferenceService | undefined> {
  return await admin.get<InferenceService>(INFERENCE_SERVICES, namespace, name);
}

export const condition = (o: InferenceService | undefined, type: string) => o?.status?.conditions?.find((c) => c.type === type);

/**
 * The name of the Deployment (and HPA) serving an InferenceService's current
 * spec: every spec is a revision with its own children (operator/src/canary),
 * recorded in status once the operator reconciled this generation.
 */
export async function predictorName(admin: HttpKubeClient, namespace: string, name: string): Promise<string | undefined> {
  const o = await getIsvc(admin, namespace, name);
  if (o?.status?.observedGeneration !== o?.metadata.generation) return undefined;
  return o?.status?.components?.predictor?.latestCreatedRevision;
}
