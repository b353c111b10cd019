import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Deployment, V1Pod, V1Service, V2HorizontalPodAutoscaler } from '@kubernetes/client-node';
import { CONFLICT_RECHECK_MS, Reconciler } from './reconciler.ts';
import type { EventSpec } from '../event-spec.ts';
import { FakeKubeClient } from '../../../test/operator/unit-support/fake-client.ts';
import { FakeClock } from '../../../test/operator/unit-support/fake-clock.ts';
import { KubeApiError, type KubeObject, type ResourceType } from '../kube/client.ts';
import { DEPLOYMENTS, GRPC_ROUTES, HPAS, HTTP_ROUTES, INFERENCE_SERVICES, PDBS, PODS, SCALED_OBJECTS, SERVICES } from '../kube/resources.ts';
import { isvcFixture } from '../../../test/operator/unit-support/fixtures.ts';
import type { InferenceService, PredictorSpec } from '../api/types.ts';
import { DEFAULT_BUILD_CONFIG } from '../settings.ts';
import { createLogger } from '../../../common/src/logger.ts';
import { ISVC_LABEL, MANAGED_BY } from '../resources/labels.ts';
import { REVISION_LABEL, revisionName } from '../canary/revision.ts';
import { defaulted } from '../../../test/operator/unit-support/fixtures.ts';
import type { DriftObservations } from './drift-monitor.ts';
import type { DriftSample } from '../drift/query.ts';
import type { RolloutMetrics, RolloutMetricsQuery } from './rollout-metrics.ts';
import type { Observation } from '../canary/analysis.ts';

/** The revision (and so Deployment) name of a predictor spec. */
const rev = (predictor: Partial<PredictorSpec> = {}, name = 'iris') => revisionName(name, defaulted(predictor, name).spec.predictor);

function setup(lagging: ResourceType[] = [], config = DEFAULT_BUILD_CONFIG, o: { managedOnly?: boolean; drift?: DriftObservations; rolloutMetrics?: RolloutMetrics } = {}) {
  const client = new FakeKubeClient();
  const clock = new FakeClock();
  const events: Array<EventSpec & { name: string }> = [];
  // A lagging cache has not seen any watch event yet; a managedOnly one holds only objects labelled as ours.
  const lister = <T extends KubeObject>(type: ResourceType) => ({
    get: (ns: string, name: string) => {
      const o2 = lagging.includes(type) ? undefined : client.peek<T>(type, ns, name);
      return o.managedOnly === true && type !== INFERENCE_SERVICES && o2?.metadata?.labels?.['app.kubernetes.io/managed-by'] !== MANAGED_BY ? undefined : o2;
    },
  });
  const reconciler = new Reconciler({
    client,
    clock,
    ...(o.rolloutMetrics !== undefined ? { rolloutMetrics: o.rolloutMetrics } : {}),
    logger: createLogger({ component: 'test', silent: true }),
    config,
    ...(o.drift !== undefined ? { drift: o.drift } : {}),
    events: { record: async (isvc, e) => { events.push({ ...e, name: isvc.metadata.name }); } },
    caches: {
      inferenceServices: { ...lister<InferenceService>(INFERENCE_SERVICES), list: () => client.all<InferenceService>(INFERENCE_SERVICES) },
      deployments: lister(DEPLOYMENTS),
      services: lister(SERVICES),
      hpas: lister(HPAS),
      pdbs: lister(PDBS),
      podsFor: (ns, name) => client.all<V1Pod>(PODS).filter((p) => p.metadata?.namespace === ns && p.metadata?.labels?.[ISVC_LABEL] === name),
      childrenFor: (ns, name) => [...client.all<KubeObject>(DEPLOYMENTS), ...client.all<KubeObject>(SERVICES)]
        .filter((o) => o.metadata?.namespace === ns && o.metadata?.labels?.[ISVC_LABEL] === name),
      httpRoutes: { get: () => undefined },
      grpcRoutes: lister(GRPC_ROUTES),
      virtualServices: { get: () => undefined },
      scaledObjects: lister(SCALED_OBJECTS),
    },
  });
  const create = (predictor: Partial<PredictorSpec> = {}, name = 'iris') => client.seed(INFERENCE_SERVICES, isvcFixture(predictor, name));
  const get = (name = 'iris') => client.peek<InferenceService>(INFERENCE_SERVICES, 'ml', name)!;
  const condition = (type: string, name = 'iris') => get(name).status?.conditions?.find((c) => c.type === type);
  return { client, events, reconciler, create, get, condition, clock };
}

const pod = (name: string, isvc: string, status: V1Pod['status']): V1Pod => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'ml', labels: { [ISVC_LABEL]: isvc, [REVISION_LABEL]: rev({}, isvc) } }, spec: { containers: [] }, status,
});

