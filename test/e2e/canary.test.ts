// The canary data-plane check (issue 4) in Service mode, on the local cluster
// where pods really run: iris v1 rolled out, v2 applied with
// canaryTrafficPercent 20, and 2,000 requests through the InferenceService's
// Service, one new connection each (the split is per connection, as with
// kube-proxy). The operator apportions 4 + 1 pods; a proxy that picks a ready
// endpoint uniformly per connection gives the canary 1/5 of them. Each answer
// is attributed to a revision by what the model returned (v1 is a logistic
// regression, v2 a random forest: their probabilities differ), and the
// proxy's own per-pod connection counts must tell the same story.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import type { InferenceService, PredictorSpec } from '../../operator/src/api/types.ts';
import { REVISION_LABEL } from '../../operator/src/canary/revision.ts';
import { ISVC_LABEL } from '../../operator/src/resources/labels.ts';
import { podReady } from '../localcluster/endpoints.ts';
import { REPO_ROOT, startLocalCluster, type LocalCluster } from '../localcluster/local-cluster.ts';
import { http, until } from '../localcluster/http.ts';

const NS = 'default';
const NAME = 'iris-split';
const CANARY_PERCENT = 20;
const REQUESTS = 2_000;
const CONCURRENCY = 8;
const TOLERANCE_POINTS = 3;
const LOAD_BUDGET_MS = 120_000;

interface Reference {
  inputs: unknown[];
  outputs: Array<{ name: string; data: number[] }>;
}
const readReference = (file: string) => JSON.parse(readFileSync(join(REPO_ROOT, 'examples/models', file), 'utf8')) as Reference;
const v1 = readReference('iris.reference.json');
const v2 = readReference('iris-v2.reference.json');
// Both references are computed on the same inputs, so one request tells the models apart.
assert.deepEqual(v1.inputs, v2.inputs);

const probabilities = (outputs: Reference['outputs']) => outputs.find((o) => o.name === 'probabilities')?.data ?? [];
const close = (a: number[], b: number[]) => a.length === b.length && a.every((x, i) => Math.abs(x - (b[i] ?? NaN)) < 1e-4);

/** Which model answered, from its probabilities; undefined when neither reference matches. */
function attribute(body: string): 'v1' | 'v2' | undefined {
  const got = probabilities((JSON.parse(body) as { outputs: Reference['outputs'] }).outputs);
  if (close(got, probabilities(v1.outputs))) return 'v1';
  if (close(got, probabilities(v2.outputs))) return 'v2';
  return undefined;
}

let local: LocalCluster;
before(async () => {
  local = await startLocalCluster({
    operatorArgs: ['--traffic-mode', 'service'],
    log: process.env['E2E_LOG'] ? (l) => console.error(l) : undefined,
  });
  await local.addModelStore(NS);
});
after(async () => {
  if (process.env['E2E_KEEP_LOGS']) console.error(`operator log: ${local?.operator?.tail(80)}`);
  await local?.stop();
});

/** kubectl apply of the InferenceService with this predictor, as a user would. */
async function apply(predictor: PredictorSpec): Promise<void> {
  const file = join(local.cluster.dataDir, `${NAME}.json`);
  const isvc = { apiVersion: 'serving.modelship.io/v1alpha1', kind: 'InferenceService', metadata: { name: NAME, namespace: NS }, spec: { predictor } };
  writeFileSync(file, JSON.stringify(isvc));
  await local.kubectl(['apply', '-f', file]);
}
const model = (name: string) => ({ modelFormat: { name: 'onnx' as const }, storageUri: `pvc://model-store/${name}/${name}.onnx` });

async function getIsvc(): Promise<InferenceService> {
  return JSON.parse(await local.kubectl(['get', 'inferenceservice', '-n', NS, NAME, '-o', 'json'])) as InferenceService;
}

async function pods(): Promise<V1Pod[]> {
  return (JSON.parse(await local.kubectl(['get', 'pods', '-n', NS, '-l', `${ISVC_LABEL}=${NAME}`, '-o', 'json'])) as { items: V1Pod[] }).items;
}

