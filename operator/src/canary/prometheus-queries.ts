// PromQL for the canary analysis, built from the runtime's own metrics
// (runtime/src/metrics.ts, docs/metrics.md): modelship_requests_total{code}
// for requests and 5xx errors, modelship_request_duration_seconds for p99,
// modelship_predictions_total{output,class} (the drift monitor's count of
// predicted classes) for the prediction check.
// A revision's series are found by their pod: the standard kubernetes-pods
// scrape config (and the chart's prometheus-adapter rules) label every series
// with `namespace` and `pod`, and a revision's pods are named
// <revision>-<pod-template-hash>-<suffix> after its Deployment. The hash and
// suffix contain no '-', so another InferenceService whose name extends this
// revision's cannot match.
import type { RevisionSample } from './analysis.ts';

export interface RevisionQueries {
  requests: string;
  errors: string;
  latencyP99: string;
  /** A vector: one series per output and class. */
  predictions: string;
}

/** DNS names only ([a-z0-9-.]), so quoting is enough; anything else is refused rather than escaped. */
function dnsName(what: string, value: string): string {
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(value)) throw new Error(`${what} ${JSON.stringify(value)} is not a DNS name`);
  return value;
}

export function revisionQueries(namespace: string, revision: string, windowSeconds: number): RevisionQueries {
  const pods = `namespace="${dnsName('namespace', namespace)}",pod=~"${dnsName('revision', revision)}-[a-z0-9]+-[a-z0-9]+"`;
  const w = `${Math.max(1, Math.round(windowSeconds))}s`;
  return {
    requests: `sum(increase(modelship_requests_total{${pods}}[${w}]))`,
    errors: `sum(increase(modelship_requests_total{${pods},code=~"5.."}[${w}]))`,
    latencyP99: `histogram_quantile(0.99, sum by (le) (rate(modelship_request_duration_seconds_bucket{${pods}}[${w}])))`,
    predictions: `sum by (output, class) (increase(modelship_predictions_total{${pods}}[${w}]))`,
  };
}

/** One series of an instant vector, as Prometheus's HTTP API returns it. */
export interface VectorSample {
  metric?: Record<string, string>;
  value?: [number, string];
}

/** The predictions query's vector as output -> class -> count; non-finite values (NaN from a reset) are left out. */
export function predictionCounts(series: readonly VectorSample[]): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const s of series) {
    const [output, cls, value] = [s.metric?.['output'], s.metric?.['class'], Number(s.value?.[1])];
    if (output === undefined || cls === undefined || !Number.isFinite(value)) continue;
    (out[output] ??= {})[cls] = value;
  }
  return out;
}

/** One revision's sample from the instant-query results (an empty vector is no series: zero requests, no p99). */
export function revisionSample(requests: number | undefined, errors: number | undefined, latencyP99: number | undefined, predictions?: readonly VectorSample[]): RevisionSample {
  return {
    requests: requests ?? 0,
    errors: errors ?? 0,
    latencyP99Seconds: latencyP99 !== undefined && Number.isFinite(latencyP99) ? latencyP99 : undefined,
    ...(predictions !== undefined ? { predictions: predictionCounts(predictions) } : {}),
  };
}