test('creates the Deployment and Service, writes status once, then writes nothing', async () => {
  const { client, events, reconciler, create, get, condition } = setup();
  create();
  await reconciler.reconcile('ml/iris');
  assert.ok(client.peek(DEPLOYMENTS, 'ml', rev()));
  assert.ok(client.peek(SERVICES, 'ml', 'iris'));
  assert.ok(client.peek(SERVICES, 'ml', rev()), 'the revision has its own Service');
  assert.equal(client.peek(HPAS, 'ml', rev()), undefined);
  const status = get().status!;
  assert.equal(status.url, 'http://iris.ml.svc.cluster.local');
  assert.equal(status.address!.url, status.url);
  assert.equal(status.observedGeneration, 1);
  assert.equal(condition('Ready')!.status, 'False');
  assert.equal(condition('PredictorReady')!.reason, 'PodsPending');
  assert.equal(status.modelStatus!.states!.activeModelState, 'Pending');
  assert.deepEqual(events, [], 'creating children is the expected course: no Event');
  const writes = client.writes();
  assert.equal(writes, 4, 'three applies and one status update');
  for (let i = 0; i < 3; i++) await reconciler.reconcile('ml/iris');
  assert.equal(client.writes(), writes, 'idempotent: no write when nothing changed');
});

test('an edited Deployment is restored; a deleted one is recreated', async () => {
  const { client, events, reconciler, create } = setup();
  create();
  await reconciler.reconcile('ml/iris');
  const d = client.peek<V1Deployment>(DEPLOYMENTS, 'ml', rev())!;
  d.spec!.template.spec!.containers[0]!.image = 'evil:latest';
  client.seed(DEPLOYMENTS, d, 'MODIFIED');
  await reconciler.reconcile('ml/iris');
  assert.equal(client.peek<V1Deployment>(DEPLOYMENTS, 'ml', rev())!.spec!.template.spec!.containers[0]!.image, DEFAULT_BUILD_CONFIG.runtimeImage);
  assert.equal(events.at(-1)!.reason, 'RestoredDeployment');
  client.seed(DEPLOYMENTS, d, 'DELETED');
  reconciler.forget(DEPLOYMENTS, 'ml', rev());
  await reconciler.reconcile('ml/iris');
  assert.ok(client.peek(DEPLOYMENTS, 'ml', rev()));
});

test('a spec change is a new revision with its own Deployment and bumps observedGeneration', async () => {
  const { client, reconciler, create, get } = setup();
  create();
  await reconciler.reconcile('ml/iris');
  const isvc = get();
  isvc.spec.predictor.minReplicas = 3;
  isvc.metadata.generation = 2;
  client.seed(INFERENCE_SERVICES, isvc, 'MODIFIED');
  await reconciler.reconcile('ml/iris');
  assert.equal(client.peek<V1Deployment>(DEPLOYMENTS, 'ml', rev({ minReplicas: 3 }))!.spec!.replicas, 3);
  assert.equal(get().status!.observedGeneration, 2);
  assert.equal(get().status!.components!.predictor!.latestCreatedRevision, rev({ minReplicas: 3 }));
});

test('an HPA exists only while there is room to scale', async () => {
  const { client, reconciler, create, get } = setup();
  create({ minReplicas: 1, maxReplicas: 3 });
  await reconciler.reconcile('ml/iris');
  const first = rev({ minReplicas: 1, maxReplicas: 3 });
  assert.equal(client.peek<V2HorizontalPodAutoscaler>(HPAS, 'ml', first)!.spec!.scaleTargetRef.name, first);
  assert.equal(client.peek<V1Deployment>(DEPLOYMENTS, 'ml', first)!.spec!.replicas, undefined);
  const isvc = get();
  delete isvc.spec.predictor.maxReplicas;
  isvc.metadata.generation = 2;
  client.seed(INFERENCE_SERVICES, isvc, 'MODIFIED');
  await reconciler.reconcile('ml/iris');
  // The new revision has no HPA; the first never served, so it is retired with its HPA.
  assert.equal(client.peek(HPAS, 'ml', rev({ minReplicas: 1 })), undefined);
  assert.equal(client.peek(HPAS, 'ml', first), undefined);
  assert.equal(client.peek(DEPLOYMENTS, 'ml', first), undefined);
});

test('a revision that may run more than one pod gets a PodDisruptionBudget over its own pods; one that drops to one loses it', async () => {
  const { client, reconciler, create, get } = setup();
  create({ minReplicas: 2 });
  await reconciler.reconcile('ml/iris');
  const two = rev({ minReplicas: 2 });
  const pdb = client.peek<KubeObject & { spec: { maxUnavailable: number; selector: { matchLabels: Record<string, string> } } }>(PDBS, 'ml', two)!;
  assert.equal(pdb.spec.maxUnavailable, 1);
  assert.equal(pdb.spec.selector.matchLabels[REVISION_LABEL], two);
  assert.equal(pdb.metadata!.ownerReferences![0]!.uid, get().metadata.uid);
  const writes = client.writes();
  await reconciler.reconcile('ml/iris');
  assert.equal(client.writes(), writes, 'idempotent');
  // One replica: the new revision has no budget; the first never served, so it is retired with its budget.
  const isvc = get();
  isvc.spec.predictor.minReplicas = 1;
  isvc.metadata.generation = 2;
  client.seed(INFERENCE_SERVICES, isvc, 'MODIFIED');
  await reconciler.reconcile('ml/iris');
  assert.equal(client.peek(PDBS, 'ml', rev({ minReplicas: 1 })), undefined);
  assert.equal(client.peek(PDBS, 'ml', two), undefined);
  // A budget left on a revision that now runs one pod (Service mode shrinks revisions in place) is deleted.
  client.seed(PDBS, { ...pdb, metadata: { ...pdb.metadata, name: rev({ minReplicas: 1 }), resourceVersion: undefined } });
  await reconciler.reconcile('ml/iris');
  assert.equal(client.peek(PDBS, 'ml', rev({ minReplicas: 1 })), undefined);
});

