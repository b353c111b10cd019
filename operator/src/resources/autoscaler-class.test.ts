import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AUTOSCALER_CLASS_ANNOTATION, KSERVE_AUTOSCALER_CLASS_ANNOTATION, resolveAutoscaler } from './autoscaler-class.ts';

const MISSING = 'the KEDA ScaledObject CRD (keda.sh) is not installed: using hpa';
const CLAMP = 'minReplicas 0 needs the keda autoscaler class: the HPA keeps at least 1 replica';

test('class from the setting, overridden by either annotation; keda only when installed', () => {
  const cases: Array<[string, Record<string, string> | undefined, 'hpa' | 'keda', boolean, number, object]> = [
    ['default', undefined, 'hpa', true, 1, { autoscalerClass: 'hpa' }],
    ['setting keda', undefined, 'keda', true, 0, { autoscalerClass: 'keda' }],
    ['kserve annotation', { [KSERVE_AUTOSCALER_CLASS_ANNOTATION]: 'keda' }, 'hpa', true, 0, { autoscalerClass: 'keda' }],
    ['our annotation wins', { [AUTOSCALER_CLASS_ANNOTATION]: 'hpa', [KSERVE_AUTOSCALER_CLASS_ANNOTATION]: 'keda' }, 'keda', true, 1, { autoscalerClass: 'hpa' }],
    ['keda not installed', { [KSERVE_AUTOSCALER_CLASS_ANNOTATION]: 'keda' }, 'hpa', false, 1, { autoscalerClass: 'hpa', problem: MISSING }],
    ['keda not installed, min 0', undefined, 'keda', false, 0, { autoscalerClass: 'hpa', problem: `${MISSING}; ${CLAMP}` }],
    ['hpa with min 0', undefined, 'hpa', true, 0, { autoscalerClass: 'hpa', problem: CLAMP }],
    ['unknown class', { [AUTOSCALER_CLASS_ANNOTATION]: 'kpa' }, 'hpa', true, 1, { autoscalerClass: 'hpa', problem: 'autoscaler class must be one of hpa, keda; got kpa: using hpa' }],
  ];
  for (const [name, annotations, autoscalerClass, kedaInstalled, minReplicas, want] of cases) {
    assert.deepEqual(resolveAutoscaler(annotations, { autoscalerClass, kedaInstalled }, minReplicas, true), want, name);
  }
});

test('min 0 without room to scale is a fixed count of zero, not a clamp', () => {
  assert.deepEqual(resolveAutoscaler(undefined, { autoscalerClass: 'hpa', kedaInstalled: false }, 0, false), { autoscalerClass: 'hpa' });
});
