// Canary rollouts on the real control plane (kube-apiserver, etcd and
// kube-controller-manager, so Deployments get ReplicaSets and pods, and
// retired revisions are garbage collected), with the Gateway API and Istio
// VirtualService CRDs from their upstream modules installed. No kubelet runs:
// the test plays it, setting pod readiness (or a model load failure) through
// the pods/status subresource. The operator runs in this process.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import type { V1Deployment, V1Pod, V1Service } from '@kubernetes/client-node';
import type { InferenceService, InferenceServiceStatus, PredictorSpec } from '../../operator/src/api/types.ts';
import { API_VERSION, KIND } from '../../operator/src/api/schema.ts';
import { buildGrpcRoute, type GrpcRoute } from '../../operator/src/canary/grpcroute.ts';
import { buildHttpRoute, type HttpRoute } from '../../operator/src/canary/httproute.ts';
import { TRAFFIC_MODE_ANNOTATION } from '../../operator/src/canary/mode.ts';
import { REVISION_LABEL, SHADOW_VARIANT, SPLIT_LABEL, VARIANT_LABEL } from '../../operator/src/canary/revision.ts';
import { buildVirtualService, type VirtualService } from '../../operator/src/canary/virtualservice.ts';
import type { PlannedRevision } from '../../operator/src/canary/plan.ts';
import { revisionName } from '../../operator/src/canary/revision.ts';
import { DEFAULT_BUILD_CONFIG } from '../../operator/src/settings.ts';
import { defaulted } from '../operator/unit-support/fixtures.ts';
import { loadConfig } from '../../operator/src/config.ts';
import { Controller } from '../../operator/src/controller/controller.ts';
import { HttpKubeClient, type KubeObject } from '../../operator/src/kube/client.ts';
import { loadConnection } from '../../operator/src/kube/kubeconfig.ts';
import { DEPLOYMENTS, EVENTS, GRPC_ROUTES, HPAS, HTTP_ROUTES, INFERENCE_SERVICES, PODS, SERVICES, VIRTUAL_SERVICES } from '../../operator/src/kube/resources.ts';
import { binaryPath } from '../cluster/binaries.ts';
import { eventually } from '../cluster/eventually.ts';
import { startCluster, type Cluster } from '../cluster/harness.ts';
import { startInProcessOperator, writesAcrossResync, type InProcessOperator } from './in-process-operator.ts';
import { trafficCrdPaths } from './traffic-crds.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const WAIT = { timeoutMs: 45_000, intervalMs: 200 };

let cluster: Cluster;
let client: HttpKubeClient;
let controller: Controller;
let metrics: InProcessOperator['metrics'];
let operator: InProcessOperator | undefined;

before(async () => {
  cluster = await startCluster({
    controllerManager: true,
    crdPaths: [resolve(ROOT, 'crds/serving.modelship.io_inferenceservices.yaml'), ...trafficCrdPaths()],
  });
  client = new HttpKubeClient(loadConnection(cluster.kubeconfigPath));
  operator = await startInProcessOperator(loadConnection(cluster.kubeconfigPath), loadConfig(['--leader-elect', 'false', '--resync-seconds', '4', '--allow-traffic-mode-annotation', 'true'], {}), 'canary-test');
  assert.deepEqual(operator.config.traffic.installed, { gatewayApi: true, grpcRoute: true, istio: true }, 'discovery finds every traffic CRD');
  ({ controller, metrics } = operator);
});

after(async () => {
  await operator?.stop();
  client?.close();
  await cluster?.stop();
});

const model = (version: string) => ({ model: { modelFormat: { name: 'onnx' as const }, storageUri: `s3://models/iris-${version}.onnx` } });

async function namespace(name: string): Promise<void> {
  await client.create({ group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace', namespaced: false }, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
}

/** Creates or updates the InferenceService's spec (a user's kubectl apply). */
async function apply(ns: string, name: string, predictor: PredictorSpec, annotations?: Record<string, string>, extra: Omit<InferenceService['spec'], 'predictor'> = {}): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = await client.get<InferenceService>(INFERENCE_SERVICES, ns, name);
    const body: InferenceService = current === undefined
      ? { apiVersion: API_VERSION, kind: KIND, metadata: { name, namespace: ns, ...(annotations ? { annotations } : {}) }, spec: { predictor, ...extra } }
      : { ...current, spec: { predictor, ...extra } };
    try {
      await (current === undefined ? client.create(INFERENCE_SERVICES, body) : client.update(INFERENCE_SERVICES, body));
      return;
    } catch (err) {
      if (attempt === 4) throw err;
    }
  }
}

const status = async (ns: string, name: string): Promise<InferenceServiceStatus> => (await client.get<InferenceService>(INFERENCE_SERVICES, ns, name))?.status ?? {};

/** The revision the current spec maps to, once the operator recorded it for this generation. */
async function latestRevision(ns: string, name: string): Promise<string> {
  return await eventually(`${ns}/${name} latestCreatedRevision`, async () => {
    const o = await client.get<InferenceService>(INFERENCE_SERVICES, ns, name);
    return o?.status?.observedGeneration === o?.metadata.generation ? o?.status?.components?.predictor?.latestCreatedRevision : undefined;
  }, WAIT);
}

