// The standard metrics path to the HPA, run for real on the local cluster:
// Prometheus (Debian's package, run directly on 127.0.0.1) scrapes the
// runtime pods (discovered through pod-discovery.ts); prometheus-adapter
// (built from its Go module by the cluster build script), with the rules the
// Helm chart ships, serves custom.metrics.k8s.io from Prometheus; kube-controller-manager's HPA
// controller reads it through the aggregator. The API server must run with
// AGGREGATOR_API_SERVER_ARGS (see adapter.ts).
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiregistrationV1Api, CoreV1Api, type V1APIService } from '@kubernetes/client-node';
import { binaryPath } from '../../cluster/binaries.ts';
import type { Cluster } from '../../cluster/harness.ts';
import { freePorts } from '../../cluster/ports.ts';
import { ManagedProcess } from '../../cluster/processes.ts';
import { http } from '../http.ts';
import type { ListWatch } from '../list-watch.ts';
import { REPO_ROOT } from '../local-cluster.ts';
import { ADAPTER_NAMESPACE, adapterService, chartAdapterRules, customMetricsApiService } from './adapter.ts';
import { startPodDiscovery } from './pod-discovery.ts';
import { prometheusConfig } from './prometheus-config.ts';

export interface MonitoringOptions {
  scrapeIntervalSeconds?: number;
  /** Window of the adapter's avg_over_time. */
  windowSeconds?: number;
  log?: (line: string) => void;
  readyTimeoutMs?: number;
  /** Alerting rule files Prometheus loads (evaluated every scrape interval). */
  ruleFiles?: string[];
}

export interface Monitoring {
  prometheusUrl: string;
  /** Instant PromQL query; resolves the result vector. */
  query(promql: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>>;
  /** Firing and pending alerts of the loaded rule files. */
  alerts(): Promise<Array<{ labels: Record<string, string>; state: string }>>;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const PROMETHEUS = 'prometheus';

const httpGet = (url: string) => http(url, undefined, 3000).catch(() => ({ status: 0, body: '' }));

async function waitFor(what: string, timeoutMs: number, check: () => Promise<boolean>, dead: () => string | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const died = dead();
    if (died !== undefined) throw new Error(`${what}: ${died}`);
    if (await check().catch(() => false)) return;
    await sleep(250);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

export async function startMonitoring(cluster: Cluster, opts: MonitoringOptions = {}): Promise<Monitoring> {
  try {
    execFileSync('sh', ['-c', `command -v ${PROMETHEUS}`]);
  } catch {
    throw new Error('prometheus is not installed: run test/localcluster/monitoring/ensure-prometheus.sh (make e2e-deps)');
  }
  const adapterBin = binaryPath('prometheus-adapter');
  const scrape = opts.scrapeIntervalSeconds ?? 2;
  const timeout = opts.readyTimeoutMs ?? 90_000;
  const dir = join(cluster.dataDir, 'monitoring');
  mkdirSync(join(dir, 'adapter-certs'), { recursive: true });
  const [promPort, adapterPort] = (await freePorts(2)) as [number, number];
  const prometheusUrl = `http://127.0.0.1:${promPort}`;
  const processes: ManagedProcess[] = [];
  const start = (name: string, command: string, args: string[]) => {
    const p = new ManagedProcess({ name, command, args, logFile: join(dir, `${name}.log`), ...(opts.log ? { log: opts.log } : {}) });
    processes.push(p);
    return p;
  };
  let discovery: ListWatch | undefined;
  const stop = async () => {
    discovery?.stop();
    await Promise.all(processes.map((p) => p.kill()));
  };
  try {
    const targetsFile = join(dir, 'pods.json');
    discovery = await startPodDiscovery(cluster.kubeConfig, targetsFile, opts.log ?? (() => {}));
    writeFileSync(join(dir, 'prometheus.yml'), prometheusConfig({ targetsFile, scrapeIntervalSeconds: scrape, ...(opts.ruleFiles !== undefined ? { ruleFiles: opts.ruleFiles } : {}) }));
    const prometheus = start('prometheus', PROMETHEUS, [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'tsdb')}`,
      '--storage.tsdb.retention.time=2h',
      `--web.listen-address=127.0.0.1:${promPort}`,
      '--log.level=warn',
    ]);
    writeFileSync(join(dir, 'adapter-rules.yaml'), chartAdapterRules(binaryPath('helm'), join(REPO_ROOT, 'charts/modelship'), opts.windowSeconds ?? 10));
    const adapter = start('prometheus-adapter', adapterBin, [
      `--secure-port=${adapterPort}`,
      '--bind-address=127.0.0.1',
      `--cert-dir=${join(dir, 'adapter-certs')}`,
      `--lister-kubeconfig=${cluster.kubeconfigPath}`,
      `--authentication-kubeconfig=${cluster.kubeconfigPath}`,
      `--authorization-kubeconfig=${cluster.kubeconfigPath}`,
      `--prometheus-url=${prometheusUrl}/`,
      `--metrics-relist-interval=${Math.max(2, scrape)}s`,
      `--config=${join(dir, 'adapter-rules.yaml')}`,
      '--v=1',
    ]);
    const deadOf = (p: ManagedProcess) => () => (p.running ? undefined : `${p.name} exited:\n${p.tail()}`);
    await waitFor('Prometheus ready', timeout, async () => (await httpGet(`${prometheusUrl}/-/ready`)).status === 200, deadOf(prometheus));

    const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
    const registration = cluster.kubeConfig.makeApiClient(ApiregistrationV1Api);
    await core.createNamespace({ body: { metadata: { name: ADAPTER_NAMESPACE } } });
    await core.createNamespacedService({ namespace: ADAPTER_NAMESPACE, body: adapterService(adapterPort) });
    const apiService = customMetricsApiService(adapterPort) as V1APIService;
    await registration.createAPIService({ body: apiService });
    await waitFor('custom.metrics.k8s.io available through the aggregator', timeout, async () => {
      const s = await registration.readAPIService({ name: apiService.metadata!.name! });
      return s.status?.conditions?.some((c) => c.type === 'Available' && c.status === 'True') === true;
    }, deadOf(adapter));
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    prometheusUrl,
    query: async (promql) => {
      const r = await httpGet(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(promql)}`);
      if (r.status !== 200) throw new Error(`prometheus query failed: ${r.status} ${r.body}`);
      return (JSON.parse(r.body) as { data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } }).data.result;
    },
    alerts: async () => {
      const r = await httpGet(`${prometheusUrl}/api/v1/alerts`);
      if (r.status !== 200) throw new Error(`prometheus alerts failed: ${r.status} ${r.body}`);
      return (JSON.parse(r.body) as { data: { alerts: Array<{ labels: Record<string, string>; state: string }> } }).data.alerts;
    },
    stop,
  };
}