const withKeda = { ...DEFAULT_BUILD_CONFIG, autoscaling: { ...DEFAULT_BUILD_CONFIG.autoscaling, kedaInstalled: true } };
const messages = (isvc: InferenceService) => (isvc.status?.conditions ?? []).map((c) => c.message ?? '').join('\n');

test('the keda class: a ScaledObject instead of the HPA, minReplicas 0 kept; a class change swaps them', async () => {
  const { client, reconciler, get } = setup([], withKeda);
  const fixture = isvcFixture({ minReplicas: 0, maxReplicas: 3 });
  client.seed(INFERENCE_SERVICES, { ...fixture, metadata: { ...fixture.metadata, annotations: { 'serving.kserve.io/autoscalerClass': 'keda' } } });
  await reconciler.reconcile('ml/iris');
  const name = rev({ minReplicas: 0, maxReplicas: 3 });
  const so = client.peek<KubeObject & { spec: { minReplicaCount: number; scaleTargetRef: { name: string } } }>(SCALED_OBJECTS, 'ml', name)!;
  assert.equal(so.spec.minReplicaCount, 0);
  assert.equal(so.spec.scaleTargetRef.name, name);
  assert.equal(client.peek(HPAS, 'ml', name), undefined);
  assert.equal(client.peek<V1Deployment>(DEPLOYMENTS, 'ml', name)!.spec!.replicas, undefined);
  const writes = client.requests.length;
  await reconciler.reconcile('ml/iris');
  assert.equal(client.requests.length, writes, 'steady state writes nothing');
  // Back to the HPA class: the ScaledObject goes, the HPA holds one pod and the status says so.
  const isvc = get();
  client.seed(INFERENCE_SERVICES, { ...isvc, metadata: { ...isvc.metadata, annotations: { 'serving.modelship.io/autoscaler-class': 'hpa' } } }, 'MODIFIED');
  await reconciler.reconcile('ml/iris');
  assert.equal(client.peek(SCALED_OBJECTS, 'ml', name), undefined);
  assert.equal(client.peek<V2HorizontalPodAutoscaler>(HPAS, 'ml', name)!.spec!.minReplicas, 1);
  assert.match(messages(get()), /minReplicas 0 needs the keda autoscaler class/);
});

test('the keda class without KEDA installed: the HPA, and the status says why', async () => {
  const { client, reconciler, get } = setup();
  const fixture = isvcFixture({ minReplicas: 1, maxReplicas: 3 });
  client.seed(INFERENCE_SERVICES, { ...fixture, metadata: { ...fixture.metadata, annotations: { 'serving.kserve.io/autoscalerClass': 'keda' } } });
  await reconciler.reconcile('ml/iris');
  assert.ok(client.peek(HPAS, 'ml', rev({ minReplicas: 1, maxReplicas: 3 })));
  assert.ok(!client.requests.some((r) => r.plural === 'scaledobjects'));
  assert.match(messages(get()), /KEDA ScaledObject CRD \(keda.sh\) is not installed: using hpa/);
});

test('an invalid spec creates nothing and says why', async () => {
  const { client, events, reconciler, create, get, condition } = setup();
  create({ minReplicas: -2 });
  await reconciler.reconcile('ml/iris');
  assert.equal(client.all(DEPLOYMENTS).length, 0);
  assert.equal(condition('PredictorReady')!.reason, 'InvalidSpec');
  assert.match(condition('Ready')!.message!, /minReplicas: must be >= 0/);
  assert.equal(get().status!.modelStatus!.transitionStatus, 'InvalidSpec');
  assert.deepEqual(events.map((e) => e.reason), ['InvalidSpec']);
});

