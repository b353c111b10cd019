// The one Prometheus query behind every InferenceService's DriftDetected
// condition, and the reading of its answer. Pure.
//
// Cost at 1,000 InferenceServices: one instant query per interval, answered
// from the latest sample of each series; Prometheus keeps only the worst
// WORST_FEATURES features of each revision, so the answer stays a few
// thousand samples at most whatever the feature count. The threshold is per
// InferenceService, so it is applied here in the operator, not in PromQL.
//
// Labels: the runtime's gauge carries {model, feature, statistic}; `model` is
// the InferenceService name (the operator passes --model-name). Prometheus
// adds `namespace` and `pod` (the chart's PodMonitor and the usual
// kubernetes-pods scrape config both do; prometheus-adapter needs them
// too). A predictor pod is named <revision>-<pod-template-hash>-<suffix>
// by its Deployment, so the revision is read from the pod name.

/** The runtime's per-feature drift gauge (runtime/src/metrics.ts). */
export const FEATURE_DRIFT_METRIC = 'modelship_feature_drift';
/** The statistic the condition follows: the population stability index. */
export const DRIFT_STATISTIC = 'psi';
/** Features named per revision in the condition message (and fetched from Prometheus). */
export const WORST_FEATURES = 3;

/** A Deployment's pod name: <deployment>-<pod-template-hash (up to 10)>-<5 characters>. */
export const POD_NAME_REVISION = '^(.+)-[a-z0-9]{1,10}-[a-z0-9]{5}$';

export function driftQuery(): string {
  const series = `${FEATURE_DRIFT_METRIC}{statistic="${DRIFT_STATISTIC}",namespace!="",model!=""}`;
  const withRevision = `label_replace(${series}, "revision", "$1", "pod", "${POD_NAME_REVISION}")`;
  // max over the pods of a revision: one pod seeing the shift is enough to say so.
  return `topk by (namespace, model, revision) (${WORST_FEATURES}, max by (namespace, model, revision, feature) (${withRevision}))`;
}

export interface DriftSample {
  namespace: string;
  /** The InferenceService. */
  model: string;
  /** Empty when the scrape kept no pod label. */
  revision: string;
  feature: string;
  value: number;
}

/** The samples of an instant-query answer (`/api/v1/query`, resultType vector); anything malformed or not finite is skipped. */
export function parseDriftAnswer(body: unknown): DriftSample[] {
  const answer = (typeof body === 'object' && body !== null ? body : {}) as { status?: unknown; data?: { resultType?: unknown; result?: unknown } };
  const data = answer.data;
  if (answer.status !== 'success' || data?.resultType !== 'vector' || !Array.isArray(data.result)) {
    throw new Error('Prometheus answered without a success vector');
  }
  const out: DriftSample[] = [];
  for (const r of data.result as Array<{ metric?: Record<string, unknown>; value?: unknown }>) {
    const m = r.metric ?? {};
    const value = Array.isArray(r.value) ? Number(r.value[1]) : Number.NaN;
    const [namespace, model, feature] = [m['namespace'], m['model'], m['feature']];
    if (typeof namespace !== 'string' || typeof model !== 'string' || typeof feature !== 'string' || !Number.isFinite(value)) continue;
    out.push({ namespace, model, revision: typeof m['revision'] === 'string' ? m['revision'] : '', feature, value });
  }
  return out;
}

/** Samples by InferenceService key (namespace/name). */
export function byInferenceService(samples: readonly DriftSample[]): Map<string, DriftSample[]> {
  const out = new Map<string, DriftSample[]>();
  for (const s of samples) {
    const key = `${s.namespace}/${s.model}`;
    const list = out.get(key);
    if (list === undefined) out.set(key, [s]);
    else list.push(s);
  }
  return out;
}
