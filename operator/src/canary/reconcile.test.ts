// The canary through the real reconciler against the fake client: the
// HTTPRoute weights and the status after each edit, readiness gating, the
// retirement of the old revision, a canary that fails to load, and that a
// steady state writes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import { createLogger } from '../../../common/src/logger.ts';
import { isvcFixture } from '../../../test/operator/unit-support/fixtures.ts';
import type { InferenceService, PredictorSpec } from '../api/types.ts';
import { DEFAULT_BUILD_CONFIG } from '../settings.ts';
import { Reconciler } from '../controller/reconciler.ts';
import type { EventSpec } from '../event-spec.ts';
import { FakeKubeClient } from '../../../test/operator/unit-support/fake-client.ts';
import { FakeClock } from '../../../test/operator/unit-support/fake-clock.ts';
import type { KubeObject, ResourceType } from '../kube/client.ts';
import { DEPLOYMENTS, HPAS, HTTP_ROUTES, INFERENCE_SERVICES, PDBS, PODS, SCALED_OBJECTS, SERVICES, VIRTUAL_SERVICES } from '../kube/resources.ts';
import { ISVC_LABEL } from '../resources/labels.ts';
import type { HttpRoute } from './httproute.ts';
import { TRAFFIC_MODE_ANNOTATION } from './mode.ts';
import { REVISION_LABEL } from './revision.ts';

function setup(installed = { gatewayApi: true, istio: true }) {
  const client = new FakeKubeClient();
  const events: EventSpec[] = [];
  const lister = <T extends KubeObject>(type: ResourceType) => ({ get: (ns: string, name: string) => client.peek<T>(type, ns, name) });
  const mine = (ns: string, name: string) => (o: KubeObject) => o.metadata?.namespace === ns && o.metadata?.labels?.[ISVC_LABEL] === name;
  const reconciler = new Reconciler({
    client,
    clock: new FakeClock(),
    logger: createLogger({ component: 'test', silent: true }),
    config: { ...DEFAULT_BUILD_CONFIG, traffic: { ...DEFAULT_BUILD_CONFIG.traffic, allowModeAnnotation: true, installed } },
    events: { record: async (_isvc, e) => { events.push(e); } },
    caches: {
      inferenceServices: { ...lister<InferenceService>(INFERENCE_SERVICES), list: () => client.all<InferenceService>(INFERENCE_SERVICES) },
      deployments: lister(DEPLOYMENTS),
      services: lister(SERVICES),
      hpas: lister(HPAS),
      pdbs: lister(PDBS),
      podsFor: (ns, name) => client.all<V1Pod>(PODS).filter(mine(ns, name)),
      childrenFor: (ns, name) => [...client.all<KubeObject>(DEPLOYMENTS), ...client.all<KubeObject>(SERVICES)].filter(mine(ns, name)),
      httpRoutes: lister(HTTP_ROUTES),
      virtualServices: lister(VIRTUAL_SERVICES),
      scaledObjects: lister(SCALED_OBJECTS),
    },
  });
  const get = () => client.peek<InferenceService>(INFERENCE_SERVICES, 'ml', 'iris')!;
  let generation = 1;
  const apply = async (predictor: Partial<PredictorSpec>, annotations?: Record<string, string>) => {
    const current = client.peek<InferenceService>(INFERENCE_SERVICES, 'ml', 'iris');
    const fresh = isvcFixture(predictor);
    client.seed(INFERENCE_SERVICES, {
      ...fresh,
      metadata: { ...fresh.metadata, generation: generation++, ...(annotations !== undefined ? { annotations } : {}) },
      ...(current?.status !== undefined ? { status: current.status } : {}),
    }, current === undefined ? 'ADDED' : 'MODIFIED');
    await reconciler.reconcile('ml/iris');
    return get().status!;
  };
  /** Pods of a revision, as its ReplicaSet and the kubelet would make them. */
  const pods = async (revision: string, ready: number, failed = 0) => {
    for (const p of client.all<V1Pod>(PODS).filter((x) => x.metadata?.labels?.[REVISION_LABEL] === revision)) client.seed(PODS, p, 'DELETED');
    for (let i = 0; i < ready + failed; i++) {
      const ok = i < ready;
      client.seed(PODS, {
        apiVersion: 'v1', kind: 'Pod',
        metadata: { name: `${revision}-${i}`, namespace: 'ml', labels: { [ISVC_LABEL]: 'iris', [REVISION_LABEL]: revision } },
        spec: { containers: [] },
        status: ok
          ? { phase: 'Running', conditions: [{ type: 'PodScheduled', status: 'True' }, { type: 'Ready', status: 'True' }] }
          : {
              phase: 'Running', conditions: [{ type: 'PodScheduled', status: 'True' }],
              containerStatuses: [{ name: 'model-server', ready: false, restartCount: 2, image: 'x', imageID: '', state: { waiting: { reason: 'CrashLoopBackOff' } },
                lastState: { terminated: { exitCode: 1, reason: 'Error', message: 'failed to load model: invalid protobuf' } } }],
            },
      });
    }
    await reconciler.reconcile('ml/iris');
    return get().status!;
  };
  const weights = () => Object.fromEntries(client.peek<HttpRoute>(HTTP_ROUTES, 'ml', 'iris')!.spec.rules.at(-1)!.backendRefs.map((b) => [b.name, b.weight]));
  const deployments = () => client.all<KubeObject>(DEPLOYMENTS).map((d) => d.metadata!.name!).sort();
  return { client, events, reconciler, get, apply, pods, weights, deployments };
}