test('a crashing model is reported in status and an Event; a ready one becomes Ready', async () => {
  const { client, events, reconciler, create, get, condition } = setup();
  create({}, 'bad');
  create({}, 'good');
  client.seed(PODS, pod('bad-1', 'bad', {
    phase: 'Running',
    conditions: [{ type: 'PodScheduled', status: 'True' }],
    containerStatuses: [{
      name: 'model-server', ready: false, restartCount: 3, image: 'x', imageID: '',
      state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s' } },
      lastState: { terminated: { exitCode: 1, reason: 'Error', message: 'failed to load model: invalid protobuf' } },
    }],
  }));
  client.seed(PODS, pod('good-1', 'good', { phase: 'Running', conditions: [{ type: 'PodScheduled', status: 'True' }, { type: 'Ready', status: 'True' }] }));
  await reconciler.reconcile('ml/bad');
  await reconciler.reconcile('ml/good');
  const bad = get('bad').status!.modelStatus!;
  assert.equal(bad.states!.activeModelState, 'FailedToLoad');
  assert.equal(bad.transitionStatus, 'BlockedByFailedLoad');
  assert.deepEqual(bad.lastFailureInfo, { reason: 'Error', message: 'failed to load model: invalid protobuf', exitCode: 1, location: 'pod/bad-1/model-server' });
  assert.equal(condition('PredictorReady', 'bad')!.reason, 'ModelLoadFailed');
  assert.ok(events.some((e) => e.name === 'bad' && e.reason === 'ModelLoadFailed' && /invalid protobuf/.test(e.message)));
  assert.equal(condition('Ready', 'good')!.status, 'True');
  assert.equal(get('good').status!.modelStatus!.states!.activeModelState, 'Loaded');
  assert.ok(events.some((e) => e.name === 'good' && e.reason === 'InferenceServiceReady'));
});

test('a 409 on the status write is retried from a fresh read', async () => {
  const { client, reconciler, create, get } = setup();
  create();
  client.failNext('update', 'inferenceservices', new KubeApiError(409, 'Conflict', 'modified'));
  await reconciler.reconcile('ml/iris');
  assert.equal(get().status!.observedGeneration, 1);
  assert.ok(client.requests.some((r) => r.verb === 'get' && r.plural === 'inferenceservices'));
});

test('a Service someone else created with our name is neither rewritten nor adopted; the rest is reconciled and status says why', async () => {
  // As the real informers do, the caches hold only objects labelled as ours.
  const { client, events, reconciler, create, get, condition } = setup([], DEFAULT_BUILD_CONFIG, { managedOnly: true });
  create();
  const theirs = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'iris', namespace: 'ml' }, spec: { selector: { app: 'mine' }, ports: [{ name: 'http', port: 80 }] } };
  client.seed(SERVICES, theirs);
  assert.deepEqual(await reconciler.reconcile('ml/iris'), { requeueAfterMs: CONFLICT_RECHECK_MS }, 'looked at again: its owner may delete it');
  const after = client.peek<KubeObject & { spec: unknown }>(SERVICES, 'ml', 'iris')!;
  assert.deepEqual([after.spec, after.metadata!.ownerReferences, after.metadata!.labels], [theirs.spec, undefined, undefined]);
  assert.ok(!client.applies.some((a) => a.plural === 'services' && a.name === 'iris'), 'no apply was sent for it');
  assert.ok(client.peek(DEPLOYMENTS, 'ml', rev()), 'the other children are reconciled');
  assert.ok(client.peek(SERVICES, 'ml', rev()), 'the revision Service is ours and written');
  assert.equal(condition('PredictorReady')!.reason, 'ChildConflict');
  assert.match(condition('Ready')!.message!, /Service ml\/iris exists and is not controlled by this InferenceService; not taking it over/);
  assert.equal(get().status!.observedGeneration, 1, 'the pass itself succeeded');
  assert.deepEqual(events.filter((e) => e.type === 'Warning').map((e) => e.reason), ['ChildConflict']);
  // Steady: nothing written, no second Event.
  const writes = client.writes();
  await reconciler.reconcile('ml/iris');
  assert.equal(client.writes(), writes);
  assert.equal(events.filter((e) => e.reason === 'ChildConflict').length, 1);
  // Its owner deletes it: the next pass creates ours.
  client.seed(SERVICES, after, 'DELETED');
  assert.equal(await reconciler.reconcile('ml/iris'), undefined);
  assert.equal(client.peek<V1Service>(SERVICES, 'ml', 'iris')!.metadata!.ownerReferences![0]!.uid, get().metadata.uid);
  assert.equal(condition('PredictorReady')!.reason === 'ChildConflict', false);
});

test('a first write is never forced: someone else\'s create in between fails it (409) and it is refused, not retried as an error', async () => {
  const { client, reconciler, create, condition } = setup([], DEFAULT_BUILD_CONFIG, { managedOnly: true });
  create();
  client.failNext('patch', 'deployments', new KubeApiError(409, 'Conflict', 'Apply failed with 1 conflict: conflict with "kubectl-create": .spec.selector'));
  assert.deepEqual(await reconciler.reconcile('ml/iris'), { requeueAfterMs: CONFLICT_RECHECK_MS });
  assert.match(condition('PredictorReady')!.message!, new RegExp(`Deployment ml/${rev()} was created by someone else meanwhile`));
  assert.ok(client.applies.filter((a) => a.plural === 'services').every((a) => !a.force), 'creates are unforced');
  // Once our own object exists, drift is taken back by force.
  await reconciler.reconcile('ml/iris');
  const ours = client.peek<V1Deployment>(DEPLOYMENTS, 'ml', rev())!;
  client.seed(DEPLOYMENTS, { ...ours, spec: { ...ours.spec!, replicas: 7 } }, 'MODIFIED');
  await reconciler.reconcile('ml/iris');
  assert.equal(client.applies.at(-1)!.force, true);
  assert.equal(client.peek<V1Deployment>(DEPLOYMENTS, 'ml', rev())!.spec!.replicas, 1);
});