/** Plays the kubelet: marks `ready` pods of a revision Ready, or makes them fail to load the model. */
async function setPods(ns: string, revision: string, count: number, outcome: 'ready' | 'failed'): Promise<void> {
  const pods = await eventually(`${count} pod(s) of ${revision}`, async () => {
    const items = (await client.list<V1Pod>(PODS, { namespace: ns, labelSelector: `${REVISION_LABEL}=${revision}` })).items
      .filter((p) => p.metadata?.deletionTimestamp === undefined);
    return items.length >= count ? items.slice(0, count) : undefined;
  }, WAIT);
  const now = new Date().toISOString();
  for (const pod of pods) {
    const next = outcome === 'ready'
      ? { phase: 'Running', conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: now }, { type: 'Ready', status: 'True', lastTransitionTime: now }] }
      : {
          phase: 'Running',
          conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: now }, { type: 'Ready', status: 'False', lastTransitionTime: now }],
          containerStatuses: [{
            name: 'model-server', ready: false, restartCount: 3, image: 'ghcr.io/modelship/runtime:0.1.0', imageID: '',
            state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container' } },
            lastState: { terminated: { exitCode: 1, reason: 'Error', message: 'failed to load model: protobuf parsing failed', startedAt: now, finishedAt: now } },
          }],
        };
    await client.updateStatus(PODS, { ...pod, status: { ...pod.status, ...next } } as KubeObject);
  }
}

const routeWeights = async (ns: string, name: string): Promise<Record<string, number> | undefined> => {
  const route = await client.get<HttpRoute>(HTTP_ROUTES, ns, name);
  return route === undefined ? undefined : Object.fromEntries(route.spec.rules.at(-1)!.backendRefs.map((b) => [b.name, b.weight]));
};

/** The GRPCRoute's split (the same weights over the revisions' grpc Service ports), as routeWeights reads the HTTPRoute's. */
const grpcRouteWeights = async (ns: string, name: string): Promise<Record<string, number> | undefined> => {
  const route = await client.get<GrpcRoute>(GRPC_ROUTES, ns, name);
  return route === undefined ? undefined : Object.fromEntries(route.spec.rules.at(-1)!.backendRefs.map((b) => [`${b.name}:${b.port}`, b.weight]));
};

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

async function expectWeights(ns: string, name: string, want: Record<string, number>, read = routeWeights): Promise<void> {
  let last: unknown;
  try {
    await eventually(`weights ${JSON.stringify(want)}`, async () => {
      last = await read(ns, name);
      return same(last, want) ? true : undefined;
    }, WAIT);
  } catch (err) {
    throw new Error(`${(err as Error).message}; last seen ${JSON.stringify(last)}; status ${JSON.stringify((await status(ns, name)).conditions)}`);
  }
}

/** PREV and LATEST as kubectl prints them (the CRD's printer columns, evaluated by the API server). */
function printed(ns: string, name: string): { prev: string; latest: string } {
  const table = execFileSync(binaryPath('kubectl'), ['--kubeconfig', cluster.kubeconfigPath, 'get', 'isvc', name, '-n', ns], { encoding: 'utf8' }).trim().split('\n');
  // Columns are aligned under their headers; an empty cell is blank.
  const [header = '', row = ''] = table;
  const cell = (column: string, next: string) => row.slice(header.indexOf(column), header.indexOf(next)).trim();
  return { prev: cell('PREV', 'LATEST'), latest: cell('LATEST', 'VARIANTS') };
}

async function expectPrinted(ns: string, name: string, want: { prev: string; latest: string }): Promise<void> {
  let last: unknown;
  try {
    await eventually(`kubectl PREV ${want.prev} LATEST ${want.latest}`, async () => (same((last = printed(ns, name)), want) ? true : undefined), WAIT);
  } catch (err) {
    throw new Error(`${(err as Error).message}; last printed ${JSON.stringify(last)}`);
  }
}

/** A new namespace whose InferenceService `iris` serves v1 with all traffic; returns v1's revision. */
async function servingV1(ns: string, annotations?: Record<string, string>): Promise<string> {
  await namespace(ns);
  await apply(ns, 'iris', model('v1'), annotations);
  const v1 = await latestRevision(ns, 'iris');
  await setPods(ns, v1, 1, 'ready');
  await eventually('v1 rolled out', async () => ((await status(ns, 'iris')).components?.predictor?.latestRolledoutRevision === v1 ? true : undefined), WAIT);
  return v1;
}

const deploymentNames = async (ns: string) => (await client.list<V1Deployment>(DEPLOYMENTS, { namespace: ns, labelSelector: REVISION_LABEL })).items.map((d) => d.metadata!.name!).sort();

