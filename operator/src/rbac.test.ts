// The ClusterRole and the leader-election Role grant exactly the verbs the
// operator's code sends. The verbs are collected by driving the real modules
// (informers, reconciler, leader election, event recorder) against the fake
// client, so a new request in the code fails this test until RBAC grants it,
// and a grant nothing uses fails it too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { load } from 'js-yaml';
import type { V1Pod } from '@kubernetes/client-node';
import { FakeKubeClient } from '../../test/operator/unit-support/fake-client.ts';
import { FakeClock } from '../../test/operator/unit-support/fake-clock.ts';
import { KubeApiError, type KubeObject, type ResourceType } from './kube/client.ts';
import { BATCH_INFERENCES, CRON_JOBS, DEPLOYMENTS, GRPC_ROUTES, HPAS, HTTP_ROUTES, INFERENCE_SERVICES, JOBS, PDBS, PODS, SCALED_OBJECTS, SERVICES, VIRTUAL_SERVICES } from './kube/resources.ts';
import { detectBatch, detectKeda, detectTrafficCrds } from './kube/discovery.ts';
import { batchFixture, batchReconciler } from '../../test/operator/unit-support/batch-fixtures.ts';
import { AUTOSCALER_CLASS_ANNOTATION } from './resources/autoscaler-class.ts';
import { TRAFFIC_MODE_ANNOTATION } from './canary/mode.ts';
import { REVISION_LABEL, revisionName } from './canary/revision.ts';
import { Informer } from './kube/informer.ts';
import { LeaderElector } from './kube/leader.ts';
import { Reconciler } from './controller/reconciler.ts';
import { EventRecorder } from './controller/events.ts';
import { defaulted, isvcFixture } from '../../test/operator/unit-support/fixtures.ts';
import type { InferenceService, PredictorSpec } from './api/types.ts';
import { DEFAULT_BUILD_CONFIG } from './settings.ts';
import { createLogger } from '../../common/src/logger.ts';
import { ISVC_LABEL } from './resources/labels.ts';

interface Rule { apiGroups: string[]; resources: string[]; verbs: string[] }
const root = resolve(import.meta.dirname, '..', '..');
const rules = (file: string): Rule[] => (load(readFileSync(resolve(root, 'config/rbac', file), 'utf8')) as { rules: Rule[] }).rules;

function granted(): Set<string> {
  const out = new Set<string>();
  for (const r of [...rules('role.yaml'), ...rules('leader_election_role.yaml')]) {
    for (const resource of r.resources) for (const verb of r.verbs) out.add(`${resource}:${verb}`);
  }
  return out;
}