test('Service mode: 2,000 new connections at canaryTrafficPercent 20 -> the canary answers 20% +- 3 points', { timeout: 420_000 }, async () => {
  const started = Date.now();
  await apply({ model: model('iris') });
  const rolledOut = await until('v1 Ready and rolled out', 150_000, async () => {
    const isvc = await getIsvc();
    const ready = isvc.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
    const revision = isvc.status?.components?.predictor?.latestRolledoutRevision;
    return ready && revision ? revision : undefined;
  }, 500);
  const v1ReadyMs = Date.now() - started;

  await apply({ canaryTrafficPercent: CANARY_PERCENT, model: model('iris-v2') });
  // The split as status reports it, and the pods behind it: 4 of v1 and 1 of v2, all Ready, none leaving.
  const traffic = await until('status traffic 80/20', 150_000, async () => {
    const t = (await getIsvc()).status?.components?.predictor?.traffic ?? [];
    const prev = t.find((x) => x.revisionName === rolledOut);
    const latest = t.find((x) => x.latestRevision === true && x.revisionName !== rolledOut);
    return t.length === 2 && prev?.percent === 100 - CANARY_PERCENT && latest?.percent === CANARY_PERCENT ? { prev, latest } : undefined;
  }, 500);
  const canary = traffic.latest.revisionName as string;
  const byRevision = await until('4 + 1 Ready pods', 150_000, async () => {
    const all = await pods();
    if (all.some((p) => p.metadata?.deletionTimestamp !== undefined || !podReady(p))) return undefined;
    const of = (r: string) => all.filter((p) => p.metadata?.labels?.[REVISION_LABEL] === r);
    return of(rolledOut).length === 4 && of(canary).length === 1 && all.length === 5 ? new Map(all.map((p) => [p.metadata?.name ?? '', p.metadata?.labels?.[REVISION_LABEL]])) : undefined;
  }, 500);
  for (const p of await pods()) assert.match(p.status?.podIP ?? '', /^127\./, 'pods listen on loopback only');
  const splitReadyMs = Date.now() - started;

  const url = await until('the Service on the proxy', 30_000, async () => local.proxy.url(NS, NAME));
  assert.match(url, /^http:\/\/127\./);
  const infer = `${url}/v2/models/${NAME}/infer`;
  // The proxy resolves endpoints from its own Pod watch: it may see the fifth Ready pod a moment after
  // the API does. The per-pod counts below check that every pod was in its choice.
  await until('the canary answering through the Service', 30_000, async () => {
    const reply = await http(infer, { inputs: v1.inputs });
    return reply.status === 200 && attribute(reply.body) === 'v2' ? true : undefined;
  }, 50);

  const before = new Map(local.proxy.connections);
  const counts = { v1: 0, v2: 0, unknown: 0, failed: 0 };
  const failures: string[] = [];
  const loadStarted = Date.now();
  const deadline = loadStarted + LOAD_BUDGET_MS;
  let next = 0;
  const worker = async () => {
    while (next < REQUESTS && Date.now() < deadline) {
      next++;
      const reply = await http(infer, { inputs: v1.inputs }, 10_000).catch((err: Error) => ({ status: 0, body: err.message }));
      const who = reply.status === 200 ? attribute(reply.body) : undefined;
      if (who) counts[who]++;
      else {
        counts[reply.status === 200 ? 'unknown' : 'failed']++;
        if (failures.length < 5) failures.push(`${reply.status}: ${reply.body.slice(0, 200)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const loadMs = Date.now() - loadStarted;

  const perPod = [...byRevision].map(([pod, revision]) => ({ pod, revision, connections: (local.proxy.connections.get(pod) ?? 0) - (before.get(pod) ?? 0) }));
  const answered = counts.v1 + counts.v2;
  const share = (100 * counts.v2) / answered;
  console.log(`canary split (Service mode, ${CANARY_PERCENT}% requested, 4 + 1 pods): ${counts.v2} of ${answered} answers from the canary = ${share.toFixed(2)}% ` +
    `(v1 ${counts.v1}, unattributed ${counts.unknown}, failed ${counts.failed}); ${REQUESTS} requests in ${loadMs} ms at concurrency ${CONCURRENCY} ` +
    `(${Math.round((1000 * answered) / loadMs)}/s); v1 Ready after ${v1ReadyMs} ms, 4 + 1 pods Ready after ${splitReadyMs} ms`);
  console.log(`connections per pod: ${perPod.map((p) => `${p.pod} (${p.revision === canary ? 'canary' : 'v1'}) ${p.connections}`).join(', ')}`);

  assert.equal(counts.v1 + counts.v2 + counts.unknown + counts.failed, REQUESTS, `all ${REQUESTS} requests sent within ${LOAD_BUDGET_MS} ms`);
  assert.deepEqual({ unknown: counts.unknown, failed: counts.failed }, { unknown: 0, failed: 0 }, `every request answered by v1 or v2: ${failures.join('; ')}`);
  assert.ok(Math.abs(share - CANARY_PERCENT) <= TOLERANCE_POINTS, `canary share ${share.toFixed(2)}% is within ${TOLERANCE_POINTS} points of ${CANARY_PERCENT}%`);
  // What the models said and where the proxy sent each connection agree, and every pod took part.
  const canaryConnections = perPod.filter((p) => p.revision === canary).reduce((n, p) => n + p.connections, 0);
  assert.equal(canaryConnections, counts.v2, 'answers from v2 = connections to the canary pod');
  assert.equal(perPod.reduce((n, p) => n + p.connections, 0), REQUESTS, 'one connection per request');
  for (const p of perPod) assert.ok(p.connections > 0, `pod ${p.pod} received connections`);
});