test('Gateway API: 10 -> 50 -> 100, readiness gating, and the old revision removed only after promotion', async () => {
  const ns = 'gw';
  await namespace(ns);
  await apply(ns, 'iris', model('v1'));
  const v1 = await latestRevision(ns, 'iris');
  await expectWeights(ns, 'iris', { [v1]: 0 });
  const route = (await client.get<HttpRoute>(HTTP_ROUTES, ns, 'iris'))!;
  assert.deepEqual(route.spec.parentRefs.map((p) => `${p.namespace}/${p.name}`), ['modelship-system/modelship-gateway']);
  await setPods(ns, v1, 1, 'ready');
  await expectWeights(ns, 'iris', { [v1]: 100 });
  await expectPrinted(ns, 'iris', { prev: '', latest: '100' });

  await apply(ns, 'iris', { ...model('v2'), canaryTrafficPercent: 10 });
  const v2 = await latestRevision(ns, 'iris');
  assert.notEqual(v2, v1);
  // The canary's pods exist but are not Ready: it gets nothing.
  await eventually('the canary pod', async () => ((await client.list<V1Pod>(PODS, { namespace: ns, labelSelector: `${REVISION_LABEL}=${v2}` })).items.length > 0 ? true : undefined), WAIT);
  await expectWeights(ns, 'iris', { [v1]: 100, [v2]: 0 });
  await eventually('TrafficReady CanaryNotReady', async () =>
    ((await status(ns, 'iris')).conditions?.find((c) => c.type === 'TrafficReady')?.reason === 'CanaryNotReady' ? true : undefined), WAIT);
  // Each revision has its own Service selecting only its pods (its stable address).
  const own = (await client.get<V1Service>(SERVICES, ns, v2))!;
  assert.equal(own.spec!.selector![REVISION_LABEL], v2);

  await setPods(ns, v2, 1, 'ready');
  await expectWeights(ns, 'iris', { [v1]: 90, [v2]: 10 });
  // gRPC clients are split the same way, through the GRPCRoute on the revisions' grpc ports.
  await expectWeights(ns, 'iris', { [`${v1}:8081`]: 90, [`${v2}:8081`]: 10 }, grpcRouteWeights);
  await expectPrinted(ns, 'iris', { prev: '90', latest: '10' });
  const s = await status(ns, 'iris');
  assert.equal(s.components!.predictor!.latestRolledoutRevision, v1);
  assert.equal(s.components!.predictor!.latestReadyRevision, v2);
  assert.deepEqual(s.components!.predictor!.traffic!.map((t) => [t.revisionName, t.percent, t.latestRevision, t.url]), [
    [v1, 90, false, `http://${v1}.${ns}.svc.cluster.local`],
    [v2, 10, true, `http://${v2}.${ns}.svc.cluster.local`],
  ]);

  await apply(ns, 'iris', { ...model('v2'), canaryTrafficPercent: 50 });
  await expectWeights(ns, 'iris', { [v1]: 50, [v2]: 50 });
  assert.deepEqual(await deploymentNames(ns), [v1, v2].sort(), 'a percent edit makes no revision');

  await apply(ns, 'iris', { ...model('v2'), canaryTrafficPercent: 100 });
  await expectWeights(ns, 'iris', { [v2]: 100 });
  await expectWeights(ns, 'iris', { [`${v2}:8081`]: 100 }, grpcRouteWeights);
  await eventually('the old revision removed', async () => (same(await deploymentNames(ns), [v2]) ? true : undefined), WAIT);
  await eventually('the old revision\'s pods garbage collected', async () =>
    ((await client.list<V1Pod>(PODS, { namespace: ns, labelSelector: `${REVISION_LABEL}=${v1}` })).items.length === 0 ? true : undefined), WAIT);
  const promoted = await eventually('v2 rolled out in status', async () => {
    const current = await status(ns, 'iris');
    return current.components?.predictor?.latestRolledoutRevision === v2 ? current : undefined;
  }, WAIT);
  assert.equal(promoted.components!.predictor!.latestRolledoutRevision, v2);
  assert.equal(promoted.components!.predictor!.previousRolledoutRevision, v1);
  await expectPrinted(ns, 'iris', { prev: '', latest: '100' });

  // Steady state with a route: reconciling again writes nothing (server defaults in the
  // HTTPRoute, the revision objects and the status are not mistaken for drift).
  const writes = async () => (await metrics.apiRequests.get()).values
    .filter((v) => ['create', 'update', 'patch', 'delete'].includes(String(v.labels.verb)) && v.labels.resource !== 'events')
    .reduce((sum, v) => sum + v.value, 0);
  assert.equal(await writesAcrossResync(operator!, writes), 0, 'no writes at steady state, across a resync (4 s here)');
});