test('a failed apply is retried by the queue (the error propagates)', async () => {
  const { client, reconciler, create } = setup();
  create();
  client.failNext('patch', 'deployments', new KubeApiError(500, 'InternalError', 'etcd timeout'));
  await assert.rejects(reconciler.reconcile('ml/iris'), /etcd timeout/);
  await reconciler.reconcile('ml/iris');
  assert.ok(client.peek(DEPLOYMENTS, 'ml', rev()));
});

test('a deleted or deleting InferenceService is left to garbage collection', async () => {
  const { client, reconciler, create, get } = setup();
  await reconciler.reconcile('ml/missing');
  create();
  const isvc = get();
  isvc.metadata.deletionTimestamp = new Date();
  client.seed(INFERENCE_SERVICES, isvc, 'MODIFIED');
  const before = client.writes();
  await reconciler.reconcile('ml/iris');
  assert.equal(client.writes(), before);
});

test('children not yet in the cache are not applied twice', async () => {
  const { client, reconciler, create } = setup([DEPLOYMENTS, SERVICES]);
  create();
  await reconciler.reconcile('ml/iris');
  const writes = client.writes();
  await reconciler.reconcile('ml/iris');
  assert.equal(client.writes(), writes, 'our own applies stand in for the lagging cache');
  // A delete event: the live object is gone, so it is applied again.
  client.seed(DEPLOYMENTS, client.peek(DEPLOYMENTS, 'ml', rev())!, 'DELETED');
  reconciler.forget(DEPLOYMENTS, 'ml', rev());
  await reconciler.reconcile('ml/iris');
  assert.equal(client.writes(), writes + 1, 'after a delete event the Deployment is applied again');
});

test('a spec breaking the tenant policy gets PolicyViolation naming the field, a Warning Event and no children', async () => {
  const { client, events, reconciler, create, get, condition } = setup();
  create({ model: { modelFormat: { name: 'onnx' }, storageUri: 's3://m/x.onnx', env: [{ name: 'NODE_OPTIONS', value: '--import=data:text/javascript,process.exit(3)' }] } });
  await reconciler.reconcile('ml/iris');
  assert.deepEqual(client.requests.filter((r) => r.plural !== 'inferenceservices' && r.plural !== 'events'), [], 'nothing read or written for its children');
  const c = condition('Ready')!;
  assert.deepEqual([c.status, c.reason], ['False', 'PolicyViolation']);
  assert.match(c.message!, /spec\.predictor\.model\.env\[0\]\.name NODE_OPTIONS: names starting with NODE_ are reserved/);
  assert.equal(get().status!.modelStatus!.transitionStatus, 'InvalidSpec');
  assert.deepEqual(events.filter((e) => e.type === 'Warning' && e.reason === 'PolicyViolation').length, 1);
  // Allowed by the administrator: built.
  const permissive = setup([], { ...DEFAULT_BUILD_CONFIG, tenantPolicy: { ...DEFAULT_BUILD_CONFIG.tenantPolicy, reservedEnvPrefixes: [] } });
  permissive.create({ model: { modelFormat: { name: 'onnx' }, storageUri: 's3://m/x.onnx', env: [{ name: 'NODE_OPTIONS', value: '--max-old-space-size=512' }] } });
  await permissive.reconciler.reconcile('ml/iris');
  assert.ok(permissive.client.all(DEPLOYMENTS).length === 1);
});

