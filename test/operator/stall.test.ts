// The operator on a broken network path to the real API server: a loopback
// proxy (stall-proxy.ts) that keeps connections open and silent. A leader
// whose renewals hang stops leading at the renew deadline, before a standby
// takes the lease; an informer whose watch goes silent relists within its
// idle timeout, and readiness says so while it cannot.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dump, load } from 'js-yaml';
import { INFERENCE_SERVICES } from '../../operator/src/kube/resources.ts';
import { startStallProxy, type StallProxy } from './stall-proxy.ts';
import {
  LEASE_TIMING, createNamespace, eventually, isvc, predictorName, startOperator, startTestCluster, type OperatorProcess, type TestCluster,
} from './support.ts';

const { renewDeadlineS: RENEW_DEADLINE_S, retryPeriodS: RETRY_PERIOD_S } = LEASE_TIMING;
const NS = 'stall';

let tc: TestCluster;
const proxies: StallProxy[] = [];
const operators: OperatorProcess[] = [];

before(async () => {
  tc = await startTestCluster();
  await createNamespace(tc.admin, NS);
});

after(async () => {
  for (const op of operators) await op.kill('SIGKILL');
  for (const p of proxies) await p.close();
  await tc?.stop();
});

/** A proxy and a copy of the operator's kubeconfig that goes through it. */
async function throughProxy(name: string): Promise<{ proxy: StallProxy; kubeconfig: string }> {
  const proxy = await startStallProxy(new URL(tc.cluster.apiServerUrl));
  proxies.push(proxy);
  const config = load(readFileSync(tc.operatorKubeconfig, 'utf8')) as { clusters: Array<{ cluster: { server: string } }> };
  for (const c of config.clusters) c.cluster.server = proxy.url;
  const kubeconfig = join(tc.cluster.dataDir, `${name}-kubeconfig`);
  writeFileSync(kubeconfig, dump(config), { mode: 0o600 });
  return { proxy, kubeconfig };
}

async function start(kubeconfig: string, identity: string, args: string[] = []): Promise<OperatorProcess> {
  const op = await startOperator(kubeconfig, identity, args);
  operators.push(op);
  return op;
}

/** Timestamp (ms) of the first JSON log line with this message. */
function loggedAt(op: OperatorProcess, message: string): number | undefined {
  for (const line of op.logs) {
    if (!line.includes(message)) continue;
    try {
      const entry = JSON.parse(line) as { message?: string; timestamp?: string };
      if (entry.message === message && entry.timestamp !== undefined) return Date.parse(entry.timestamp);
    } catch { /* not JSON */ }
  }
  return undefined;
}

test('a leader whose lease renewals hang stops at the renew deadline, before the standby takes over', async () => {
  const { proxy, kubeconfig } = await throughProxy('lease');
  const a = await start(kubeconfig, 'op-stall-a');
  await eventually('op-stall-a to lead', async () => ((await a.isLeader()) ? true : undefined), { timeoutMs: 30_000, intervalMs: 100 });
  const b = await start(tc.operatorKubeconfig, 'op-stall-b');
  await eventually('op-stall-b caches synced', async () => ((await fetch(`${await b.baseUrl()}/readyz`)).status === 200 ? true : undefined));
  assert.equal(await b.isLeader(), false);

  const stalledAt = Date.now();
  proxy.freeze();
  proxy.holdNew(true);
  const code = await Promise.race([a.exited, new Promise<'running'>((r) => setTimeout(() => r('running'), 20_000))]);
  assert.equal(code, 1, 'the leader exits 1 once it lost the lease');
  await eventually('op-stall-b to lead', async () => ((await b.isLeader()) ? true : undefined), { timeoutMs: 30_000, intervalMs: 100 });

  const lostAt = loggedAt(a, 'lost leadership');
  const takenAt = loggedAt(b, 'became leader');
  assert.ok(lostAt !== undefined && takenAt !== undefined, `log lines missing:\n${a.logs.slice(-20).join('\n')}`);
  // The last renewal that went through started before the stall, so the
  // deadline fell at most RENEW_DEADLINE_S after it; one retry period of
  // margin for a loaded machine.
  const bound = (RENEW_DEADLINE_S + RETRY_PERIOD_S) * 1000;
  assert.ok(lostAt - stalledAt <= bound, `lost leadership ${lostAt - stalledAt} ms after the stall (bound ${bound} ms)`);
  assert.ok(lostAt < takenAt, `op-stall-a stopped at ${new Date(lostAt).toISOString()}, after op-stall-b took the lease at ${new Date(takenAt).toISOString()}`);
  await b.kill('SIGTERM');
});

