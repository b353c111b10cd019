import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SCALE_DOWN, DEFAULT_SCALE_UP, buildHpa } from './hpa.ts';
import { defaulted } from '../../../test/operator/unit-support/fixtures.ts';
import type { ScaleBehavior } from '../api/types.ts';

test('no HPA without room to scale', () => {
  assert.equal(buildHpa(defaulted({})), undefined);
  assert.equal(buildHpa(defaulted({ minReplicas: 2, maxReplicas: 2 })), undefined);
});

test('metric per scaleMetric', () => {
  const cases = [
    [{ scaleMetric: 'queueLength' as const }, { type: 'Pods', pods: { metric: { name: 'modelship_queue_length' }, target: { type: 'AverageValue', averageValue: '4' } } }],
    [{ scaleMetric: 'concurrency' as const, scaleTarget: 3 }, { type: 'Pods', pods: { metric: { name: 'modelship_requests_in_flight' }, target: { type: 'AverageValue', averageValue: '3' } } }],
    [{ scaleMetric: 'cpu' as const, scaleTarget: 60 }, { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } }],
  ] as const;
  for (const [extra, metric] of cases) {
    const hpa = buildHpa(defaulted({ minReplicas: 1, maxReplicas: 4, ...extra }))!;
    assert.deepEqual(hpa.spec!.metrics, [metric]);
    assert.equal(hpa.spec!.scaleTargetRef.name, 'iris-predictor');
    assert.equal(hpa.spec!.maxReplicas, 4);
  }
});

test('minReplicas 0 is held at 1 by the HPA', () => {
  assert.equal(buildHpa(defaulted({ minReplicas: 0, maxReplicas: 3 }))!.spec!.minReplicas, 1);
});

test('scale behaviour: defaults, and the spec merged over them field by field', () => {
  const plain = buildHpa(defaulted({ minReplicas: 1, maxReplicas: 4 }))!;
  assert.deepEqual(plain.spec!.behavior, { scaleUp: DEFAULT_SCALE_UP, scaleDown: DEFAULT_SCALE_DOWN });
  const cases: Array<[ScaleBehavior, object, object]> = [
    [{ scaleDown: { stabilizationWindowSeconds: 15 } }, DEFAULT_SCALE_UP, { ...DEFAULT_SCALE_DOWN, stabilizationWindowSeconds: 15 }],
    [
      { scaleUp: { policies: [{ type: 'Pods', value: 2, periodSeconds: 5 }], selectPolicy: 'Min' } },
      { stabilizationWindowSeconds: 0, policies: [{ type: 'Pods', value: 2, periodSeconds: 5 }], selectPolicy: 'Min' },
      DEFAULT_SCALE_DOWN,
    ],
    [{ scaleDown: { selectPolicy: 'Disabled' } }, DEFAULT_SCALE_UP, { ...DEFAULT_SCALE_DOWN, selectPolicy: 'Disabled' }],
  ];
  for (const [scaleBehavior, up, down] of cases) {
    const hpa = buildHpa(defaulted({ minReplicas: 1, maxReplicas: 4, scaleBehavior }))!;
    assert.deepEqual(hpa.spec!.behavior, { scaleUp: up, scaleDown: down });
  }
});
