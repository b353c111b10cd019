import { test } from 'node:test';
import assert from 'node:assert/strict';
import { driftThresholdOf, NO_SPEC_DEFAULTS, RUNTIME_MONITORING_DEFAULTS, type SpecDefaults } from './defaults.ts';
import { defaultAndValidate } from './validation.ts';
import { isvcFixture } from '../../../test/operator/unit-support/fixtures.ts';
import type { DefaultedPredictor, PredictorSpec } from './types.ts';
import { buildHpa, DEFAULT_SCALE_DOWN, DEFAULT_SCALE_UP } from '../resources/hpa.ts';
import { buildDeployment } from '../resources/deployment.ts';
import { DEFAULT_BUILD_CONFIG } from '../settings.ts';
import { revisionName } from '../canary/revision.ts';
import { parseServeConfig } from '../../../runtime/src/config.ts';

const OPERATOR: SpecDefaults = {
  batching: { maxBatchSize: 16, maxQueueDelayMs: 3, maxQueueSize: 256 },
  scaleMetric: 'concurrency',
  scaleTarget: 5,
  scaleUpStabilizationSeconds: 30,
  scaleDownStabilizationSeconds: 600,
  tracing: { endpoint: undefined, samplingRatio: undefined },
  monitoring: RUNTIME_MONITORING_DEFAULTS,
};

function predictorWith(spec: Partial<PredictorSpec>, defaults: SpecDefaults): DefaultedPredictor {
  const result = defaultAndValidate(isvcFixture(spec), defaults);
  if (!result.ok) throw new Error(result.errors.join('; '));
  return result.isvc.spec.predictor;
}

test('batching: the spec value wins, an unset field takes the operator default, no operator default leaves it to the runtime', () => {
  const cases: Array<[string, Partial<PredictorSpec>, SpecDefaults, DefaultedPredictor['batching']]> = [
    ['spec wins', { batching: { maxBatchSize: 8, maxQueueDelayMs: 0, maxQueueSize: 64 } }, OPERATOR, { maxBatchSize: 8, maxQueueDelayMs: 0, maxQueueSize: 64 }],
    ['unset -> operator default', {}, OPERATOR, { maxBatchSize: 16, maxQueueDelayMs: 3, maxQueueSize: 256 }],
    ['field by field', { batching: { maxQueueDelayMs: 10 } }, OPERATOR, { maxBatchSize: 16, maxQueueDelayMs: 10, maxQueueSize: 256 }],
    ['no operator default -> runtime default', {}, NO_SPEC_DEFAULTS, undefined],
    ['no operator default keeps the spec', { batching: { maxBatchSize: 4 } }, NO_SPEC_DEFAULTS, { maxBatchSize: 4 }],
    ['only some operator defaults', {}, { ...NO_SPEC_DEFAULTS, batching: { maxBatchSize: undefined, maxQueueDelayMs: 7, maxQueueSize: undefined } }, { maxQueueDelayMs: 7 }],
  ];
  for (const [name, spec, defaults, want] of cases) assert.deepEqual(predictorWith(spec, defaults).batching, want, name);
});

