// make bench-operator: N InferenceServices created at once on the real control
// plane (kube-apiserver + etcd; no controller-manager, so only the operator
// writes), for N = 100, 500, 1000 (override with BENCH_SIZES=100,500). Measures
// the time until every Deployment exists and every status is observed, the
// operator's peak RSS, API requests per reconcile, and write requests over a
// steady-state window (BENCH_STEADY_S, default 60) after the largest run.
// Results: bench/results/operator.json and operator.md. The operator runs with
// the Node heap flags recommended for its image (MODELSHIP_TEST_OPERATOR_NODE_ARGS
// overrides): a small young generation keeps RSS near the live heap.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { DEPLOYMENTS, INFERENCE_SERVICES } from '../../operator/src/kube/resources.ts';
import type { KubeObject, ResourceType } from '../../operator/src/kube/client.ts';
import { Informer } from '../../operator/src/kube/informer.ts';
import { systemClock } from '../../operator/src/kube/clock.ts';
import { createLogger } from '../../common/src/logger.ts';
import type { InferenceService } from '../../operator/src/api/types.ts';
import {
  ROOT, createNamespace, eventually, isvc, startOperator, startTestCluster, writesBetween, type OperatorProcess,
} from '../../test/operator/support.ts';

const SIZES = (process.env['BENCH_SIZES'] ?? '100,500,1000').split(',').map(Number);
const STEADY_S = Number(process.env['BENCH_STEADY_S'] ?? '60');
// How long one size may take to be fully reconciled (on a loaded 2-core machine 1,000 took over 300 s).
const RUN_TIMEOUT_S = Number(process.env['BENCH_RUN_TIMEOUT_S'] ?? '900');
const WORKERS = process.env['BENCH_WORKERS'] ?? '32'; // the operator's default
const CREATE_CONCURRENCY = 50;
const NODE_ARGS = '--max-semi-space-size=4 --max-old-space-size=128';
const logger = createLogger({ component: 'bench', level: 'warn' });
const NS = 'bench';
const SERVICE_CIDRS: ResourceType = { group: 'networking.k8s.io', version: 'v1', plural: 'servicecidrs', kind: 'ServiceCIDR', namespaced: false };

interface Result {
  count: number;
  workers: number;
  createSeconds: number;
  allDeploymentsSeconds: number;
  allStatusesSeconds: number;
  peakRssMb: number;
  reconciles: number;
  requestsPerReconcile: number;
  writesPerInferenceService: number;
  requestsByVerb: Record<string, number>;
  steadyWindowSeconds?: number;
  steadyStateWrites?: number;
}

function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

