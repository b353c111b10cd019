// Autoscaling on queue length, end to end on the local cluster: the runtime's
// modelship_queue_length gauge -> Prometheus (scraping the pods it discovers
// through the API server) -> prometheus-adapter (custom.metrics.k8s.io via the
// aggregator) -> the real HPA controller in kube-controller-manager -> more
// runtime pods (node agent) behind the Service (service proxy) -> fewer
// requests in flight on the busiest pod; then back in once the load stops. Records time to first prediction,
// time to scale out and replicas over time in bench/results/.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { AppsV1Api, AutoscalingV2Api, CustomObjectsApi } from '@kubernetes/client-node';
import { http, sleep, until } from '../localcluster/http.ts';
import { REPO_ROOT, startLocalCluster, type LocalCluster } from '../localcluster/local-cluster.ts';
import { AGGREGATOR_API_SERVER_ARGS } from '../localcluster/monitoring/adapter.ts';
import { HPA_SYNC_PERIOD_S } from '../cluster/components.ts';
import { startMonitoring, type Monitoring } from '../localcluster/monitoring/monitoring.ts';
import { startLoad } from './load.ts';
import { shorterQueuesVerdict, type ScaleOutMeasures } from './shorter-queues.ts';
import { binaryFp32Request } from './tensors.ts';

const NS = 'default';
const NAME = 'mlp-autoscale';
const MAX_REPLICAS = 3;
const SCALE_TARGET = 4;
const CONCURRENCY = Number(process.env['E2E_LOAD_CONCURRENCY'] ?? 24);
const SCALE_OUT_LIMIT_MS = 90_000;
const SCALE_IN_LIMIT_MS = 120_000;
const LOAD_MAX_MS = 150_000;

// Test-length behaviour: scale up at once, scale down after 30 s of low demand.
// Three replicas drain the queue while the load still runs, so the low demand
// that starts the scale-down window begins under load, not when the load
// stops: the scale-in is measured from the HPA's last reading that asked for
// more than one replica, and must come no sooner than the window allows.
const SCALE_DOWN_WINDOW_S = 30;
const SAMPLE_PERIOD_MS = 1000;
const SCRAPE_INTERVAL_S = 2;
/** Slack on top of what the run measured (the HPA's sync period and its reconcile time), stated once. */
const SCALE_IN_SLACK_MS = 1000;
/** Rate window of the served-requests query. */
const RATE_WINDOW_S = 10;
const LOAD_AFTER_SCALE_OUT_MS = 20_000;
const manifest = `apiVersion: serving.modelship.io/v1alpha1
kind: InferenceService
metadata:
  name: ${NAME}
spec:
  predictor:
    minReplicas: 1
    maxReplicas: ${MAX_REPLICAS}
    scaleMetric: queueLength
    scaleTarget: ${SCALE_TARGET}
    scaleBehavior:
      scaleUp:
        stabilizationWindowSeconds: 0
        policies: [{ type: Pods, value: ${MAX_REPLICAS}, periodSeconds: 5 }]
      scaleDown:
        stabilizationWindowSeconds: ${SCALE_DOWN_WINDOW_S}
        policies: [{ type: Percent, value: 100, periodSeconds: 5 }]
    model:
      modelFormat:
        name: onnx
      storageUri: pvc://model-store/mnist-mlp/mnist-mlp.onnx
      resources:
        requests: { cpu: 100m, memory: 256Mi }
        limits: { cpu: "1", memory: 1Gi }
`;

// 64 MNIST-shaped rows per request as raw bytes: inference, not JSON, is each pod's work,
// so requests wait in the runtime's queue whenever its worker is busy, on any machine.
const ROWS = 64;
const body = binaryFp32Request('input', ROWS, 784);

let local: LocalCluster;
let monitoring: Monitoring;
const log = process.env['E2E_LOG'] ? (l: string) => console.error(l) : undefined;

before(async () => {
  local = await startLocalCluster({ harness: { apiServerArgs: AGGREGATOR_API_SERVER_ARGS }, ...(log ? { log } : {}) });
  monitoring = await startMonitoring(local.cluster, { scrapeIntervalSeconds: SCRAPE_INTERVAL_S, windowSeconds: 10, ...(log ? { log } : {}) });
  await local.addModelStore(NS);
});

after(async () => {
  await monitoring?.stop();
  await local?.stop();
});