test('autoscaling: metric, target and stabilization windows', () => {
  type Want = Pick<DefaultedPredictor, 'scaleMetric' | 'scaleTarget' | 'scaleBehavior'>;
  const pick = (p: DefaultedPredictor): Want => ({ scaleMetric: p.scaleMetric, scaleTarget: p.scaleTarget, scaleBehavior: p.scaleBehavior });
  const cases: Array<[string, Partial<PredictorSpec>, SpecDefaults, Want]> = [
    ['no operator default: queueLength, nothing else written', {}, NO_SPEC_DEFAULTS, { scaleMetric: 'queueLength', scaleTarget: undefined, scaleBehavior: undefined }],
    ['unset -> operator defaults', {}, OPERATOR, {
      scaleMetric: 'concurrency', scaleTarget: 5,
      scaleBehavior: { scaleUp: { stabilizationWindowSeconds: 30 }, scaleDown: { stabilizationWindowSeconds: 600 } },
    }],
    ['spec wins', { scaleMetric: 'concurrency', scaleTarget: 9, scaleBehavior: { scaleUp: { stabilizationWindowSeconds: 0 }, scaleDown: { stabilizationWindowSeconds: 60 } } }, OPERATOR, {
      scaleMetric: 'concurrency', scaleTarget: 9,
      scaleBehavior: { scaleUp: { stabilizationWindowSeconds: 0 }, scaleDown: { stabilizationWindowSeconds: 60 } },
    }],
    // The default target is for the default metric: 5 concurrent requests is no CPU utilisation.
    ['another metric keeps its built-in target', { scaleMetric: 'cpu' }, OPERATOR, {
      scaleMetric: 'cpu', scaleTarget: undefined,
      scaleBehavior: { scaleUp: { stabilizationWindowSeconds: 30 }, scaleDown: { stabilizationWindowSeconds: 600 } },
    }],
    ['the other rule fields of the spec are kept', { scaleBehavior: { scaleDown: { selectPolicy: 'Disabled' } } }, OPERATOR, {
      scaleMetric: 'concurrency', scaleTarget: 5,
      scaleBehavior: { scaleUp: { stabilizationWindowSeconds: 30 }, scaleDown: { selectPolicy: 'Disabled', stabilizationWindowSeconds: 600 } },
    }],
    ['no window defaults keep the spec behaviour as is', { scaleBehavior: { scaleDown: { selectPolicy: 'Min' } } }, NO_SPEC_DEFAULTS, {
      scaleMetric: 'queueLength', scaleTarget: undefined, scaleBehavior: { scaleDown: { selectPolicy: 'Min' } },
    }],
  ];
  for (const [name, spec, defaults, want] of cases) assert.deepEqual(pick(predictorWith(spec, defaults)), want, name);
});

test('the builders render the defaulted spec: runtime flags and HPA', () => {
  const meta = (p: DefaultedPredictor) => ({ metadata: isvcFixture().metadata, spec: { predictor: p } });
  const args = (p: DefaultedPredictor) => buildDeployment(meta(p), DEFAULT_BUILD_CONFIG).spec!.template.spec!.containers[0]!.args ?? [];
  const withDefaults = predictorWith({ maxReplicas: 4 }, OPERATOR);
  const flags = args(withDefaults).join(' ');
  assert.match(flags, /--max-batch-size 16 --max-queue-delay-ms 3 --max-queue-size 256/);
  const hpa = buildHpa(meta(withDefaults))!;
  assert.equal(hpa.spec!.metrics![0]!.pods!.metric.name, 'modelship_requests_in_flight');
  assert.equal(hpa.spec!.metrics![0]!.pods!.target.averageValue, '5');
  assert.equal(hpa.spec!.behavior!.scaleUp!.stabilizationWindowSeconds, 30);
  assert.equal(hpa.spec!.behavior!.scaleDown!.stabilizationWindowSeconds, 600);
  assert.deepEqual(hpa.spec!.behavior!.scaleDown!.policies, DEFAULT_SCALE_DOWN.policies, 'the built-in policies stay');

  const without = predictorWith({ maxReplicas: 4 }, NO_SPEC_DEFAULTS);
  assert.doesNotMatch(args(without).join(' '), /--max-batch-size|--max-queue/, 'flags not passed: the runtime keeps its defaults');
  const plain = buildHpa(meta(without))!;
  assert.equal(plain.spec!.metrics![0]!.pods!.target.averageValue, '4');
  assert.deepEqual(plain.spec!.behavior, { scaleUp: DEFAULT_SCALE_UP, scaleDown: DEFAULT_SCALE_DOWN });
});

test('no operator defaults: the revision name is what it was before these settings (no rollout on upgrade)', () => {
  // The API server used to store scaleMetric: queueLength in every object; both forms must hash alike.
  const stored = predictorWith({ scaleMetric: 'queueLength' }, NO_SPEC_DEFAULTS);
  const fresh = predictorWith({}, NO_SPEC_DEFAULTS);
  assert.equal(revisionName('iris', fresh), revisionName('iris', stored));
  assert.deepEqual(fresh, { model: isvcFixture().spec.predictor.model, minReplicas: 1, scaleMetric: 'queueLength' }, 'nothing else written');
});