test('Gateway API: 30 -> 0 rolls back, removing the field promotes, a reverted spec returns without a rollout', async () => {
  const ns = 'rollback';
  const v1 = await servingV1(ns);
  await expectWeights(ns, 'iris', { [v1]: 100 });

  await apply(ns, 'iris', { ...model('v2'), canaryTrafficPercent: 30 });
  const v2 = await latestRevision(ns, 'iris');
  await setPods(ns, v2, 1, 'ready');
  await expectWeights(ns, 'iris', { [v1]: 70, [v2]: 30 });

  await apply(ns, 'iris', { ...model('v2'), canaryTrafficPercent: 0 });
  await expectWeights(ns, 'iris', { [v1]: 100, [v2]: 0 });
  await expectPrinted(ns, 'iris', { prev: '100', latest: '0' });
  assert.deepEqual(await deploymentNames(ns), [v1, v2].sort(), 'the rolled-back canary keeps running for inspection');

  // Back to 30, then the spec reverts to v1: v1 takes everything again, no new revision.
  await apply(ns, 'iris', { ...model('v2'), canaryTrafficPercent: 30 });
  await expectWeights(ns, 'iris', { [v1]: 70, [v2]: 30 });
  await apply(ns, 'iris', { ...model('v1'), canaryTrafficPercent: 30 });
  assert.equal(await latestRevision(ns, 'iris'), v1);
  await expectWeights(ns, 'iris', { [v1]: 100 });
  await eventually('the canary retired', async () => (same(await deploymentNames(ns), [v1]) ? true : undefined), WAIT);

  // v2 again as a canary, then the field removed: promoted once Ready.
  await apply(ns, 'iris', { ...model('v2'), canaryTrafficPercent: 30 });
  const v2again = await latestRevision(ns, 'iris');
  assert.equal(v2again, v2, 'the same spec is the same revision');
  await setPods(ns, v2, 1, 'ready');
  await expectWeights(ns, 'iris', { [v1]: 70, [v2]: 30 });
  await apply(ns, 'iris', model('v2'));
  await expectWeights(ns, 'iris', { [v2]: 100 });
  await eventually('v1 retired', async () => (same(await deploymentNames(ns), [v2]) ? true : undefined), WAIT);
});

test('a canary whose model fails to load keeps traffic on the previous revision, says why in status and raises an Event', async () => {
  const ns = 'broken';
  const v1 = await servingV1(ns);
  await expectWeights(ns, 'iris', { [v1]: 100 });

  await apply(ns, 'iris', { ...model('v2'), canaryTrafficPercent: 20 });
  const v2 = await latestRevision(ns, 'iris');
  await setPods(ns, v2, 1, 'failed');
  const condition = await eventually('TrafficReady CanaryFailed', async () => {
    const c = (await status(ns, 'iris')).conditions?.find((x) => x.type === 'TrafficReady');
    return c?.reason === 'CanaryFailed' ? c : undefined;
  }, WAIT);
  assert.match(condition.message!, /protobuf parsing failed/);
  assert.deepEqual(await routeWeights(ns, 'iris'), { [v1]: 100, [v2]: 0 });
  const s = await status(ns, 'iris');
  assert.equal(s.modelStatus!.states!.activeModelState, 'Loaded');
  assert.equal(s.modelStatus!.states!.targetModelState, 'FailedToLoad');
  assert.equal(s.modelStatus!.transitionStatus, 'BlockedByFailedLoad');
  const event = await eventually('a CanaryFailed Event', async () =>
    (await client.list<KubeObject & { reason?: string; type?: string; message?: string }>(EVENTS, { namespace: ns })).items.find((e) => e.reason === 'CanaryFailed'), WAIT);
  assert.equal(event.type, 'Warning');
  // Promoting a broken canary does not move traffic either.
  await apply(ns, 'iris', model('v2'));
  await eventually('PromotionPending or CanaryFailed', async () =>
    (await status(ns, 'iris')).components?.predictor?.latestCreatedRevision === v2 ? true : undefined, WAIT);
  await expectWeights(ns, 'iris', { [v1]: 100, [v2]: 0 });
});

test('Istio: the VirtualService splits by weight across the revision Services', async () => {
  const ns = 'istio';
  const v1 = await servingV1(ns, { [TRAFFIC_MODE_ANNOTATION]: 'istio' });
  const vsWeights = async (n: string, name: string) => {
    const vs = await client.get<VirtualService>(VIRTUAL_SERVICES, n, name);
    return vs === undefined ? undefined : Object.fromEntries(vs.spec.http.at(-1)!.route.map((r) => [r.destination.host.split('.')[0], r.weight ?? 100]));
  };
  await expectWeights(ns, 'iris', { [v1]: 100 }, vsWeights);
  await apply(ns, 'iris', { ...model('v2'), canaryTrafficPercent: 10 });
  const v2 = await latestRevision(ns, 'iris');
  await setPods(ns, v2, 1, 'ready');
  await expectWeights(ns, 'iris', { [v1]: 90, [v2]: 10 }, vsWeights);
  assert.equal(await client.get(HTTP_ROUTES, ns, 'iris'), undefined, 'no HTTPRoute in Istio mode');
  assert.equal(await client.get(GRPC_ROUTES, ns, 'iris'), undefined, 'no GRPCRoute in Istio mode');
  // The gRPC port has its own routes, matched by port, with the same weights.
  const vs = (await client.get<VirtualService>(VIRTUAL_SERVICES, ns, 'iris'))!;
  const grpcSplit = vs.spec.http.find((r) => r.name === 'grpc-split')!;
  assert.deepEqual(grpcSplit.match, [{ port: 8081 }]);
  assert.deepEqual(grpcSplit.route.map((r) => [r.destination.host.split('.')[0], r.destination.port.number, r.weight]), [[v1, 8081, 90], [v2, 8081, 10]]);
});