interface Sample {
  /** When the reads of this sample ended. */
  tMs: number;
  /** How long the reads (Deployment, HPA, Prometheus) took: the state was observed within [tMs - readMs, tMs]. */
  readMs: number;
  phase: 'load' | 'idle';
  specReplicas: number;
  readyReplicas: number;
  hpaDesired: number | undefined;
  hpaQueueLength: number | undefined;
  promAvgQueueLength: number | undefined;
  /** Requests in flight on the busiest pod at the last scrape. */
  promMaxInFlight: number | undefined;
  /** Requests per second all pods answered over the last RATE_WINDOW_S. */
  promServedPerSecond: number | undefined;
}

/** What the scale test measured about the busiest pod, for the check that needs capacity the new pods add. */
let busiest: ScaleOutMeasures | undefined;

test('queue length scales the Deployment out under load and back in after it', async () => {
  const apps = local.cluster.kubeConfig.makeApiClient(AppsV1Api);
  const hpas = local.cluster.kubeConfig.makeApiClient(AutoscalingV2Api);
  const custom = local.cluster.kubeConfig.makeApiClient(CustomObjectsApi);
  const file = join(local.cluster.dataDir, `${NAME}.yaml`);
  writeFileSync(file, manifest);

  const applied = Date.now();
  await local.kubectl(['apply', '-n', NS, '-f', file]);
  const url = await until('the Service on the proxy', 30_000, async () => local.proxy.url(NS, NAME));
  const infer = `${url}/v2/models/${NAME}/infer`;
  await until('a first prediction', 120_000, async () => ((await http(infer, body).catch(() => undefined))?.status === 200 ? true : undefined), 100);
  const firstPredictionMs = Date.now() - applied;
  await until('status Ready', 60_000, async () => {
    const o = (await custom.getNamespacedCustomObject({ group: 'serving.modelship.io', version: 'v1alpha1', namespace: NS, plural: 'inferenceservices', name: NAME })) as { status?: { conditions?: Array<{ type: string; status: string }> } };
    return o.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? true : undefined;
  });
  const readyMs = Date.now() - applied;

  // The HPA must be reading the metric (ScalingActive) before load starts, or the scale-out time would include discovery.
  // Found by the InferenceService label, not by name: with revisions the operator names children per revision.
  const hpa = await until('the HPA reading modelship_queue_length', 120_000, async () => {
    const list = await hpas.listNamespacedHorizontalPodAutoscaler({ namespace: NS, labelSelector: `serving.modelship.io/inferenceservice=${NAME}` });
    const h = list.items[0];
    return h?.status?.conditions?.some((c) => c.type === 'ScalingActive' && c.status === 'True') ? h : undefined;
  }, 1000);
  const hpaName = hpa.metadata!.name!;
  // The scale-in bound below is about the spec's window: the HPA must carry it as written.
  assert.equal(hpa.spec!.behavior?.scaleDown?.stabilizationWindowSeconds, SCALE_DOWN_WINDOW_S, 'the HPA carries spec.predictor.scaleBehavior.scaleDown');
  const deploymentName = hpa.spec!.scaleTargetRef.name;
  const metricReadyMs = Date.now() - applied;

  const samples: Sample[] = [];
  let phase: Sample['phase'] = 'load';
  const t0 = Date.now();
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const readStart = Date.now();
      const [d, h, q, f, r] = await Promise.all([
        apps.readNamespacedDeployment({ name: deploymentName, namespace: NS }),
        hpas.readNamespacedHorizontalPodAutoscaler({ name: hpaName, namespace: NS }),
        monitoring.query(`avg(avg_over_time(modelship_queue_length{namespace="${NS}",pod=~"${NAME}-.*"}[10s]))`).catch(() => []),
        monitoring.query(`max(modelship_requests_in_flight{namespace="${NS}",pod=~"${NAME}-.*"})`).catch(() => []),
        monitoring.query(`sum(rate(modelship_requests_total{namespace="${NS}",pod=~"${NAME}-.*"}[${RATE_WINDOW_S}s]))`).catch(() => []),
      ]);
      const current = h.status?.currentMetrics?.[0]?.pods?.current.averageValue;
      const end = Date.now();
      samples.push({
        tMs: end - t0,
        readMs: end - readStart,
        phase,
        specReplicas: d.spec?.replicas ?? 0,
        readyReplicas: d.status?.readyReplicas ?? 0,
        hpaDesired: h.status?.desiredReplicas,
        hpaQueueLength: current === undefined ? undefined : Number.parseFloat(String(current)) / (String(current).endsWith('m') ? 1000 : 1),
        promAvgQueueLength: q[0] ? Number(q[0].value[1]) : undefined,
        promMaxInFlight: f[0] ? Number(f[0].value[1]) : undefined,
        promServedPerSecond: r[0] ? Number(r[0].value[1]) : undefined,
      });
      await sleep(SAMPLE_PERIOD_MS);
    }
  })();

  const load = startLoad({ url: infer, body, concurrency: CONCURRENCY, durationMs: LOAD_MAX_MS, maxRequests: 200_000 });
  let scaleOutMs: number | undefined;
  let scaleOutReadyMs: number | undefined;
  let scaleInMs: number | undefined;
  let loadResult;
  try {
    scaleOutMs = await until('a scale-out decision', SCALE_OUT_LIMIT_MS, async () => {
      const last = samples.at(-1);
      return last && last.specReplicas > 1 ? last.tMs : undefined;
    }, 250);
    scaleOutReadyMs = await until('a second ready replica', 60_000, async () => {
      const last = samples.at(-1);
      return last && last.readyReplicas > 1 ? last.tMs : undefined;
    }, 250);
    // Keep the load on a little longer, so the table shows the queue spread over the new pods.
    await sleep(LOAD_AFTER_SCALE_OUT_MS);
  } catch (err) {
    // What the HPA saw, for the failure message.
    console.error(JSON.stringify(samples.slice(-30)));
    throw err;
  } finally {
    load.stop();
    loadResult = await load.done;
  }
  phase = 'idle';
  const loadStoppedMs = Date.now() - t0;
  const replicasAtLoadStop = samples.at(-1)?.specReplicas ?? 0;
  try {
    scaleInMs = await until('a scale-in back to one replica', SCALE_IN_LIMIT_MS, async () => {
      const last = samples.at(-1);
      return last && last.phase === 'idle' && last.tMs > loadStoppedMs && last.specReplicas === 1 ? last.tMs - loadStoppedMs : undefined;
    }, 500);
  } finally {
    sampling = false;
    await sampler;
  }

  const loadSamples = samples.filter((s) => s.phase === 'load');
  const peakReplicas = Math.max(...samples.map((s) => s.specReplicas));
  const queueBefore = loadSamples.filter((s) => s.tMs <= scaleOutMs! && s.promAvgQueueLength !== undefined).map((s) => s.promAvgQueueLength!);
  const queueAfter = loadSamples.filter((s) => s.tMs >= scaleOutReadyMs! + 10_000 && s.promAvgQueueLength !== undefined).map((s) => s.promAvgQueueLength!);
  const mean = (xs: number[]) => (xs.length === 0 ? undefined : xs.reduce((a, b) => a + b, 0) / xs.length);
  // The busiest pod's requests in flight with one Ready pod (from the first scrape under load) and with two or
  // more (from two scrapes after the second one was Ready, so the proxy and Prometheus have seen it).
  const scrapeMs = SCRAPE_INTERVAL_S * 1000;
  const inFlightBefore = loadSamples.filter((s) => s.tMs >= 2 * scrapeMs && s.tMs < scaleOutReadyMs! && s.readyReplicas === 1 && s.promMaxInFlight !== undefined).map((s) => s.promMaxInFlight!);
  const inFlightAfter = loadSamples.filter((s) => s.tMs >= scaleOutReadyMs! + 2 * scrapeMs && s.readyReplicas > 1 && s.promMaxInFlight !== undefined).map((s) => s.promMaxInFlight!);
  // Served requests per second over windows wholly under load with one Ready pod, and wholly after the second was Ready.
  const rateMs = RATE_WINDOW_S * 1000;
  const servedBefore = loadSamples.filter((s) => s.tMs >= rateMs + scrapeMs && s.tMs < scaleOutReadyMs! && s.readyReplicas === 1 && s.promServedPerSecond !== undefined).map((s) => s.promServedPerSecond!);
  const servedAfter = loadSamples.filter((s) => s.tMs >= scaleOutReadyMs! + rateMs + scrapeMs && s.readyReplicas > 1 && s.promServedPerSecond !== undefined).map((s) => s.promServedPerSecond!);
  busiest = { inFlight: [inFlightBefore, inFlightAfter], served: [servedBefore, servedAfter] };
  // The HPA's raw recommendation is ceil(replicas * queue per pod / target):
  // more than one replica's worth while replicas * queue > target.
  const scaleInAtMs = loadStoppedMs + scaleInMs;
  const lastHighDemand = samples.filter((s) => s.tMs >= scaleOutMs! && s.tMs < scaleInAtMs && s.hpaQueueLength !== undefined && s.specReplicas * s.hpaQueueLength > SCALE_TARGET).at(-1);
  const lastHighDemandMs = lastHighDemand?.tMs;
  // From the start of the reads that last saw a high reading to the end of those that first saw one replica.
  const scaleInAfterHighDemandMs = lastHighDemand === undefined ? undefined : scaleInAtMs - (lastHighDemand.tMs - lastHighDemand.readMs);
  // The HPA's reconcile (custom metrics through the aggregator and the adapter to Prometheus, then its writes)
  // is the same kind of round trips as one sample's reads: twice the slowest read of this run stands for it.
  const slowestReadMs = Math.max(...samples.filter((s) => s.tMs >= scaleOutMs! && s.tMs <= scaleInAtMs).map((s) => s.readMs));
  const earliestScaleInMs = (SCALE_DOWN_WINDOW_S - HPA_SYNC_PERIOD_S) * 1000 - 2 * slowestReadMs - SCALE_IN_SLACK_MS;
  const result = {
    test: 'autoscaling on queue length (test/e2e/autoscaling.test.ts)',
    timestamp: new Date().toISOString(),
    machine: { cpus: cpus().length, loadavg: (await import('node:os')).loadavg() },
    settings: { model: 'mnist-mlp', rowsPerRequest: ROWS, minReplicas: 1, maxReplicas: MAX_REPLICAS, scaleTarget: SCALE_TARGET, concurrency: CONCURRENCY, hpaSyncPeriodSeconds: HPA_SYNC_PERIOD_S, scrapeIntervalSeconds: SCRAPE_INTERVAL_S, adapterWindowSeconds: 10, scaleDownStabilizationSeconds: SCALE_DOWN_WINDOW_S },
    timeToFirstPredictionMs: firstPredictionMs,
    timeToReadyMs: readyMs,
    timeToMetricAvailableMs: metricReadyMs,
    scaleOutDecisionMs: scaleOutMs,
    scaleOutSecondReplicaReadyMs: scaleOutReadyMs,
    peakReplicas,
    loadStoppedAtMs: loadStoppedMs,
    replicasAtLoadStop,
    scaleInAfterLoadMs: scaleInMs,
    lastHighDemandMs,
    scaleInAtMs,
    scaleInAfterHighDemandMs,
    slowestSampleReadMs: slowestReadMs,
    earliestScaleInAfterHighDemandMs: earliestScaleInMs,
    meanQueueLengthPerPod: { beforeScaleOut: mean(queueBefore), afterScaleOut: mean(queueAfter) },
    busiestPodInFlight: { oneReadyPod: mean(inFlightBefore), twoOrMoreReadyPods: mean(inFlightAfter), samples: [inFlightBefore.length, inFlightAfter.length] },
    servedPerSecond: { oneReadyPod: mean(servedBefore), twoOrMoreReadyPods: mean(servedAfter), samples: [servedBefore.length, servedAfter.length] },
    load: loadResult,
    timeline: samples,
  };
  // `make bench-autoscaling` keeps the record in bench/results/; a plain test run leaves the checkout alone.
  const dir = process.env['MODELSHIP_BENCH_RESULTS'] === '1' ? join(REPO_ROOT, 'bench/results') : local.cluster.dataDir;
  mkdirSync(dir, { recursive: true });
  const stamp = result.timestamp.replace(/[:.]/g, '-');
  writeFileSync(join(dir, `autoscaling-${stamp}.json`), `${JSON.stringify(result, null, 2)}\n`);
  const fmt = (n: number | undefined) => (n === undefined ? '-' : n.toFixed(1));
  const rows = samples.filter((s, i) => i % 5 === 0 || s.specReplicas !== samples[i - 1]?.specReplicas || s.readyReplicas !== samples[i - 1]?.readyReplicas);
  writeFileSync(join(dir, `autoscaling-${stamp}.md`), [
    `# Autoscaling on queue length, ${result.timestamp}`,
    '',
    `${cpus().length} CPUs (load average ${result.machine.loadavg.map((x) => x.toFixed(1)).join(' ')}); mnist-mlp, ${ROWS} rows per request (binary tensor); ${CONCURRENCY} clients; target ${SCALE_TARGET} queued requests per pod; HPA sync 5 s; scrape 2 s; adapter window 10 s; scale-down window ${SCALE_DOWN_WINDOW_S} s.`,
    '',
    `- time to first prediction after kubectl apply: ${(firstPredictionMs / 1000).toFixed(1)} s (status Ready at ${(readyMs / 1000).toFixed(1)} s)`,
    `- time to scale out (HPA raises replicas after load starts): ${(scaleOutMs / 1000).toFixed(1)} s; second replica Ready: ${(scaleOutReadyMs / 1000).toFixed(1)} s`,
    `- peak replicas: ${peakReplicas} (${replicasAtLoadStop} when the load stopped at ${(loadStoppedMs / 1000).toFixed(1)} s); back to 1 replica at ${(scaleInAtMs / 1000).toFixed(1)} s: ${fmt(scaleInAfterHighDemandMs === undefined ? undefined : scaleInAfterHighDemandMs / 1000)} s after the HPA last read more than one replica's worth of queue (at ${fmt(lastHighDemandMs === undefined ? undefined : lastHighDemandMs / 1000)} s; scale-down window ${SCALE_DOWN_WINDOW_S} s, HPA sync ${HPA_SYNC_PERIOD_S} s; no sooner than ${fmt(earliestScaleInMs / 1000)} s allowed, the slowest sample read taking ${(slowestReadMs / 1000).toFixed(2)} s)`,
    `- mean queue length per pod: ${fmt(mean(queueBefore))} before scale-out, ${fmt(mean(queueAfter))} after`,
    `- requests in flight on the busiest pod: ${fmt(mean(inFlightBefore))} with one Ready pod, ${fmt(mean(inFlightAfter))} with two or more (means of ${inFlightBefore.length} and ${inFlightAfter.length} samples); served per second: ${fmt(mean(servedBefore))} and ${fmt(mean(servedAfter))}`,
    `- load: ${loadResult.ok} ok / ${loadResult.failed} failed in ${(loadResult.elapsedMs / 1000).toFixed(1)} s`,
    '',
    '| t (s) | phase | replicas (spec) | ready | HPA desired | HPA queue/pod | Prometheus avg queue/pod | busiest pod in flight |',
    '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((s) => `| ${(s.tMs / 1000).toFixed(0)} | ${s.phase} | ${s.specReplicas} | ${s.readyReplicas} | ${s.hpaDesired ?? '-'} | ${fmt(s.hpaQueueLength)} | ${fmt(s.promAvgQueueLength)} | ${fmt(s.promMaxInFlight)} |`),
    '',
  ].join('\n'));
  console.log(JSON.stringify({ ...result, timeline: `${samples.length} samples` }, null, 2));

  assert.ok(peakReplicas > 1);
  assert.ok(replicasAtLoadStop > 1, 'still scaled out when the load stopped');
  // The scale-down window passed through from spec.predictor.scaleBehavior: the scale-in comes no sooner than
  // the window after the HPA's last high recommendation, which is at most one sync period and one reconcile
  // before the sample that last showed it.
  assert.ok(scaleInAfterHighDemandMs !== undefined, 'a reading above one replica\'s worth after scale-out');
  assert.ok(scaleInAfterHighDemandMs >= earliestScaleInMs, `scaled in ${scaleInAfterHighDemandMs} ms after the last high reading: no sooner than the ${SCALE_DOWN_WINDOW_S} s window allows (${earliestScaleInMs} ms: less the ${HPA_SYNC_PERIOD_S} s sync, twice the slowest read ${slowestReadMs} ms and ${SCALE_IN_SLACK_MS} ms)`);
  // A connection caught by a pod going away can fail, as with kube-proxy; anything more is a bug.
  assert.ok(loadResult.ok > 0 && loadResult.failed <= loadResult.sent / 1000, `load: ${JSON.stringify(loadResult.statuses)}`);
});

// Shorter queues after scale-out, where the new pods added capacity (shorter-queues.ts says why the
// check is skipped, with its figures, where they added none).
test('scale-out shortens the busiest pod\'s queue, where the new pods added capacity', (t) => {
  if (busiest === undefined) return void t.skip('the scale test did not get as far as the scale-out');
  const verdict = shorterQueuesVerdict(busiest);
  if (verdict.outcome === 'skip') return void t.skip(verdict.reason);
  assert.equal(verdict.outcome, 'pass', verdict.reason);
  t.diagnostic(verdict.reason);
});
