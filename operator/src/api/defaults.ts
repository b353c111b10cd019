// Operator-wide defaults for predictor fields a spec leaves unset (the
// --default-* flags, chart values `defaults.*`). Applied in the one defaulting
// step (validation.ts defaultAndValidate), so builders read plain spec fields.
// An operator default that is not configured writes nothing: batching then
// stays with the runtime's own defaults and the HPA with the built-in ones in
// resources/hpa.ts. Writing nothing matters: the revision name is a hash of
// the defaulted predictor (canary/revision.ts), so filling a value every spec
// lacked would roll out a new revision of every InferenceService on upgrade.
import { INPUT_POLICIES, SCALE_METRICS } from './schema.ts';
import type { DefaultedPredictor, PredictorSpec } from './types.ts';

export type ScaleMetric = (typeof SCALE_METRICS)[number];
export type InputPolicy = (typeof INPUT_POLICIES)[number];

export interface MonitoringDefaults {
  driftThreshold: number;
  window: number;
  inputPolicy: InputPolicy;
}

/**
 * The runtime's own defaults of --drift-threshold, --drift-window and
 * --input-policy (a test ties them to runtime/src/config.ts). An operator
 * default equal to these is not written into specs: the runtime does the same
 * without the flag, and the pod template (and revision) of every existing
 * InferenceService stays unchanged. The DriftDetected condition reads the
 * defaulted spec's threshold, else this one.
 */
export const RUNTIME_MONITORING_DEFAULTS: MonitoringDefaults = Object.freeze({ driftThreshold: 0.2, window: 1000, inputPolicy: 'off' });

export interface SpecDefaults {
  batching: Readonly<{ maxBatchSize: number | undefined; maxQueueDelayMs: number | undefined; maxQueueSize: number | undefined }>;
  /** The metric of specs that name none. */
  scaleMetric: ScaleMetric;
  /** Target for scaleMetric above; a spec naming another metric keeps that metric's built-in target. */
  scaleTarget: number | undefined;
  scaleUpStabilizationSeconds: number | undefined;
  scaleDownStabilizationSeconds: number | undefined;
  /** Tracing of specs that leave spec.predictor.tracing (or one of its fields) unset. */
  tracing: Readonly<{ endpoint: string | undefined; samplingRatio: number | undefined }>;
  /** spec.predictor.monitoring fields a spec leaves unset. */
  monitoring: Readonly<MonitoringDefaults>;
}

/** No operator defaults configured: exactly the behaviour before these settings existed. */
export const NO_SPEC_DEFAULTS: SpecDefaults = Object.freeze({
  batching: Object.freeze({ maxBatchSize: undefined, maxQueueDelayMs: undefined, maxQueueSize: undefined }),
  scaleMetric: 'queueLength',
  scaleTarget: undefined,
  scaleUpStabilizationSeconds: undefined,
  scaleDownStabilizationSeconds: undefined,
  tracing: Object.freeze({ endpoint: undefined, samplingRatio: undefined }),
  monitoring: RUNTIME_MONITORING_DEFAULTS,
});

/** The configured monitoring defaults that differ from the runtime's own, as a partial spec to fill. */
function monitoringFill(defaults: MonitoringDefaults): Partial<MonitoringDefaults> {
  const out: Partial<MonitoringDefaults> = {};
  for (const key of Object.keys(RUNTIME_MONITORING_DEFAULTS) as Array<keyof MonitoringDefaults>) {
    if (defaults[key] !== RUNTIME_MONITORING_DEFAULTS[key]) (out as Record<string, unknown>)[key] = defaults[key];
  }
  return out;
}

/** The PSI threshold the DriftDetected condition applies to a defaulted predictor. */
export function driftThresholdOf(predictor: Pick<PredictorSpec, 'monitoring'>): number {
  return predictor.monitoring?.driftThreshold ?? RUNTIME_MONITORING_DEFAULTS.driftThreshold;
}

export type AppliedDefaults = { ok: true; predictor: DefaultedPredictor } | { ok: false; errors: string[] };

/** Fields set in `spec` win; `defaults` fills only what is unset there and configured here. */
function fill<T extends object>(spec: T | undefined, defaults: Partial<T>): T | undefined {
  const out = { ...defaults, ...Object.fromEntries(Object.entries(spec ?? {}).filter(([, v]) => v !== undefined)) } as T;
  for (const [k, v] of Object.entries(out)) if (v === undefined) delete (out as Record<string, unknown>)[k];
  return Object.keys(out).length === 0 ? spec : out;
}

/** Pure: the predictor (already schema-validated, schema defaults filled) with the operator defaults applied. */
export function applySpecDefaults(predictor: PredictorSpec & Required<Pick<PredictorSpec, 'minReplicas'>>, defaults: SpecDefaults): AppliedDefaults {
  const out: DefaultedPredictor = { ...predictor, scaleMetric: predictor.scaleMetric ?? defaults.scaleMetric };
  if (out.scaleTarget === undefined && defaults.scaleTarget !== undefined && out.scaleMetric === defaults.scaleMetric) {
    out.scaleTarget = defaults.scaleTarget;
  }
  const batching = fill(predictor.batching, defaults.batching);
  if (batching !== undefined) out.batching = batching;
  // A default ratio alone enables nothing (no endpoint), so it is only filled into specs with tracing or a default endpoint.
  const tracing = predictor.tracing !== undefined || defaults.tracing.endpoint !== undefined ? fill(predictor.tracing, defaults.tracing) : undefined;
  if (tracing !== undefined) out.tracing = tracing;
  const monitoring = fill(predictor.monitoring, monitoringFill(defaults.monitoring));
  if (monitoring !== undefined) out.monitoring = monitoring;
  const up = fill(predictor.scaleBehavior?.scaleUp, { stabilizationWindowSeconds: defaults.scaleUpStabilizationSeconds });
  const down = fill(predictor.scaleBehavior?.scaleDown, { stabilizationWindowSeconds: defaults.scaleDownStabilizationSeconds });
  if (up !== undefined || down !== undefined) {
    out.scaleBehavior = { ...predictor.scaleBehavior, ...(up !== undefined ? { scaleUp: up } : {}), ...(down !== undefined ? { scaleDown: down } : {}) };
  }
  // The schema's CEL rule checks the spec's own pair; a default may be what breaks it.
  const b = out.batching;
  if (b?.maxBatchSize !== undefined && b.maxQueueSize !== undefined && b.maxBatchSize > b.maxQueueSize) {
    const from = (field: 'maxBatchSize' | 'maxQueueSize') => (predictor.batching?.[field] === undefined ? ' (operator default)' : '');
    return {
      ok: false,
      errors: [`spec.predictor.batching: maxBatchSize ${b.maxBatchSize}${from('maxBatchSize')} exceeds maxQueueSize ${b.maxQueueSize}${from('maxQueueSize')}`],
    };
  }
  return { ok: true, predictor: out };
}