test('Service mode: the shared Service selects both revisions only once the canary is Ready, with pods apportioned', async () => {
  const ns = 'svc';
  const v1 = await servingV1(ns, { [TRAFFIC_MODE_ANNOTATION]: 'service' });
  const selector = async () => (await client.get<V1Service>(SERVICES, ns, 'iris'))!.spec!.selector!;
  await eventually('the Service selects v1', async () => ((await selector())[REVISION_LABEL] === v1 ? true : undefined), WAIT);
  await apply(ns, 'iris', { ...model('v2'), canaryTrafficPercent: 20 });
  const v2 = await latestRevision(ns, 'iris');
  const replicas = async (name: string) => (await client.get<V1Deployment>(DEPLOYMENTS, ns, name))?.spec?.replicas;
  await eventually('4 + 1 replicas', async () => ((await replicas(v1)) === 4 && (await replicas(v2)) === 1 ? true : undefined), WAIT);
  assert.equal((await selector())[REVISION_LABEL], v1, 'the canary is not behind the Service before it is Ready');
  await setPods(ns, v1, 4, 'ready');
  await setPods(ns, v2, 1, 'ready');
  await eventually('the Service selects both revisions', async () => ((await selector())[REVISION_LABEL] === undefined ? true : undefined), WAIT);
  // The status is written after the Service in the same pass.
  const s = await eventually('status traffic 80/20', async () => {
    const current = await status(ns, 'iris');
    return same(current.components?.predictor?.traffic?.map((t) => t.percent), [80, 20]) ? current : undefined;
  }, WAIT);
  assert.match(s.conditions!.find((c) => c.type === 'TrafficReady')!.message!, /service mode apportions pods: 4 \+ 1/);
});

test('Service mode: a rollback hands the rolled-out revision back to its HPA without resetting its replicas', async () => {
  const ns = 'svc-hpa';
  const annotations = { [TRAFFIC_MODE_ANNOTATION]: 'service' };
  // maxReplicas above the 8 pods the split gives: the real HPA controller clamps replicas above
  // maxReplicas at once (before any metric), which would race the check below.
  const scaled = { minReplicas: 2, maxReplicas: 10 };
  await namespace(ns);
  await apply(ns, 'iris', { ...model('v1'), ...scaled }, annotations);
  const v1 = await latestRevision(ns, 'iris');
  await setPods(ns, v1, 2, 'ready');
  await eventually('v1 rolled out', async () => ((await status(ns, 'iris')).components?.predictor?.latestRolledoutRevision === v1 ? true : undefined), WAIT);
  const replicas = async (name: string) => (await client.get<V1Deployment>(DEPLOYMENTS, ns, name))?.spec?.replicas;
  await apply(ns, 'iris', { ...model('v2'), ...scaled, canaryTrafficPercent: 20 });
  const v2 = await latestRevision(ns, 'iris');
  // 20% with at least 2 pods a side: 8 + 2, fixed, no HPAs.
  await eventually('8 + 2 replicas', async () => ((await replicas(v1)) === 8 && (await replicas(v2)) === 2 ? true : undefined), WAIT);
  assert.equal(await client.get(HPAS, ns, v1), undefined);
  await apply(ns, 'iris', { ...model('v2'), ...scaled, canaryTrafficPercent: 0 });
  await eventually('v1 autoscaled again', async () => ((await client.get(HPAS, ns, v1)) !== undefined ? true : undefined), WAIT);
  // Server-side apply resets a field its last manager gives up; the operator hands it over first.
  for (let i = 0; i < 10; i++) {
    assert.equal(await replicas(v1), 8, 'the rolled-out revision keeps its pods when the HPA takes over');
    await new Promise((r) => setTimeout(r, 200));
  }
});

// A/B/N variants and the shadow (operator/src/canary/variants.ts). The API
// server validates every object the operator writes against the installed
// Gateway API and Istio CRDs, so a 3-way split with header pins and a mirror
// that reaches the expected state was accepted by the real schemas.
const variants = (shadowPercent = 25): Omit<InferenceService['spec'], 'predictor'> => ({
  variants: [{ name: 'b', trafficPercent: 20, predictor: model('v2') }, { name: 'c', trafficPercent: 30, predictor: model('v3') }],
  shadow: { percent: shadowPercent, predictor: model('v4') },
});

/** Revision name per variant (and `main`), from status once the operator recorded this generation. */
async function variantRevisions(ns: string): Promise<Record<string, string>> {
  return await eventually('variant revisions in status', async () => {
    const o = await client.get<InferenceService>(INFERENCE_SERVICES, ns, 'iris');
    if (o?.status?.observedGeneration !== o?.metadata.generation) return undefined;
    const traffic = o?.status?.components?.predictor?.traffic ?? [];
    const out = Object.fromEntries(traffic.map((t) => [t.variant ?? (t.latestRevision === true ? 'main' : 'prev'), t.revisionName ?? '']));
    return out['b'] !== undefined && out[SHADOW_VARIANT] !== undefined ? out : undefined;
  }, WAIT);
}