test('a default that breaks maxBatchSize <= maxQueueSize is reported, naming the operator default', () => {
  const result = defaultAndValidate(isvcFixture({ batching: { maxBatchSize: 512 } }), OPERATOR);
  assert.ok(!result.ok);
  assert.deepEqual(result.errors, ['spec.predictor.batching: maxBatchSize 512 exceeds maxQueueSize 256 (operator default)']);
});

test('the input is not mutated', () => {
  const isvc = isvcFixture({ scaleBehavior: { scaleUp: { selectPolicy: 'Max' } } });
  const before = structuredClone(isvc);
  defaultAndValidate(isvc, OPERATOR);
  assert.deepEqual(isvc, before);
});

test('monitoring: the spec wins; an operator default is written only where it differs from the runtime default', () => {
  const tighter: SpecDefaults = { ...NO_SPEC_DEFAULTS, monitoring: { driftThreshold: 0.1, window: 1000, inputPolicy: 'flag' } };
  const cases: Array<[string, Partial<PredictorSpec>, SpecDefaults, DefaultedPredictor['monitoring']]> = [
    ['runtime defaults: nothing written', {}, NO_SPEC_DEFAULTS, undefined],
    ['spec kept as is', { monitoring: { window: 500 } }, NO_SPEC_DEFAULTS, { window: 500 }],
    ['differing operator defaults filled, the one equal to the runtime\'s not', {}, tighter, { driftThreshold: 0.1, inputPolicy: 'flag' }],
    ['spec wins over operator default', { monitoring: { driftThreshold: 0.5, inputPolicy: 'off' } }, tighter, { driftThreshold: 0.5, inputPolicy: 'off' }],
  ];
  for (const [name, spec, defaults, want] of cases) assert.deepEqual(predictorWith(spec, defaults).monitoring, want, name);
  assert.equal(driftThresholdOf(predictorWith({}, NO_SPEC_DEFAULTS)), 0.2);
  assert.equal(driftThresholdOf(predictorWith({}, tighter)), 0.1);
});

test('monitoring reaches the runtime as flags only when set, so InferenceServices without it keep their pod template', () => {
  const meta = (p: DefaultedPredictor) => ({ metadata: isvcFixture().metadata, spec: { predictor: p } });
  const args = (p: DefaultedPredictor) => (buildDeployment(meta(p), DEFAULT_BUILD_CONFIG).spec!.template.spec!.containers[0]!.args ?? []).join(' ');
  assert.doesNotMatch(args(predictorWith({}, NO_SPEC_DEFAULTS)), /--drift|--input-policy/);
  assert.match(args(predictorWith({ monitoring: { driftThreshold: 0.25, window: 200, inputPolicy: 'reject' } }, NO_SPEC_DEFAULTS)), /--drift-threshold 0\.25 --drift-window 200 --input-policy reject/);
  const onlyPolicy = args(predictorWith({ monitoring: { inputPolicy: 'flag' } }, NO_SPEC_DEFAULTS));
  assert.match(onlyPolicy, /--input-policy flag/);
  assert.doesNotMatch(onlyPolicy, /--drift-/);
});

test('RUNTIME_MONITORING_DEFAULTS are the runtime\'s own --drift-window and --drift-threshold defaults, and the flags the builder passes parse there', () => {
  const runtime = parseServeConfig(['--model-name', 'iris', '--model-path', '/m/iris.onnx'], {}, 1);
  assert.equal(runtime.drift.window, RUNTIME_MONITORING_DEFAULTS.window);
  assert.equal(runtime.drift.threshold, RUNTIME_MONITORING_DEFAULTS.driftThreshold);
  const args = buildDeployment({ metadata: isvcFixture().metadata, spec: { predictor: predictorWith({ monitoring: { driftThreshold: 0.35, window: 10 } }, NO_SPEC_DEFAULTS) } }, DEFAULT_BUILD_CONFIG).spec!.template.spec!.containers[0]!.args!;
  const set = parseServeConfig(args.slice(1), {}, 1);
  assert.deepEqual([set.drift.window, set.drift.threshold], [10, 0.35], 'the smallest window the CRD allows is one the runtime accepts');
});