test('of two InferenceServices whose route hostnames collide, the later one gets HostnameConflict naming the other and no HTTPRoute', async () => {
  const config = { ...DEFAULT_BUILD_CONFIG, traffic: { ...DEFAULT_BUILD_CONFIG.traffic, hostnameTemplate: '{name}-{namespace}.{domain}', installed: { gatewayApi: true, istio: false } } };
  const { client, events, reconciler } = setup([], config);
  const at = (name: string, namespace: string, t: string) => {
    const o = isvcFixture({}, name, namespace);
    return client.seed(INFERENCE_SERVICES, { ...o, metadata: { ...o.metadata, creationTimestamp: new Date(`2026-01-01T00:00:0${t}Z`) } });
  };
  at('a-b', 'c', '1');
  at('a', 'b-c', '2');
  // The later one first: it must not squat the hostname either way.
  assert.deepEqual(await reconciler.reconcile('b-c/a'), { requeueAfterMs: CONFLICT_RECHECK_MS });
  await reconciler.reconcile('c/a-b');
  const routes = client.all<KubeObject & { spec: { hostnames: string[] } }>(HTTP_ROUTES);
  assert.deepEqual(routes.map((r) => [r.metadata!.namespace, r.spec.hostnames]), [['c', ['a-b-c.example.com']]]);
  const later = client.peek<InferenceService>(INFERENCE_SERVICES, 'b-c', 'a')!.status!.conditions!.find((c) => c.type === 'TrafficReady')!;
  assert.equal(later.reason, 'HostnameConflict');
  assert.match(later.message!, /already used by InferenceService c\/a-b, created earlier/);
  assert.ok(events.some((e) => e.name === 'a' && e.type === 'Warning' && e.reason === 'HostnameConflict'));
  // With the default template both have their own hostname.
  const byDefault = setup([], { ...config, traffic: { ...config.traffic, hostnameTemplate: DEFAULT_BUILD_CONFIG.traffic.hostnameTemplate } });
  for (const [name, ns, t] of [['a-b', 'c', '1'], ['a', 'b-c', '2']] as const) {
    const o = isvcFixture({}, name, ns);
    byDefault.client.seed(INFERENCE_SERVICES, { ...o, metadata: { ...o.metadata, creationTimestamp: new Date(`2026-01-01T00:00:0${t}Z`) } });
    assert.equal(await byDefault.reconciler.reconcile(`${ns}/${name}`), undefined);
  }
  assert.deepEqual(byDefault.client.all<KubeObject & { spec: { hostnames: string[] } }>(HTTP_ROUTES).map((r) => r.spec.hostnames[0]).sort(), ['a-b.c.example.com', 'a.b-c.example.com']);
});

test('a gRPC route hostname counts as the REST one does: iris-grpc created after iris (whose gRPC hostname it would take) gets HostnameConflict and no routes', async () => {
  const config = { ...DEFAULT_BUILD_CONFIG, traffic: { ...DEFAULT_BUILD_CONFIG.traffic, installed: { gatewayApi: true, grpcRoute: true, istio: false } } };
  const { client, events, reconciler, condition } = setup([], config);
  for (const [name, t] of [['iris', '1'], ['iris-grpc', '2']] as const) {
    const o = isvcFixture({}, name);
    client.seed(INFERENCE_SERVICES, { ...o, metadata: { ...o.metadata, creationTimestamp: new Date(`2026-01-01T00:00:0${t}Z`) } });
  }
  assert.deepEqual(await reconciler.reconcile('ml/iris-grpc'), { requeueAfterMs: CONFLICT_RECHECK_MS });
  assert.equal(await reconciler.reconcile('ml/iris'), undefined);
  const hostnames = (type: ResourceType) => client.all<KubeObject & { spec: { hostnames: string[] } }>(type).map((r) => [r.metadata!.name, r.spec.hostnames]);
  assert.deepEqual(hostnames(HTTP_ROUTES), [['iris', ['iris.ml.example.com']]]);
  assert.deepEqual(hostnames(GRPC_ROUTES), [['iris', ['iris-grpc.ml.example.com']]]);
  const later = condition('TrafficReady', 'iris-grpc')!;
  assert.deepEqual([later.status, later.reason], ['False', 'HostnameConflict']);
  assert.match(later.message!, /route hostname iris-grpc\.ml\.example\.com is already used by InferenceService ml\/iris, created earlier/);
  assert.ok(events.some((e) => e.name === 'iris-grpc' && e.type === 'Warning' && e.reason === 'HostnameConflict'));
});

test('DriftDetected: from the drift observation and the spec threshold; a Warning Event on the transition only; moving values write nothing', async () => {
  let samples: DriftSample[] | undefined;
  const { client, events, reconciler, create, condition } = setup([], DEFAULT_BUILD_CONFIG, { drift: { samplesFor: () => samples } });
  const sample = (feature: string, value: number): DriftSample => ({ namespace: 'ml', model: 'iris', revision: rev({ monitoring: { driftThreshold: 0.3 } }), feature, value });
  create({ monitoring: { driftThreshold: 0.3 } });
  await reconciler.reconcile('ml/iris');
  assert.equal(condition('DriftDetected'), undefined, 'no observation yet: no condition');
  samples = [];
  await reconciler.reconcile('ml/iris');
  assert.equal(condition('DriftDetected'), undefined, 'no data and no condition before: still none');
  samples = [sample('petal_length', 0.25)];
  await reconciler.reconcile('ml/iris');
  assert.equal(condition('DriftDetected')?.status, 'False', '0.25 is under the spec threshold 0.3');
  const ready = condition('Ready');
  samples = [sample('petal_length', 0.45)];
  events.length = 0;
  await reconciler.reconcile('ml/iris');
  const drift = condition('DriftDetected')!;
  assert.equal(drift.status, 'True');
  assert.match(drift.message!, /petal_length PSI 0\.45 \(threshold 0\.3\)/);
  assert.deepEqual(condition('Ready'), ready, 'Ready is untouched by drift');
  assert.deepEqual(events.filter((e) => e.reason === 'DriftDetected').map((e) => e.type), ['Warning']);
  const writes = client.writes();
  samples = [sample('petal_length', 0.61)];
  events.length = 0;
  await reconciler.reconcile('ml/iris');
  assert.equal(client.writes(), writes, 'same drifting feature, another value: no write');
  assert.deepEqual(events, []);
  samples = [];
  await reconciler.reconcile('ml/iris');
  assert.deepEqual([condition('DriftDetected')?.status, condition('DriftDetected')?.reason], ['Unknown', 'NoDriftData']);
  samples = undefined;
  const before = client.writes();
  await reconciler.reconcile('ml/iris');
  assert.equal(client.writes(), before, 'a failed query (no observation) keeps the condition');
});

