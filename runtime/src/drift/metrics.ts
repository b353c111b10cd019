// The drift metrics, registered with the runtime's other metrics (metrics.ts
// calls createDriftMetrics) so docs/metrics.md and dashboards see them.
// Feature label values are bounded: the first MAX_FEATURE_LABELS features by
// name keep their own label, the rest share OTHER_FEATURES (gauges carry the
// largest value among them, the counter their sum), so a 784-pixel model
// cannot flood Prometheus.
import { Counter, Gauge, type Registry } from 'prom-client';

export const MAX_FEATURE_LABELS = 32;
export const OTHER_FEATURES = '_other';
/** Classes of one output with their own `class` label (the profile's first by name); the rest share OTHER_CLASSES. */
export const MAX_CLASS_LABELS = 32;
export const OTHER_CLASSES = '_other';
/** Predicted classes the training profile never saw. */
export const UNSEEN_CLASS = '_unseen';

export type FeatureStatistic = 'psi' | 'jensen_shannon' | 'ks' | 'out_of_range_share' | 'unseen_share';
export type PredictionStatistic = 'psi' | 'jensen_shannon' | 'ks';

export interface DriftMetrics {
  readonly feature: Gauge<'model' | 'feature' | 'statistic'>;
  readonly prediction: Gauge<'model' | 'output' | 'statistic'>;
  readonly outOfRange: Counter<'model' | 'feature'>;
  /** The PSI threshold this server flags drift at (--drift-threshold), so an alert can compare each model with its own. */
  readonly threshold: Gauge<'model'>;
  readonly predictions: Counter<'model' | 'output' | 'class'>;
  readonly model: string;
}

export function createDriftMetrics(registers: Registry[], model: string): DriftMetrics {
  return {
    model,
    feature: new Gauge({
      name: 'modelship_feature_drift',
      help: `Drift of one input feature over the sliding window against the training profile: statistic psi, jensen_shannon, ks (binned), out_of_range_share or unseen_share. Features past the first ${MAX_FEATURE_LABELS} by name share feature="${OTHER_FEATURES}" (largest value).`,
      labelNames: ['model', 'feature', 'statistic'],
      registers,
    }),
    prediction: new Gauge({
      name: 'modelship_prediction_drift',
      help: 'Drift of one output (predicted class shares, or bins of a numeric output) over the sliding window against the training profile: statistic psi, jensen_shannon or ks.',
      labelNames: ['model', 'output', 'statistic'],
      registers,
    }),
    outOfRange: new Counter({
      name: 'modelship_feature_out_of_range_total',
      help: `Sampled live values outside the feature's training range [min, max]. Features past the first ${MAX_FEATURE_LABELS} by name share feature="${OTHER_FEATURES}".`,
      labelNames: ['model', 'feature'],
      registers,
    }),
    threshold: new Gauge({
      name: 'modelship_drift_threshold',
      help: 'The PSI above which this server flags a feature or output as drifted (--drift-threshold: the InferenceService\'s spec.predictor.monitoring.driftThreshold). Exported while drift is computed (the model has a profile).',
      labelNames: ['model'],
      registers,
    }),
    // Per revision (by pod) these are the output-class distribution a rollout compares between the canary and the stable revision.
    predictions: new Counter({
      name: 'modelship_predictions_total',
      help: `Predicted classes of each class output, counted by the drift monitor over the requests it samples (all of them for a narrow model). Classes past the first ${MAX_CLASS_LABELS} of the profile by name share class="${OTHER_CLASSES}"; classes the profile never saw count as class="${UNSEEN_CLASS}".`,
      labelNames: ['model', 'output', 'class'],
      registers,
    }),
  };
}

/** Feature name -> its label value: itself for the first MAX_FEATURE_LABELS names in order, OTHER_FEATURES after. */
export function featureLabels(names: readonly string[]): Map<string, string> {
  const own = new Set([...new Set(names)].sort().slice(0, MAX_FEATURE_LABELS));
  return new Map(names.map((n) => [n, own.has(n) ? n : OTHER_FEATURES]));
}