test('Gateway API: a 3-way split with header pins and a mirrored shadow, accepted by the real CRDs; kubectl prints the variants', async () => {
  const ns = 'variants-gw';
  const v1 = await servingV1(ns);
  await apply(ns, 'iris', model('v1'), undefined, { ...variants(), routing: { variantHeader: 'x-experiment' } });
  const r = await variantRevisions(ns);
  assert.equal(r['main'], v1, 'adding variants leaves the main revision as it is');
  // Unready variants keep no weight; their shares stay with the main predictor.
  await expectWeights(ns, 'iris', { [v1]: 100, [r['b']!]: 0, [r['c']!]: 0 });
  for (const v of ['b', 'c', SHADOW_VARIANT]) await setPods(ns, r[v]!, 1, 'ready');
  await expectWeights(ns, 'iris', { [v1]: 50, [r['b']!]: 20, [r['c']!]: 30 });
  await expectWeights(ns, 'iris', { [`${v1}:8081`]: 50, [`${r['b']}:8081`]: 20, [`${r['c']}:8081`]: 30 }, grpcRouteWeights);
  const route = (await client.get<HttpRoute>(HTTP_ROUTES, ns, 'iris'))!;
  await eventually('the mirror filter', async () => ((await client.get<HttpRoute>(HTTP_ROUTES, ns, 'iris'))!.spec.rules.at(-1)!.filters?.[0]?.requestMirror.percent === 25 ? true : undefined), WAIT);
  const mirrored = (await client.get<HttpRoute>(HTTP_ROUTES, ns, 'iris'))!.spec.rules.at(-1)!.filters![0]!;
  assert.deepEqual(mirrored.requestMirror.backendRef, { group: '', kind: 'Service', name: r[SHADOW_VARIANT], port: 80 });
  const pins = route.spec.rules.flatMap((x) => x.matches[0]?.headers?.filter((h) => h.name === 'x-experiment').map((h) => `${h.value}->${x.backendRefs.map((b) => b.name).join('+')}`) ?? []);
  assert.deepEqual(pins, [`b->${r['b']}`, `c->${r['c']}`, `shadow->${r[SHADOW_VARIANT]}`, `main->${v1}`]);
  // The route is written before the status in a pass: wait for the status of the pass that wrote it.
  const p = await eventually('the variants in status', async () => {
    const predictor = (await status(ns, 'iris')).components!.predictor!;
    return predictor.variants === 'b=20 c=30 shadow=25' ? predictor : undefined;
  }, WAIT);
  assert.deepEqual({ ...p.shadow, url: undefined }, { revisionName: r[SHADOW_VARIANT], percent: 25, mechanism: 'gatewayApi', url: undefined });
  const table = execFileSync(binaryPath('kubectl'), ['--kubeconfig', cluster.kubeconfigPath, 'get', 'isvc', 'iris', '-n', ns], { encoding: 'utf8' });
  assert.match(table, /VARIANTS/);
  assert.match(table, /b=20 c=30 shadow=25/);
  // Pods and objects of a variant carry its name (bounded: at most five per InferenceService).
  const d = (await client.get<V1Deployment>(DEPLOYMENTS, ns, r['b']!))!;
  assert.equal(d.spec!.template.metadata!.labels![VARIANT_LABEL], 'b');
  // Removing the variants retires their revisions; the main one keeps everything.
  await apply(ns, 'iris', model('v1'));
  await expectWeights(ns, 'iris', { [v1]: 100 });
  await eventually('variant revisions deleted', async () => (same(await deploymentNames(ns), [v1]) ? true : undefined), WAIT);
});

test('Istio: the VirtualService carries the 3-way split, the pins and the mirror with mirrorPercentage', async () => {
  const ns = 'variants-istio';
  const v1 = await servingV1(ns, { [TRAFFIC_MODE_ANNOTATION]: 'istio' });
  await apply(ns, 'iris', model('v1'), undefined, variants(40));
  const r = await variantRevisions(ns);
  for (const v of ['b', 'c', SHADOW_VARIANT]) await setPods(ns, r[v]!, 1, 'ready');
  const vs = await eventually('the mirrored split', async () => {
    const o = await client.get<VirtualService>(VIRTUAL_SERVICES, ns, 'iris');
    return o?.spec.http.at(-1)?.mirrorPercentage?.value === 40 ? o : undefined;
  }, WAIT);
  const split = vs.spec.http.at(-1)!;
  assert.deepEqual(split.route.map((x) => [x.destination.host.split('.')[0], x.weight]), [[v1, 50], [r['b'], 20], [r['c'], 30]]);
  assert.equal(split.mirror!.host.split('.')[0], r[SHADOW_VARIANT]);
  assert.deepEqual(vs.spec.http.find((x) => x.name === 'variant-c')!.match, [{ headers: { 'x-modelship-variant': { exact: 'c' } } }]);
  // Status is written after the VirtualService in a pass.
  await eventually('the shadow mechanism in status', async () => ((await status(ns, 'iris')).components?.predictor?.shadow?.mechanism === 'istio' ? true : undefined), WAIT);
});