test('a watch that stays open and goes silent is relisted within its idle timeout; readiness reports the stall', async () => {
  const IDLE_S = 4;
  const { proxy, kubeconfig } = await throughProxy('watch');
  const op = await start(kubeconfig, 'op-watch', ['--leader-elect', 'false', '--watch-idle-timeout-seconds', String(IDLE_S), '--watch-min-reconnect-gap-ms', '500']);
  const url = await op.baseUrl();
  await eventually('op-watch ready', async () => ((await fetch(`${url}/readyz`)).status === 200 ? true : undefined), { timeoutMs: 30_000, intervalMs: 100 });
  await tc.admin.create(INFERENCE_SERVICES, isvc(NS, 'before'));
  await eventually('before served', async () => (await predictorName(tc.admin, NS, 'before')) ?? undefined, { timeoutMs: 30_000, intervalMs: 200 });

  // Every open connection (the watches among them) goes silent; reconnects hang too.
  const silentAt = Date.now();
  proxy.freeze();
  proxy.holdNew(true);
  let reportedAfter: number | undefined;
  // Each watch's idle timer runs from its own last event, so the informers
  // report one by one: a watch whose last event came well before the freeze
  // may be reported sooner. The InferenceService watch had events just before
  // it (the status write of 'before'), so its report is the one timed.
  const reason = await eventually('readiness to report the InferenceService watch stalled', async () => {
    const res = await fetch(`${url}/readyz`);
    if (res.status !== 503) return undefined;
    const text = await res.text();
    if (!text.includes('inferenceservices')) return undefined;
    reportedAfter ??= Date.now() - silentAt;
    return text;
  }, { timeoutMs: (IDLE_S + 10) * 1000, intervalMs: 100 });
  assert.match(reason, /^not ready: watch stalled, no event or bookmark within the idle timeout, relisting: .*inferenceservices \(\d+ s\)/);
  assert.ok(reportedAfter !== undefined && reportedAfter >= (IDLE_S - 1) * 1000, `reported after ${reportedAfter} ms, before the idle timeout`);
  const metrics = await op.metrics();
  assert.equal(metrics.get('modelship_operator_watch_stalled{resource="inferenceservices"}'), 1);

  // Created while the operator cannot see it; once the path works again the relist finds it.
  await tc.admin.create(INFERENCE_SERVICES, isvc(NS, 'during'));
  const healedAt = Date.now();
  proxy.holdNew(false);
  // A relist may first pick a pooled keep-alive socket the freeze left half-open: the client's 30 s request timeout bounds that.
  await eventually('readiness back', async () => ((await fetch(`${url}/readyz`)).status === 200 ? true : undefined), { timeoutMs: 45_000, intervalMs: 100 });
  await eventually('the InferenceService created during the stall served', async () => (await predictorName(tc.admin, NS, 'during')) ?? undefined, { timeoutMs: 30_000, intervalMs: 200 });
  const relistedAfter = Date.now() - healedAt;
  const after = await op.metrics();
  assert.ok((after.get('modelship_operator_watch_idle_timeouts{resource="inferenceservices"}') ?? 0) >= 1);
  assert.equal(after.get('modelship_operator_watch_stalled{resource="inferenceservices"}'), 0);
  process.stderr.write(`# stall reported after ${reportedAfter} ms (idle timeout ${IDLE_S} s); served ${relistedAfter} ms after the path healed\n`);
  await op.kill('SIGTERM');
});
