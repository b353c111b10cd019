import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultAndValidate } from './validation.ts';
import { isvcFixture } from '../../../test/operator/unit-support/fixtures.ts';
import type { PredictorSpec } from './types.ts';

test('schema defaults are filled into a copy', () => {
  const isvc = isvcFixture();
  const result = defaultAndValidate(isvc);
  assert.ok(result.ok);
  assert.equal(result.isvc.spec.predictor.minReplicas, 1);
  assert.equal(result.isvc.spec.predictor.scaleMetric, 'queueLength');
  assert.equal(isvc.spec.predictor.minReplicas, undefined, 'the input is not mutated');
});

test('structural violations are reported with their path', () => {
  const cases: Array<[Partial<PredictorSpec>, RegExp]> = [
    [{ minReplicas: -1 }, /spec\.predictor\.minReplicas: must be >= 0/],
    [{ canaryTrafficPercent: 101 }, /canaryTrafficPercent: must be <= 100/],
    [{ scaleMetric: 'rps' as never }, /scaleMetric: must be one of queueLength, concurrency, cpu, memory/],
    [{ batching: { maxBatchSize: 0 } }, /maxBatchSize: must be >= 1/],
    [{ logger: { url: 'http://sink', sampleRate: 1.5 } }, /logger\.sampleRate: must be <= 1/],
    [{ logger: { url: 'http://sink', mode: 'everything' as never } }, /logger\.mode: must be one of all, request, response/],
    [{ tracing: { samplingRatio: -0.1 } }, /tracing\.samplingRatio: must be >= 0/],
    [{ model: { modelFormat: { name: 'tensorflow' as never }, storageUri: 's3://a/b' } }, /modelFormat\.name: must be one of onnx/],
    // Free-form maps are bounded (the operator caches every object).
    [{ labels: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v'])) }, /spec\.predictor\.labels: must NOT have more than 64 properties/],
    [{ annotations: { a: 'x'.repeat(1025) } }, /annotations\.a: must NOT have more than 1024 characters/],
    [{ model: { modelFormat: { name: 'onnx' }, storageUri: 's3://a/b', resources: { limits: { cpu: '1'.repeat(65) } } } }, /limits\.cpu: must NOT have more than 64 characters/],
  ];
  for (const [predictor, message] of cases) {
    const result = defaultAndValidate(isvcFixture(predictor));
    assert.ok(!result.ok, JSON.stringify(predictor));
    assert.match(result.errors.join('\n'), message);
  }
});

test('variants and the shadow are defaulted like the main predictor; the CEL rules are checked again on read', () => {
  const model = (v: string) => ({ model: { modelFormat: { name: 'onnx' as const }, storageUri: `s3://m/${v}.onnx` } });
  const spec = (extra: object) => ({ ...isvcFixture(), spec: { predictor: model('v1'), ...extra } }) as Parameters<typeof defaultAndValidate>[0];
  const ok = defaultAndValidate(spec({ variants: [{ name: 'b', predictor: model('v2') }], shadow: { predictor: model('v3') } }));
  assert.ok(ok.ok);
  assert.deepEqual(ok.isvc.spec.variants?.map((v) => [v.name, v.trafficPercent, v.predictor.minReplicas, v.predictor.scaleMetric]), [['b', 0, 1, 'queueLength']]);
  assert.deepEqual([ok.isvc.spec.shadow?.percent, ok.isvc.spec.shadow?.predictor.minReplicas], [100, 1]);
  const errors = (extra: object) => {
    const r = defaultAndValidate(spec(extra));
    return r.ok ? [] : r.errors;
  };
  assert.match(errors({ variants: [{ name: 'b', trafficPercent: 60, predictor: model('v2') }, { name: 'c', trafficPercent: 41, predictor: model('v3') }] }).join(), /sum to at most 100 \(got 101\)/);
  assert.deepEqual(errors({ variants: [{ name: 'b', trafficPercent: 60, predictor: model('v2') }, { name: 'c', trafficPercent: 40, predictor: model('v3') }] }), []);
  assert.match(errors({ variants: [{ name: 'shadow', predictor: model('v2') }] }).join(), /may not be named/);
  assert.match(errors({ variants: [{ name: 'b', predictor: model('v2') }, { name: 'b', predictor: model('v3') }] }).join(), /duplicate variant name b/);
  assert.match(errors({ variants: [{ name: 'b', predictor: { ...model('v2'), canaryTrafficPercent: 5 } }] }).join(), /canaryTrafficPercent applies to spec.predictor only/);
  assert.match(errors({ shadow: { predictor: { ...model('v2'), canaryTrafficPercent: 5 } } }).join(), /canaryTrafficPercent applies to spec.predictor only/);
  assert.match(errors({ variants: [{ name: 'b', predictor: { ...model('v2'), batching: { maxBatchSize: 9, maxQueueSize: 4 } } }] }).join(), /spec.predictor.batching|batching/);
});

test('fallback: exactly one of storageUri and response, elements in the datatype\'s list; the CEL rules, re-checked on read', () => {
  const y = (t: object) => ({ response: { outputs: [{ name: 'y', shape: [1], ...t }] } });
  const cases: Array<[object, RegExp | undefined]> = [
    [{ storageUri: 's3://m/small.onnx' }, undefined],
    [y({ datatype: 'FP32', data: [0] }), undefined],
    [y({ datatype: 'BOOL', boolData: [true] }), undefined],
    [y({ datatype: 'BYTES', bytesData: ['a'] }), undefined],
    [{ on: ['error'] }, /spec\.predictor\.fallback: needs exactly one of storageUri/],
    [{ storageUri: 's3://m/small.onnx', ...y({ datatype: 'FP32', data: [0] }) }, /needs exactly one of storageUri/],
    [y({ datatype: 'BYTES', data: [0] }), /outputs\[0\]: datatype BYTES takes its elements in bytesData/],
    [y({ datatype: 'BOOL', boolData: [true], data: [1] }), /datatype BOOL takes its elements in boolData/],
    [y({ datatype: 'INT64' }), /datatype INT64 takes its elements in data/],
  ];
  for (const [fallback, message] of cases) {
    const result = defaultAndValidate(isvcFixture({ fallback: fallback as PredictorSpec['fallback'] }));
    if (message === undefined) assert.ok(result.ok, `${JSON.stringify(fallback)}: ${result.ok ? '' : result.errors.join()}`);
    else assert.match(result.ok ? '' : result.errors.join('\n'), message, JSON.stringify(fallback));
  }
  const inVariant = defaultAndValidate({ ...isvcFixture(), spec: { predictor: isvcFixture().spec.predictor, variants: [{ name: 'b', predictor: { ...isvcFixture().spec.predictor, fallback: { on: ['error'] } } }] } });
  assert.match(inVariant.ok ? '' : inVariant.errors.join(), /spec\.variants\[0\]\.predictor\.fallback: needs exactly one/);
});

test('rollout steps must increase: the CEL rule, re-checked on read', () => {
  const bad = defaultAndValidate(isvcFixture({ rollout: { steps: [{ trafficPercent: 10 }, { trafficPercent: 30 }, { trafficPercent: 30 }] } }));
  assert.ok(!bad.ok);
  assert.match(bad.errors.join('\n'), /spec\.predictor\.rollout\.steps\[2\]: rollout\.steps must have strictly increasing trafficPercent/);
  const good = defaultAndValidate(isvcFixture({ rollout: { steps: [{ trafficPercent: 10 }, { trafficPercent: 30 }] } }));
  assert.ok(good.ok);
  assert.deepEqual(good.isvc.spec.predictor.rollout, {
    steps: [{ trafficPercent: 10, pauseSeconds: 60 }, { trafficPercent: 30, pauseSeconds: 60 }],
    interval: 30, minRequests: 50, checks: { errorRate: { maxIncrease: 0.01 }, latencyP99: { maxRatio: 1.5 } },
  }, 'the schema defaults are filled');
});