test('Service mode: pods apportioned over 3 revisions, the shared Service selects the split by label, never the shadow', async () => {
  const ns = 'variants-svc';
  await servingV1(ns, { [TRAFFIC_MODE_ANNOTATION]: 'service' });
  await apply(ns, 'iris', model('v1'), undefined, variants());
  const r = await variantRevisions(ns);
  const replicas = async (name: string) => (await client.get<V1Deployment>(DEPLOYMENTS, ns, name))?.spec?.replicas;
  await eventually('5 + 2 + 3 replicas', async () => ((await replicas(r['main']!)) === 5 && (await replicas(r['b']!)) === 2 && (await replicas(r['c']!)) === 3 ? true : undefined), WAIT);
  await setPods(ns, r['main']!, 5, 'ready');
  await setPods(ns, r['b']!, 2, 'ready');
  await setPods(ns, r['c']!, 3, 'ready');
  await setPods(ns, r[SHADOW_VARIANT]!, 1, 'ready');
  const selector = await eventually('the Service selects the split label', async () => {
    const sel = (await client.get<V1Service>(SERVICES, ns, 'iris'))!.spec!.selector!;
    return sel[SPLIT_LABEL] === 'true' ? sel : undefined;
  }, WAIT);
  const selected = (await client.list<V1Pod>(PODS, { namespace: ns, labelSelector: Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(',') })).items;
  const revisionsSelected = new Set(selected.map((pod) => pod.metadata!.labels![REVISION_LABEL]));
  assert.deepEqual([...revisionsSelected].sort(), [r['main'], r['b'], r['c']].sort());
  const s = await eventually('status traffic 50/20/30', async () => {
    const current = await status(ns, 'iris');
    return same(current.components?.predictor?.traffic?.map((t) => t.percent), [50, 20, 30, 0]) ? current : undefined;
  }, WAIT);
  assert.equal(s.components!.predictor!.shadow!.mechanism, 'runtime');
});

test('the CRD refuses variants whose shares exceed 100, reserved or duplicate names, and a canaryTrafficPercent inside a variant', async () => {
  const ns = 'variants-invalid';
  await namespace(ns);
  const refused = async (extra: Omit<InferenceService['spec'], 'predictor'>, message: RegExp) => {
    const body: InferenceService = { apiVersion: API_VERSION, kind: KIND, metadata: { name: 'iris', namespace: ns }, spec: { predictor: model('v1'), ...extra } };
    await assert.rejects(client.create(INFERENCE_SERVICES, body), message);
  };
  await refused({ variants: [{ name: 'b', trafficPercent: 60, predictor: model('v2') }, { name: 'c', trafficPercent: 50, predictor: model('v3') }] }, /trafficPercent must sum to at most 100/);
  await refused({ variants: [{ name: 'main', trafficPercent: 10, predictor: model('v2') }] }, /may not be named main/);
  await refused({ variants: [{ name: 'b', trafficPercent: 10, predictor: model('v2') }, { name: 'b', trafficPercent: 10, predictor: model('v3') }] }, /Duplicate value/);
  await refused({ variants: [{ name: 'b', predictor: { ...model('v2'), canaryTrafficPercent: 10 } }] }, /canaryTrafficPercent applies to spec.predictor only/);
  await refused({ variants: [{ name: 'B_x', predictor: model('v2') }] }, /should match|must match|pattern/i);
  await refused({ shadow: { percent: 0, predictor: model('v2') } }, /should be greater than or equal to 1|must be greater than or equal to 1/);
});

test('blue-green: green staged at 0% runs at full size; the switch waits for all its pods, then moves everything at once', async () => {
  const ns = 'blue-green';
  const blue = await servingV1(ns);
  await apply(ns, 'iris', { ...model('v2'), minReplicas: 2, canaryTrafficPercent: 0 });
  const green = await latestRevision(ns, 'iris');
  await expectWeights(ns, 'iris', { [blue]: 100, [green]: 0 });
  await eventually('green at full size', async () => ((await client.get<V1Deployment>(DEPLOYMENTS, ns, green))?.spec?.replicas === 2 ? true : undefined), WAIT);
  await setPods(ns, green, 1, 'ready');
  // The switch applied while green has 1 of 2 pods Ready: nothing moves.
  await apply(ns, 'iris', { ...model('v2'), minReplicas: 2 });
  await eventually('PromotionPending', async () => ((await status(ns, 'iris')).conditions?.find((c) => c.type === 'TrafficReady')?.reason === 'PromotionPending' ? true : undefined), WAIT);
  await expectWeights(ns, 'iris', { [blue]: 100, [green]: 0 });
  await setPods(ns, green, 2, 'ready');
  // Then everything moves in one route update.
  await expectWeights(ns, 'iris', { [green]: 100 });
  await eventually('blue retired', async () => (same(await deploymentNames(ns), [green]) ? true : undefined), WAIT);
});