const model = (version: string) => ({ model: { modelFormat: { name: 'onnx' as const }, storageUri: `s3://models/iris-${version}.onnx` } });

test('10 -> 50 -> 100 through the HTTPRoute, with readiness gating and retirement after promotion', async () => {
  const w = setup();
  let s = await w.apply(model('v1'));
  const v1 = s.components!.predictor!.latestCreatedRevision!;
  assert.deepEqual(w.weights(), { [v1]: 0 }, 'no weight before Ready');
  s = await w.pods(v1, 1);
  assert.deepEqual(w.weights(), { [v1]: 100 });
  assert.equal(s.components!.predictor!.latestRolledoutRevision, v1);

  s = await w.apply({ ...model('v2'), canaryTrafficPercent: 10 });
  const v2 = s.components!.predictor!.latestCreatedRevision!;
  assert.notEqual(v2, v1);
  assert.deepEqual(w.weights(), { [v1]: 100, [v2]: 0 }, 'the canary waits for Ready');
  assert.equal(s.conditions!.find((c) => c.type === 'TrafficReady')!.reason, 'CanaryNotReady');
  s = await w.pods(v2, 1);
  assert.deepEqual(w.weights(), { [v1]: 90, [v2]: 10 });
  const traffic = s.components!.predictor!.traffic!;
  assert.deepEqual(traffic.map((t) => [t.tag, t.percent, t.latestRevision]), [['prev', 90, false], ['latest', 10, true]]);
  assert.equal(traffic[1]!.url, `http://${v2}.ml.svc.cluster.local`);
  assert.deepEqual(w.deployments(), [v1, v2].sort());

  await w.apply({ ...model('v2'), canaryTrafficPercent: 50 });
  assert.deepEqual(w.weights(), { [v1]: 50, [v2]: 50 });
  assert.deepEqual(w.deployments(), [v1, v2].sort(), 'a percent edit is no new revision');

  s = await w.apply({ ...model('v2'), canaryTrafficPercent: 100 });
  assert.deepEqual(w.weights(), { [v2]: 100 });
  assert.deepEqual(w.deployments(), [v2], 'the old revision is removed after the new one took all traffic');
  assert.equal(w.client.peek(SERVICES, 'ml', v1), undefined);
  assert.equal(s.components!.predictor!.latestRolledoutRevision, v2);
  assert.equal(s.components!.predictor!.previousRolledoutRevision, v1);
  assert.deepEqual(s.components!.predictor!.traffic!.map((t) => [t.tag, t.percent]), [['latest', 100]]);
  assert.ok(w.events.some((e) => e.reason === 'TrafficShifted'));
  assert.ok(w.events.some((e) => e.reason === 'RevisionRolledOut' && e.message.includes(v2)));

  const writes = w.client.writes();
  await w.reconciler.reconcile('ml/iris');
  await w.reconciler.reconcile('ml/iris');
  assert.equal(w.client.writes(), writes, `steady state writes nothing: ${JSON.stringify(w.client.requests.slice(-6))}`);
});

test('30 -> 0 rolls back, removing the field promotes; a reverted spec returns without a rollout', async () => {
  const w = setup();
  const v1 = (await w.apply(model('v1'))).components!.predictor!.latestCreatedRevision!;
  await w.pods(v1, 1);
  const v2 = (await w.apply({ ...model('v2'), canaryTrafficPercent: 30 })).components!.predictor!.latestCreatedRevision!;
  await w.pods(v2, 1);
  assert.deepEqual(w.weights(), { [v1]: 70, [v2]: 30 });
  let s = await w.apply({ ...model('v2'), canaryTrafficPercent: 0 });
  assert.deepEqual(w.weights(), { [v1]: 100, [v2]: 0 });
  assert.equal(s.conditions!.find((c) => c.type === 'TrafficReady')!.reason, 'RolledBack');
  assert.ok(w.client.peek(DEPLOYMENTS, 'ml', v2), 'the rolled-back revision keeps running, reachable at its own Service');
  assert.ok(w.events.some((e) => e.reason === 'RolledBack'));

  s = await w.apply(model('v2'));
  assert.deepEqual(w.weights(), { [v2]: 100 });
  assert.equal(s.components!.predictor!.latestRolledoutRevision, v2);

  // Now a canary v3, then the spec goes back to v2: no new revision, the canary is retired.
  const v3 = (await w.apply({ ...model('v3'), canaryTrafficPercent: 20 })).components!.predictor!.latestCreatedRevision!;
  await w.pods(v3, 1);
  assert.deepEqual(w.weights(), { [v2]: 80, [v3]: 20 });
  s = await w.apply({ ...model('v2'), canaryTrafficPercent: 20 });
  assert.deepEqual(w.weights(), { [v2]: 100 });
  assert.equal(s.components!.predictor!.latestCreatedRevision, v2);
  assert.deepEqual(w.deployments(), [v2]);
});