async function inBatches<T>(items: T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

function requestsByVerb(metrics: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of metrics) {
    const m = /^modelship_operator_api_requests_total\{verb="([a-z]+)",resource="([a-z/]+)"/.exec(k);
    if (m === null || m[2] === 'leases') continue;
    out[m[1]!] = (out[m[1]!] ?? 0) + v;
  }
  return out;
}

async function run(count: number, steady: boolean): Promise<Result> {
  const tc = await startTestCluster();
  let op: OperatorProcess | undefined;
  try {
    await createNamespace(tc.admin, NS);
    // The harness's Service range is a /24; 1,000 Services need more ClusterIPs
    // (allocated, never dialled). A ServiceCIDR adds a range at runtime.
    await tc.admin.create(SERVICE_CIDRS, { apiVersion: 'networking.k8s.io/v1', kind: 'ServiceCIDR', metadata: { name: 'bench' }, spec: { cidrs: ['10.1.0.0/20'] } } as KubeObject);
    op = await startOperator(tc.operatorKubeconfig, `bench-${count}`, ['--workers', WORKERS, '--log-level', 'warn']);
    await eventually('the operator to lead', async () => ((await op!.isLeader()) ? true : undefined), { timeoutMs: 30_000 });

    // The bench observes through informers (list + watch), as cheap for the
    // API server as the operator's own, and notes when the last one arrived.
    const deployments = new Informer<KubeObject>({ client: tc.admin, clock: systemClock, logger, type: DEPLOYMENTS, namespace: NS });
    const services = new Informer<InferenceService>({ client: tc.admin, clock: systemClock, logger, type: INFERENCE_SERVICES, namespace: NS });
    const done = { deployments: 0, statuses: 0 };
    const observed = new Set<string>();
    deployments.onEvent(() => {
      if (done.deployments === 0 && deployments.list().length === count) done.deployments = performance.now();
    });
    services.onEvent((event, o) => {
      if (event !== 'delete' && o.status?.observedGeneration === 1 && o.status.url !== undefined) observed.add(o.metadata.name);
      if (done.statuses === 0 && observed.size === count) done.statuses = performance.now();
    });
    deployments.start();
    services.start();
    await Promise.all([deployments.waitForSync(30_000), services.waitForSync(30_000)]);
    const started = performance.now();
    await inBatches(Array.from({ length: count }, (_, i) => i), CREATE_CONCURRENCY, (i) => tc.admin.create(INFERENCE_SERVICES, isvc(NS, `m${i}`)));
    const createSeconds = (performance.now() - started) / 1000;
    await eventually(`${count} Deployments and statuses`, async () => (done.deployments > 0 && done.statuses > 0 ? true : undefined), { timeoutMs: RUN_TIMEOUT_S * 1000, intervalMs: 100 });
    const allDeploymentsSeconds = (done.deployments - started) / 1000;
    const allStatusesSeconds = (done.statuses - started) / 1000;
    await Promise.all([deployments.stop(), services.stop()]);

    const metrics = await op.metrics();
    const byVerb = requestsByVerb(metrics);
    const reconciles = [...metrics].filter(([k]) => k.startsWith('modelship_operator_reconcile_total')).reduce((s, [, v]) => s + v, 0);
    const nonWatch = Object.entries(byVerb).filter(([verb]) => verb !== 'watch' && verb !== 'list').reduce((s, [, v]) => s + v, 0);
    const writes = ['create', 'update', 'patch', 'delete'].reduce((s, verb) => s + (byVerb[verb] ?? 0), 0);
    const result: Result = {
      count,
      workers: Number(WORKERS),
      createSeconds: round(createSeconds),
      allDeploymentsSeconds: round(allDeploymentsSeconds),
      allStatusesSeconds: round(allStatusesSeconds),
      peakRssMb: 0,
      reconciles,
      requestsPerReconcile: round(nonWatch / Math.max(1, reconciles)),
      writesPerInferenceService: round(writes / count),
      requestsByVerb: byVerb,
    };
    if (steady) {
      // Let in-flight follow-up passes finish before the window opens.
      await new Promise((r) => setTimeout(r, 5000));
      const before = await op.metrics();
      await new Promise((r) => setTimeout(r, STEADY_S * 1000));
      const writesInWindow = writesBetween(before, await op.metrics());
      result.steadyWindowSeconds = STEADY_S;
      result.steadyStateWrites = writesInWindow.reduce((s, [, d]) => s + d, 0);
      if (result.steadyStateWrites > 0) process.stderr.write(`writes at steady state: ${JSON.stringify(writesInWindow)}\n`);
    }
    result.peakRssMb = peakRssMb(op.process.pid!);
    return result;
  } finally {
    await op?.kill('SIGTERM');
    await tc.stop();
  }
}

process.env['MODELSHIP_TEST_OPERATOR_NODE_ARGS'] ??= NODE_ARGS;
const round = (x: number) => Math.round(x * 100) / 100;

const results: Result[] = [];
for (const [i, count] of SIZES.entries()) {
  const result = await run(count, i === SIZES.length - 1);
  results.push(result);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

const dir = join(ROOT, 'bench/results');
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, 'operator.json'), `${JSON.stringify({ date: new Date().toISOString(), results }, null, 2)}\n`);
const rows = results.map((r) => `| ${r.count} | ${r.allDeploymentsSeconds} | ${r.allStatusesSeconds} | ${r.peakRssMb} | ${r.requestsPerReconcile} | ${r.writesPerInferenceService} | ${r.steadyStateWrites === undefined ? '' : `${r.steadyStateWrites} in ${r.steadyWindowSeconds} s`} |`);
writeFileSync(join(dir, 'operator.md'), [
  '# Operator benchmark (`make bench-operator`)',
  '',
  `InferenceServices created at once (${CREATE_CONCURRENCY} concurrent creates) on kube-apiserver + etcd on this machine; operator with ${WORKERS} workers, running as its ServiceAccount, node flags \`${process.env['MODELSHIP_TEST_OPERATOR_NODE_ARGS']}\`.`,
  `Machine load average when the run ended: ${loadavg().map((l) => l.toFixed(1)).join(', ')} (${availableParallelism()} CPUs, shared with other work).`,
  'Times are from the first create. Requests per reconcile exclude list/watch and leader-election Lease renewals.',
  '',
  '| InferenceServices | all Deployments (s) | all statuses observed (s) | operator peak RSS (MB) | API requests / reconcile | writes / InferenceService | writes at steady state |',
  '|---|---|---|---|---|---|---|',
  ...rows,
  '',
].join('\n'));
