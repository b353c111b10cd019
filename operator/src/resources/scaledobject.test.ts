import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildScaledObject, podAverageQuery } from './scaledobject.ts';
import { DEFAULT_SCALE_DOWN, DEFAULT_SCALE_UP } from './hpa.ts';
import { defaulted } from '../../../test/operator/unit-support/fixtures.ts';

const PROM = 'http://prom.test:9090';

test('no ScaledObject without room to scale', () => {
  assert.equal(buildScaledObject(defaulted({}), PROM), undefined);
  assert.equal(buildScaledObject(defaulted({ minReplicas: 2, maxReplicas: 2 }), PROM), undefined);
});

test('trigger per scaleMetric', () => {
  const cases = [
    [{ scaleMetric: 'queueLength' as const }, { type: 'prometheus', metadata: { serverAddress: PROM, query: podAverageQuery('modelship_queue_length', 'ml', 'iris-predictor'), threshold: '4' } }],
    [{ scaleMetric: 'concurrency' as const, scaleTarget: 3 }, { type: 'prometheus', metadata: { serverAddress: PROM, query: podAverageQuery('modelship_requests_in_flight', 'ml', 'iris-predictor'), threshold: '3' } }],
    [{ scaleMetric: 'cpu' as const, scaleTarget: 60 }, { type: 'cpu', metricType: 'Utilization', metadata: { value: '60' } }],
    [{ scaleMetric: 'memory' as const }, { type: 'memory', metricType: 'Utilization', metadata: { value: '80' } }],
  ] as const;
  for (const [extra, trigger] of cases) {
    const so = buildScaledObject(defaulted({ minReplicas: 1, maxReplicas: 4, ...extra }), PROM)!;
    assert.deepEqual(so.spec.triggers, [trigger]);
    assert.deepEqual(so.spec.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name: 'iris-predictor' });
    assert.equal(so.spec.maxReplicaCount, 4);
    assert.equal(so.metadata.ownerReferences[0]?.kind, 'InferenceService');
  }
});

test('the query averages the gauge over the target Deployment pods only', () => {
  assert.equal(
    podAverageQuery('modelship_queue_length', 'ml', 'iris-abc'),
    'avg(modelship_queue_length{namespace="ml",pod=~"iris-abc-[a-z0-9]+-[a-z0-9]+"}) or vector(0)',
  );
});

test('minReplicas 0: kept for Prometheus triggers, held at 1 for cpu and memory', () => {
  const cases = [['queueLength', 0], ['concurrency', 0], ['cpu', 1], ['memory', 1]] as const;
  for (const [scaleMetric, min] of cases) {
    assert.equal(buildScaledObject(defaulted({ minReplicas: 0, maxReplicas: 3, scaleMetric }), PROM)!.spec.minReplicaCount, min, scaleMetric);
  }
});

test('scale behaviour goes to KEDA\'s HPA, merged over the defaults like the HPA class', () => {
  const so = buildScaledObject(defaulted({ minReplicas: 1, maxReplicas: 4, scaleBehavior: { scaleDown: { stabilizationWindowSeconds: 15 } } }), PROM)!;
  assert.deepEqual(so.spec.advanced.horizontalPodAutoscalerConfig.behavior, { scaleUp: DEFAULT_SCALE_UP, scaleDown: { ...DEFAULT_SCALE_DOWN, stabilizationWindowSeconds: 15 } });
});

test('another target Deployment (a revision) is both the scale target and the query', () => {
  const so = buildScaledObject(defaulted({ minReplicas: 0, maxReplicas: 2 }), PROM, 'iris-r2')!;
  assert.equal(so.spec.scaleTargetRef.name, 'iris-r2');
  assert.match(so.spec.triggers[0]!.metadata['query']!, /pod=~"iris-r2-/);
});