async function usedVerbs(): Promise<Set<string>> {
  const client = new FakeKubeClient();
  const clock = new FakeClock();
  const logger = createLogger({ component: 'test', silent: true });
  const tick = async () => { for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r)); };
  await detectTrafficCrds(client, logger);
  await detectKeda(client, logger);
  await detectBatch(client, logger);
  for (const type of [INFERENCE_SERVICES, DEPLOYMENTS, SERVICES, HPAS, PDBS, PODS, HTTP_ROUTES, GRPC_ROUTES, VIRTUAL_SERVICES, SCALED_OBJECTS, BATCH_INFERENCES, JOBS, CRON_JOBS]) {
    const informer = new Informer<KubeObject>({ client, clock, logger, type });
    informer.start();
    await tick();
    await informer.stop();
  }
  const lister = <T extends KubeObject>(type: ResourceType) => ({ get: (ns: string, name: string) => client.peek<T>(type, ns, name) });
  const reconciler = new Reconciler({
    client, clock, logger, config: { ...DEFAULT_BUILD_CONFIG, traffic: { ...DEFAULT_BUILD_CONFIG.traffic, allowModeAnnotation: true, installed: { gatewayApi: true, grpcRoute: true, istio: true } }, autoscaling: { ...DEFAULT_BUILD_CONFIG.autoscaling, kedaInstalled: true } },
    events: new EventRecorder({ client, clock, logger, instance: 'test' }),
    caches: {
      inferenceServices: { ...lister<InferenceService>(INFERENCE_SERVICES), list: () => client.all<InferenceService>(INFERENCE_SERVICES) }, deployments: lister(DEPLOYMENTS), services: lister(SERVICES), hpas: lister(HPAS), pdbs: lister(PDBS),
      podsFor: (ns, name) => client.all<V1Pod>(PODS).filter((p) => p.metadata?.namespace === ns && p.metadata?.labels?.[ISVC_LABEL] === name),
      childrenFor: (ns, name) => [...client.all<KubeObject>(DEPLOYMENTS), ...client.all<KubeObject>(SERVICES)]
        .filter((o) => o.metadata?.namespace === ns && o.metadata?.labels?.[ISVC_LABEL] === name),
      httpRoutes: lister(HTTP_ROUTES),
      grpcRoutes: lister(GRPC_ROUTES),
      virtualServices: lister(VIRTUAL_SERVICES),
      scaledObjects: lister(SCALED_OBJECTS),
    },
  });
  // A ready pod of a revision makes it serve: a transition, so Events.
  const readyPod = (name: string, predictor: PredictorSpec) => client.seed(PODS, {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, namespace: 'ml', labels: { [ISVC_LABEL]: 'iris', [REVISION_LABEL]: revisionName('iris', defaulted(predictor).spec.predictor) } },
    status: { conditions: [{ type: 'Ready', status: 'True' }] },
  });
  // Istio and KEDA first; then a new spec under the Gateway API and the HPA class
  // (the VirtualService and the first revision's ScaledObject are deleted);
  // then, once the new revision is ready, Service mode: the promotion retires the first
  // revision (Deployment, Service, HPA deleted) and the HTTPRoute is deleted.
  const first = isvcFixture({ minReplicas: 1, maxReplicas: 2 });
  client.seed(INFERENCE_SERVICES, { ...first, metadata: { ...first.metadata, annotations: { [TRAFFIC_MODE_ANNOTATION]: 'istio', [AUTOSCALER_CLASS_ANNOTATION]: 'keda' } } });
  readyPod('p1', first.spec.predictor);
  client.failNext('update', 'inferenceservices', new KubeApiError(409, 'Conflict', 'x'));
  await reconciler.reconcile('ml/iris');
  const isvc = client.peek<InferenceService>(INFERENCE_SERVICES, 'ml', 'iris')!;
  delete isvc.spec.predictor.maxReplicas;
  client.seed(INFERENCE_SERVICES, { ...isvc, metadata: { ...isvc.metadata, generation: 2, annotations: { [TRAFFIC_MODE_ANNOTATION]: 'gatewayApi' } } }, 'MODIFIED');
  await reconciler.reconcile('ml/iris');
  readyPod('p2', isvc.spec.predictor);
  const again = client.peek<InferenceService>(INFERENCE_SERVICES, 'ml', 'iris')!;
  client.seed(INFERENCE_SERVICES, { ...again, metadata: { ...again.metadata, annotations: { [TRAFFIC_MODE_ANNOTATION]: 'service' } } }, 'MODIFIED');
  await reconciler.reconcile('ml/iris');
  // Batch: a run's Job (and the read after a 409 on create), a schedule's CronJob, a status write retried after a 409.
  const batch = batchReconciler(client, clock);
  client.seed(BATCH_INFERENCES, batchFixture());
  client.failNext('update', 'batchinferences', new KubeApiError(409, 'Conflict', 'x'));
  await batch.reconcile('ml/score');
  client.seed(BATCH_INFERENCES, batchFixture({}, 'taken'));
  client.seed(JOBS, { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'taken', namespace: 'ml' } });
  await batch.reconcile('ml/taken');
  client.seed(BATCH_INFERENCES, batchFixture({ schedule: '@daily' }, 'nightly'));
  await batch.reconcile('ml/nightly');
  const elector = new LeaderElector({ client, clock, logger, namespace: 'sys', name: 'l', identity: 'a', leaseDurationSeconds: 15, renewDeadlineSeconds: 10, retryPeriodSeconds: 2 });
  await elector.acquire(new AbortController().signal);
  const holding = new AbortController();
  const held = elector.hold(holding.signal);
  await clock.advance(2_000);
  holding.abort();
  await held;
  await elector.release();
  // Status writes go to the status subresource; the fake client records them as updates of the parent.
  return new Set(client.requests.map((r) => `${(r.plural === 'inferenceservices' || r.plural === 'batchinferences') && r.verb === 'update' ? `${r.plural}/status` : r.plural}:${r.verb}`));
}

test('RBAC grants exactly the verbs the operator uses', async () => {
  const used = await usedVerbs();
  // Not sent as a request: required by the admission plugin for blockOwnerDeletion.
  used.add('inferenceservices/finalizers:update');
  used.add('batchinferences/finalizers:update');
  // A server-side apply PATCH that creates its object is authorized as create as well.
  for (const v of [...used]) if (v.endsWith(':patch') && !v.startsWith('inferenceservices') && !v.startsWith('batchinferences')) used.add(v.replace(/:patch$/, ':create'));
  assert.deepEqual([...granted()].sort(), [...used].sort());
});