const readyPod = (name: string, revision: string): V1Pod => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'ml', labels: { [ISVC_LABEL]: 'iris', [REVISION_LABEL]: revision } }, spec: { containers: [] },
  status: { phase: 'Running', conditions: [{ type: 'PodScheduled', status: 'True' }, { type: 'Ready', status: 'True' }] },
});

/** v1 rolled out, then v2 with an automated rollout, Ready: the reconciler at the first step, with Prometheus answering `answer()`. */
async function rolloutAtFirstStep(answer: () => Observation) {
  const queries: RolloutMetricsQuery[] = [];
  const metrics: RolloutMetrics = { observe: async (q) => { queries.push(q); return answer(); } };
  const t = setup([], DEFAULT_BUILD_CONFIG, { rolloutMetrics: metrics });
  const rollout = { steps: [{ trafficPercent: 10, pauseSeconds: 20 }, { trafficPercent: 40, pauseSeconds: 20 }], interval: 10, minRequests: 10 };
  t.create({ rollout });
  const v1 = rev();
  const v2spec = { rollout, model: { modelFormat: { name: 'onnx' as const }, storageUri: 's3://models/iris-v2.onnx' } };
  const v2 = rev(v2spec);
  t.client.seed(PODS, readyPod('v1-a', v1));
  await t.reconciler.reconcile('ml/iris');
  assert.equal(t.get().status!.components!.predictor!.latestRolledoutRevision, v1);
  const isvc = t.get();
  isvc.spec.predictor = v2spec;
  isvc.metadata.generation = 2;
  t.client.seed(INFERENCE_SERVICES, isvc, 'MODIFIED');
  const waiting = await t.reconciler.reconcile('ml/iris');
  assert.equal(t.condition('RolloutProgressing')?.reason, 'WaitingForCanary');
  assert.deepEqual(waiting, { requeueAfterMs: 10_000 }, 'a rollout in progress looks again every interval');
  t.client.seed(PODS, readyPod('v2-a', v2));
  await t.reconciler.reconcile('ml/iris');
  const traffic = () => Object.fromEntries((t.get().status!.components!.predictor!.traffic ?? []).map((x) => [x.revisionName, x.percent]));
  assert.deepEqual(traffic(), { [v1]: 90, [v2]: 10 });
  assert.equal(t.condition('RolloutProgressing')?.reason, 'StepProgressing');
  assert.equal(t.get().spec.predictor.canaryTrafficPercent, undefined, 'the spec is never rewritten');
  assert.equal(queries.length, 0, 'nothing is judged before the step clock runs');
  return { ...t, v1, v2, traffic, queries };
}

const sampleOf = (requests: number, errors: number, p99: number) => ({ requests, errors, latencyP99Seconds: p99 });

test('automated rollout: healthy analyses move the steps and promote; then zero writes and no queries', async () => {
  const t = await rolloutAtFirstStep(() => ({ canary: sampleOf(100, 0, 0.01), stable: sampleOf(900, 0, 0.01) }));
  await t.clock.advance(10_000);
  assert.deepEqual(await t.reconciler.reconcile('ml/iris'), { requeueAfterMs: 10_000 });
  assert.deepEqual(t.queries.at(-1), { namespace: 'ml', canary: t.v2, stable: t.v1, windowSeconds: 10 });
  await t.clock.advance(10_000);
  await t.reconciler.reconcile('ml/iris');
  assert.deepEqual(t.traffic(), { [t.v1]: 60, [t.v2]: 40 });
  assert.ok(t.events.some((e) => e.reason === 'RolloutStepAdvanced'));
  await t.reconciler.reconcile('ml/iris');
  await t.clock.advance(20_000);
  await t.reconciler.reconcile('ml/iris');
  assert.deepEqual(t.traffic(), { [t.v2]: 100 });
  await t.reconciler.reconcile('ml/iris');
  assert.equal(t.condition('RolloutProgressing')?.reason, 'RolloutSucceeded');
  assert.equal(t.get().status!.components!.predictor!.rollout!.phase, 'Succeeded');
  const [writes, queries] = [t.client.writes(), t.queries.length];
  for (let i = 0; i < 3; i++) {
    await t.clock.advance(60_000);
    assert.equal(await t.reconciler.reconcile('ml/iris'), undefined, 'no requeue at steady state');
  }
  assert.equal(t.client.writes(), writes, 'steady state: zero writes');
  assert.equal(t.queries.length, queries, 'steady state: no Prometheus queries');
});