test('a canary whose model fails to load keeps all traffic on the rolled-out revision, says why and raises an Event', async () => {
  const w = setup();
  const v1 = (await w.apply(model('v1'))).components!.predictor!.latestCreatedRevision!;
  await w.pods(v1, 1);
  const v2 = (await w.apply({ ...model('v2'), canaryTrafficPercent: 20 })).components!.predictor!.latestCreatedRevision!;
  const s = await w.pods(v2, 0, 1);
  assert.deepEqual(w.weights(), { [v1]: 100, [v2]: 0 });
  const traffic = s.conditions!.find((c) => c.type === 'TrafficReady')!;
  assert.equal(traffic.reason, 'CanaryFailed');
  assert.match(traffic.message!, /invalid protobuf/);
  assert.equal(s.modelStatus!.states!.activeModelState, 'Loaded');
  assert.equal(s.modelStatus!.states!.targetModelState, 'FailedToLoad');
  assert.equal(s.modelStatus!.transitionStatus, 'BlockedByFailedLoad');
  assert.ok(w.events.some((e) => e.type === 'Warning' && e.reason === 'CanaryFailed' && /invalid protobuf/.test(e.message)));
});

test('Service mode apportions pods and switches the shared selector; the annotation picks the mode', async () => {
  const w = setup({ gatewayApi: false, istio: false });
  const v1 = (await w.apply(model('v1'))).components!.predictor!.latestCreatedRevision!;
  await w.pods(v1, 1);
  const selector = () => w.client.peek<{ spec: { selector: Record<string, string> } } & KubeObject>(SERVICES, 'ml', 'iris')!.spec.selector;
  assert.equal(selector()[REVISION_LABEL], v1);
  const v2 = (await w.apply({ ...model('v2'), canaryTrafficPercent: 20 })).components!.predictor!.latestCreatedRevision!;
  assert.equal(selector()[REVISION_LABEL], v1, 'the canary is outside the shared Service until Ready');
  const s = await w.pods(v2, 1);
  assert.equal(selector()[REVISION_LABEL], undefined, 'both revisions behind the shared Service');
  const replicas = (name: string) => w.client.peek<{ spec: { replicas?: number } } & KubeObject>(DEPLOYMENTS, 'ml', name)!.spec.replicas;
  assert.deepEqual([replicas(v1), replicas(v2)], [4, 1]);
  assert.match(s.conditions!.find((c) => c.type === 'TrafficReady')!.message!, /service mode apportions pods: 4 \+ 1/);
  assert.equal(w.client.peek(HTTP_ROUTES, 'ml', 'iris'), undefined);

  const gw = setup();
  await gw.apply(model('v1'), { [TRAFFIC_MODE_ANNOTATION]: 'istio' });
  assert.ok(gw.client.peek(VIRTUAL_SERVICES, 'ml', 'iris'));
  assert.equal(gw.client.peek(HTTP_ROUTES, 'ml', 'iris'), undefined);
  await gw.apply(model('v1'));
  assert.ok(gw.client.peek(HTTP_ROUTES, 'ml', 'iris'), 'default mode: Gateway API when installed');
  assert.equal(gw.client.peek(VIRTUAL_SERVICES, 'ml', 'iris'), undefined, 'the other mode\'s route is removed');
});

test('status replicas come from the latest revision\'s Deployment, whichever place it has among the revisions', async () => {
  const w = setup();
  const scale = (revision: string, replicas: number) => {
    const d = w.client.peek<KubeObject>(DEPLOYMENTS, 'ml', revision)!;
    w.client.seed(DEPLOYMENTS, { ...d, status: { replicas, readyReplicas: replicas } } as KubeObject, 'MODIFIED');
  };
  const v1 = (await w.apply(model('v1'))).components!.predictor!.latestCreatedRevision!;
  await w.pods(v1, 1);
  // Two canaries, each named by a hash: one sorts before the rolled-out revision, one after it.
  for (const version of ['v2', 'v3', 'v4', 'v5', 'v6']) {
    const s = await w.apply({ ...model(version), canaryTrafficPercent: 10 });
    const latest = s.components!.predictor!.latestCreatedRevision!;
    scale(v1, 3);
    scale(latest, 1);
    const after = await w.pods(latest, 1);
    assert.deepEqual([after.replicas, after.readyReplicas], [1, 1], `${version}: the canary ${latest} (${latest < v1 ? 'before' : 'after'} ${v1}) reports its own replicas`);
  }
});