test('routes for a hostname template, gRPC on its own hostname and Istio gateways are stored by the real CRDs as built', async () => {
  const ns = 'hostnames';
  await namespace(ns);
  const traffic = { ...DEFAULT_BUILD_CONFIG.traffic, hostnameTemplate: '{name}-{namespace}.{domain}', ingressDomain: 'models.example.com', istioGateways: ['istio-system/ingress'] };
  for (const protocolVersion of ['v2', 'grpc-v2'] as const) {
    const base = defaulted({ model: { modelFormat: { name: 'onnx' }, storageUri: 's3://m/v1.onnx', protocolVersion } }, `iris-${protocolVersion}`);
    const isvc = { ...base, metadata: { ...base.metadata, namespace: ns } };
    const spec = isvc.spec.predictor;
    const revisions: PlannedRevision[] = [{ name: revisionName(isvc.metadata.name, spec), spec, scaling: spec, percent: 100, latest: true, ready: true }];
    const built = [
      [HTTP_ROUTES, buildHttpRoute(isvc, revisions, traffic)],
      [GRPC_ROUTES, buildGrpcRoute(isvc, revisions, traffic)],
      [VIRTUAL_SERVICES, buildVirtualService(isvc, revisions, traffic, 'cluster.local')],
    ] as const;
    for (const [type, object] of built) {
      // No owner: the garbage collector would take an object whose owner does not exist.
      const { ownerReferences: _owners, ...metadata } = object.metadata!;
      const stored = await client.create<KubeObject & { spec: unknown }>(type, { ...object, metadata } as KubeObject & { spec: unknown });
      assert.deepEqual(stored.spec, object.spec, `${type.kind} for ${protocolVersion}: nothing pruned or refused`);
    }
    const hosts = (built[2][1] as VirtualService).spec.hosts.slice(1);
    const routeHosts = [(built[0][1] as HttpRoute).spec.hostnames[0], (built[1][1] as GrpcRoute).spec.hostnames[0]];
    assert.deepEqual(hosts, protocolVersion === 'v2' ? routeHosts : [...routeHosts].reverse(), 'Istio answers on the Gateway API routes\' hostnames');
  }
  assert.deepEqual((await client.get<GrpcRoute>(GRPC_ROUTES, ns, 'iris-v2'))!.spec.hostnames, ['iris-v2-grpc-hostnames.models.example.com']);
});

test('blue-green rollback window: blue stays warm after the switch, a switch back moves all traffic without new pods, and the window\'s end deletes the replaced revision', async () => {
  const ns = 'blue-green-window';
  const blue = await servingV1(ns);
  const bluePods = async () => (await client.list<V1Pod>(PODS, { namespace: ns, labelSelector: `${REVISION_LABEL}=${blue}` })).items.map((p) => p.metadata!.uid!).sort();
  const before = await bluePods();
  await apply(ns, 'iris', { ...model('v2'), canaryTrafficPercent: 0, rollbackWindowSeconds: 600 });
  const green = await latestRevision(ns, 'iris');
  await setPods(ns, green, 1, 'ready');
  // The switch: all traffic to green; blue is kept without traffic.
  await apply(ns, 'iris', { ...model('v2'), rollbackWindowSeconds: 600 });
  await expectWeights(ns, 'iris', { [blue]: 0, [green]: 100 });
  const window = await eventually('status shows the window', async () => (await status(ns, 'iris')).components?.predictor?.rollbackWindow, WAIT);
  assert.equal(window.revisionName, blue);
  assert.equal(window.replicas, 1);
  assert.equal(Date.parse(window.expiresAt!) - Date.parse(window.switchTime!), 600_000);
  assert.match((await status(ns, 'iris')).conditions?.find((c) => c.type === 'TrafficReady')?.message ?? '', new RegExp(`revision ${blue} stays warm without traffic until`));
  assert.deepEqual(await deploymentNames(ns), [blue, green].sort(), 'blue is not deleted at the switch');
  await expectPrinted(ns, 'iris', { prev: '0', latest: '100' });
  // Switch back within the window: blue's spec again. Its pods never went
  // away, so the route moves in the pass that sees the spec, with the same pods.
  await apply(ns, 'iris', { ...model('v1'), rollbackWindowSeconds: 600 });
  await expectWeights(ns, 'iris', { [green]: 0, [blue]: 100 });
  assert.deepEqual(await bluePods(), before, 'the switch back used the pods blue kept');
  await eventually('the switch back opens a window for green', async () => ((await status(ns, 'iris')).components?.predictor?.rollbackWindow?.revisionName === green ? true : undefined), WAIT);
  // A window shortened to 1 s has ended: green is deleted and the window leaves status.
  await apply(ns, 'iris', { ...model('v1'), rollbackWindowSeconds: 1 });
  await eventually('green deleted when its window ended', async () => (same(await deploymentNames(ns), [blue]) ? true : undefined), WAIT);
  await eventually('no window in status', async () => ((await status(ns, 'iris')).components?.predictor?.rollbackWindow === undefined ? true : undefined), WAIT);
  await expectWeights(ns, 'iris', { [blue]: 100 });
});