test('automated rollout: a failing check rolls back with a RolloutAborted Warning and a condition naming the check and values', async () => {
  const t = await rolloutAtFirstStep(() => ({ canary: sampleOf(100, 0, 0.3), stable: sampleOf(900, 0, 0.01) }));
  await t.clock.advance(10_000);
  await t.reconciler.reconcile('ml/iris');
  assert.deepEqual(t.traffic(), { [t.v1]: 100, [t.v2]: 0 });
  const c = t.condition('RolloutProgressing')!;
  assert.equal(c.status, 'False');
  assert.equal(c.reason, 'RolloutAborted');
  assert.match(c.message!, /check latencyP99 failed \(maxRatio 1\.5\): canary p99 latency 300\.0 ms over 100 requests, stable 10\.0 ms over 900 requests/);
  const warning = t.events.find((e) => e.reason === 'RolloutAborted');
  assert.equal(warning?.type, 'Warning');
  assert.equal(t.get().status!.components!.predictor!.rollout!.failedCheck, 'latencyP99');
  assert.equal(t.condition('Ready')!.status, 'True', 'the stable revision serves: the InferenceService stays Ready');
  const writes = t.client.writes();
  for (let i = 0; i < 3; i++) { await t.clock.advance(60_000); await t.reconciler.reconcile('ml/iris'); }
  assert.equal(t.client.writes(), writes, 'after an abort: zero writes');
  assert.ok(t.client.peek(DEPLOYMENTS, 'ml', t.v1), 'the stable revision is kept');
});

test('automated rollout: Prometheus unreachable holds the step and says why', async () => {
  const t = await rolloutAtFirstStep(() => ({ noData: 'Prometheus at http://127.0.0.1:1 did not answer: fetch failed' }));
  await t.clock.advance(60_000);
  await t.reconciler.reconcile('ml/iris');
  assert.deepEqual(t.traffic(), { [t.v1]: 90, [t.v2]: 10 });
  assert.equal(t.condition('RolloutProgressing')?.reason, 'WaitingForData');
  assert.match(t.condition('RolloutProgressing')!.message!, /did not answer/);
});

test('rollback window: the switch keeps v1 at its pods without an HPA, looks again when the window ends, then deletes it', async () => {
  const t = setup();
  const scaling = { minReplicas: 1, maxReplicas: 3, rollbackWindowSeconds: 120 };
  t.create(scaling);
  const v1 = rev(scaling);
  t.client.seed(PODS, readyPod('v1-a', v1));
  t.client.seed(PODS, readyPod('v1-b', v1));
  await t.reconciler.reconcile('ml/iris');
  assert.ok(t.client.peek(HPAS, 'ml', v1) !== undefined, 'v1 serves under its HPA');
  const v2spec = { ...scaling, model: { modelFormat: { name: 'onnx' as const }, storageUri: 's3://models/iris-v2.onnx' } };
  const v2 = rev(v2spec);
  const isvc = t.get();
  isvc.spec.predictor = v2spec;
  isvc.metadata.generation = 2;
  t.client.seed(INFERENCE_SERVICES, isvc, 'MODIFIED');
  t.client.seed(PODS, readyPod('v2-a', v2));
  const switched = await t.reconciler.reconcile('ml/iris');
  const predictor = () => t.get().status!.components!.predictor!;
  assert.equal(predictor().latestRolledoutRevision, v2);
  assert.deepEqual(predictor().rollbackWindow, { revisionName: v1, replicas: 2, switchTime: new Date(t.clock.now()).toISOString(), expiresAt: new Date(t.clock.now() + 120_000).toISOString() });
  assert.deepEqual(switched, { requeueAfterMs: 120_100 }, 'the pass after the window is scheduled: no event would bring it');
  assert.equal(t.client.peek<V1Deployment>(DEPLOYMENTS, 'ml', v1)?.spec?.replicas, 2, 'v1 keeps the 2 pods it served with');
  assert.equal(t.client.peek(HPAS, 'ml', v1), undefined, 'no HPA scales the idle v1 down meanwhile');
  // Steady state inside the window: nothing to write.
  await t.clock.advance(60_000);
  const before = t.client.writes();
  assert.deepEqual(await t.reconciler.reconcile('ml/iris'), { requeueAfterMs: 60_100 });
  assert.equal(t.client.writes(), before);
  await t.clock.advance(60_100);
  assert.equal(await t.reconciler.reconcile('ml/iris'), undefined);
  assert.equal(t.client.peek(DEPLOYMENTS, 'ml', v1), undefined, 'v1 deleted when its window ended');
  assert.equal(predictor().rollbackWindow, undefined);
  assert.ok(t.events.some((e) => e.reason === 'RevisionRetired' && e.message.includes(v1)));
});
