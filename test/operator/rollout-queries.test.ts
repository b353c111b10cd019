// The canary analysis' queries against a real Prometheus: two stand-in
// runtime pods (expositions the test serves on loopback, labelled with
// namespace and pod as the Kubernetes scrape config labels them), one of the
// stable revision and one of the canary, whose counters grow between scrapes
// as a runtime's do; the operator's Prometheus client (rollout-metrics.ts)
// reads requests, 5xx errors, p99 and the predicted classes per revision,
// and the pure analysis judges what it read. No cluster is needed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { prometheusRolloutMetrics } from '../../operator/src/controller/rollout-metrics.ts';
import { analyze, rolloutSettings, type Observation } from '../../operator/src/canary/analysis.ts';
import { serveExposition, startPrometheus, type Exposition, type LocalPrometheus } from '../monitoring/prometheus.ts';
import { eventually } from '../cluster/eventually.ts';

const NS = 'ml';
const STABLE = 'iris-predictor-9b3f7d1';
const CANARY = 'iris-predictor-4c1e0a2';
let prometheus: LocalPrometheus | undefined;
const pods: Record<string, Exposition> = {};

interface Counts { ok: number; failed: number; fast: number; classes: Record<string, number> }

/** The runtime's series as it exposes them (runtime/src/metrics.ts, runtime/src/drift/metrics.ts). */
function exposition(c: Counts): string {
  const total = c.ok + c.failed;
  return [
    '# TYPE modelship_requests_total counter',
    `modelship_requests_total{model="iris",protocol="v2",code="200"} ${c.ok}`,
    `modelship_requests_total{model="iris",protocol="v2",code="500"} ${c.failed}`,
    '# TYPE modelship_request_duration_seconds histogram',
    `modelship_request_duration_seconds_bucket{model="iris",le="0.01"} ${c.fast}`,
    `modelship_request_duration_seconds_bucket{model="iris",le="0.1"} ${total}`,
    `modelship_request_duration_seconds_bucket{model="iris",le="+Inf"} ${total}`,
    `modelship_request_duration_seconds_sum{model="iris"} ${total * 0.01}`,
    `modelship_request_duration_seconds_count{model="iris"} ${total}`,
    '# TYPE modelship_predictions_total counter',
    ...Object.entries(c.classes).map(([k, n]) => `modelship_predictions_total{model="iris",output="label",class="${k}"} ${n}`),
  ].join('\n') + '\n';
}

const zero = (): Counts => ({ ok: 0, failed: 0, fast: 0, classes: { 0: 0, 1: 0, 2: 0, _unseen: 0 } });
const counts: Record<string, Counts> = { [STABLE]: zero(), [CANARY]: zero() };

before(async () => {
  for (const revision of [STABLE, CANARY]) pods[revision] = await serveExposition(exposition(counts[revision]!));
  prometheus = await startPrometheus({
    targets: [STABLE, CANARY].map((r) => ({ address: pods[r]!.address, labels: { namespace: NS, pod: `${r}-7d9f8c6b5-x2k4p` } })),
  });
});

after(async () => {
  await prometheus?.stop();
  for (const p of Object.values(pods)) await p.close();
});

/** Every 500 ms for `seconds`: each revision answers its traffic (a runtime's counters only grow). */
async function serve(seconds: number, perTick: Record<string, { ok: number; failed: number; fast: number; classes: Record<string, number> }>): Promise<void> {
  for (let t = 0; t < seconds * 2; t++) {
    for (const [revision, add] of Object.entries(perTick)) {
      const c = counts[revision]!;
      c.ok += add.ok;
      c.failed += add.failed;
      c.fast += add.fast;
      for (const [k, n] of Object.entries(add.classes)) c.classes[k] = (c.classes[k] ?? 0) + n;
      pods[revision]!.set(exposition(c));
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

test('requests, errors, p99 and predicted classes per revision, read from Prometheus and judged', async () => {
  const metrics = prometheusRolloutMetrics(prometheus!.url);
  const observe = () => metrics.observe({ namespace: NS, canary: CANARY, stable: STABLE, windowSeconds: 10, predictions: true });
  // Stable: thirds, all fast, no errors. Canary: 10% errors, slow, and it never predicts class 2.
  await serve(8, {
    [STABLE]: { ok: 30, failed: 0, fast: 30, classes: { 0: 10, 1: 10, 2: 10 } },
    [CANARY]: { ok: 9, failed: 1, fast: 0, classes: { 0: 5, 1: 5 } },
  });
  const seen: Observation = await eventually('both revisions in the window', async () => {
    const o = await observe();
    return 'canary' in o && o.canary.requests > 0 && o.stable.requests > 0 ? o : undefined;
  }, { timeoutMs: 30_000, intervalMs: 500 });
  assert.ok('canary' in seen);
  const { canary, stable } = seen;
  // increase() extrapolates over the window: compare shares, not raw counts.
  assert.ok(Math.abs(canary.errors / canary.requests - 0.1) < 0.02, `canary error share ${canary.errors}/${canary.requests}`);
  assert.equal(stable.errors, 0);
  assert.ok(canary.latencyP99Seconds !== undefined && canary.latencyP99Seconds > 0.01, `canary p99 ${canary.latencyP99Seconds} in the 10-100 ms bucket`);
  assert.ok(stable.latencyP99Seconds !== undefined && stable.latencyP99Seconds <= 0.01, `stable p99 ${stable.latencyP99Seconds} in the first bucket`);
  const share = (c: Record<string, number> | undefined, k: string) => (c?.[k] ?? 0) / Object.values(c ?? {}).reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(share(stable.predictions?.['label'], '1') - 1 / 3) < 0.02, JSON.stringify(stable.predictions));
  assert.ok(Math.abs(share(canary.predictions?.['label'], '0') - 0.5) < 0.02, JSON.stringify(canary.predictions));
  assert.equal(canary.predictions?.['label']?.['2'], 0, 'a class that stopped growing reads 0, not absent');
  assert.equal(canary.predictions?.['label']?.['_unseen'], 0);

  const settings = rolloutSettings({ steps: [{ trafficPercent: 10 }], interval: 10, minRequests: 10, checks: { predictionDrift: { maxPsi: 0.2 } } });
  const decision = analyze({ settings, step: 0, heldMs: 0, observation: seen });
  assert.equal(decision.kind, 'rollback');
  assert.match(decision.kind === 'rollback' ? decision.message : '', /check predictionDrift failed \(maxPsi 0\.2\): output label/);
});

test('without a prediction check the classes are not queried; an unreachable Prometheus is no data, not an error', async () => {
  const o = await prometheusRolloutMetrics(prometheus!.url).observe({ namespace: NS, canary: CANARY, stable: STABLE, windowSeconds: 10 });
  assert.ok('canary' in o && !('predictions' in o.canary));
  const gone = await prometheusRolloutMetrics('http://127.0.0.1:1', 2000).observe({ namespace: NS, canary: CANARY, stable: STABLE, windowSeconds: 10, predictions: true });
  assert.match('noData' in gone ? gone.noData : '', /did not answer/);
});
