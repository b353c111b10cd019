// The operator's reconcile spans in a real OpenTelemetry Collector: a real
// Reconciler (on the fake client of the unit tests) run through the tracing
// main.ts wires in with --tracing-endpoint. One span per reconcile, a child
// per API call made during it; calls outside a reconcile get no span.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import { createLogger } from '../../common/src/logger.ts';
import type { InferenceService } from '../../operator/src/api/types.ts';
import { Reconciler } from '../../operator/src/controller/reconciler.ts';
import type { KubeObject, ResourceType } from '../../operator/src/kube/client.ts';
import { createReconcileTracing } from '../../operator/src/kube/reconcile-tracing-otel.ts';
import { DEPLOYMENTS, HPAS, INFERENCE_SERVICES, PDBS, PODS, SCALED_OBJECTS, SERVICES } from '../../operator/src/kube/resources.ts';
import { ISVC_LABEL } from '../../operator/src/resources/labels.ts';
import { DEFAULT_BUILD_CONFIG } from '../../operator/src/settings.ts';
import { FakeKubeClient } from '../operator/unit-support/fake-client.ts';
import { FakeClock } from '../operator/unit-support/fake-clock.ts';
import { isvcFixture } from '../operator/unit-support/fixtures.ts';
import { eventually, startCollector, type Collector } from './support.ts';

let collector: Collector;
before(async () => {
  collector = await startCollector();
});
after(async () => {
  await collector?.stop();
});

test('one reconcile span per pass, one child span per API call it made', async () => {
  const tracing = createReconcileTracing(collector.endpoint, 1);
  const fake = new FakeKubeClient();
  const client = tracing.client(fake);
  const lister = <T extends KubeObject>(type: ResourceType) => ({ get: (ns: string, name: string) => fake.peek<T>(type, ns, name) });
  const reconciler = new Reconciler({
    client,
    clock: new FakeClock(),
    logger: createLogger({ component: 'test', silent: true }),
    config: DEFAULT_BUILD_CONFIG,
    events: { record: async () => undefined },
    caches: {
      inferenceServices: { ...lister<InferenceService>(INFERENCE_SERVICES), list: () => fake.all<InferenceService>(INFERENCE_SERVICES) },
      deployments: lister(DEPLOYMENTS),
      services: lister(SERVICES),
      hpas: lister(HPAS),
      pdbs: lister(PDBS),
      podsFor: (ns, name) => fake.all<V1Pod>(PODS).filter((p) => p.metadata?.namespace === ns && p.metadata?.labels?.[ISVC_LABEL] === name),
      childrenFor: () => [],
      httpRoutes: { get: () => undefined },
      virtualServices: { get: () => undefined },
      scaledObjects: lister(SCALED_OBJECTS),
    },
  });
  fake.seed(INFERENCE_SERVICES, isvcFixture({}, 'iris'));
  const writesBefore = fake.writes();
  await tracing.reconcile('ml/iris', () => reconciler.reconcile('ml/iris'));
  const writes = fake.writes() - writesBefore;
  // Outside a reconcile (an informer's list, a watch): no span.
  await client.list(DEPLOYMENTS, { namespace: 'ml' });
  await tracing.shutdown();

  const spans = await eventually('the reconcile span', () => (collector.spans().some((s) => s.name === 'reconcile') ? collector.spans() : undefined));
  const reconciles = spans.filter((s) => s.name === 'reconcile');
  assert.equal(reconciles.length, 1);
  const root = reconciles[0]!;
  assert.equal(root.parentSpanId, '');
  assert.equal(root.attributes['modelship.key'], 'ml/iris');
  assert.equal(root.resource['service.name'], 'modelship-operator');
  const children = spans.filter((s) => s.traceId === root.traceId && s !== root);
  assert.ok(children.length >= writes && writes > 0, `${children.length} API call spans for ${writes} writes`);
  for (const c of children) {
    assert.equal(c.parentSpanId, root.spanId, `${c.name} is a child of the reconcile`);
    assert.equal(c.kind, 3, 'SPAN_KIND_CLIENT');
    assert.match(c.name, /^(get|list|apply|create|update|update-status|delete) [a-z]+$/);
  }
  const names = new Set(children.map((c) => c.name));
  assert.ok(names.has('apply deployments'), [...names].join(', '));
  assert.ok(names.has('apply services'), [...names].join(', '));
  assert.equal(spans.filter((s) => s.name === 'list deployments').length, 0, 'the call outside the reconcile made no span');
  // The wrapper passes apply's options through: a first write stays unforced (never taking over someone else's object).
  assert.ok(fake.applies.length > 0 && fake.applies.every((a) => !a.force), JSON.stringify(fake.applies));
});
