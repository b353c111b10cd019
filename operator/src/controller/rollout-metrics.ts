// The canary analysis' window of observations, read from Prometheus's HTTP
// API (instant queries, /api/v1/query) with a timeout: the thin I/O edge of
// canary/analysis.ts. Any failure becomes "no data", so an unreachable
// Prometheus holds a rollout (and says why) rather than judging it.
import type { Observation } from '../canary/analysis.ts';
import { revisionQueries, revisionSample, type VectorSample } from '../canary/prometheus-queries.ts';

export interface RolloutMetricsQuery {
  namespace: string;
  canary: string;
  stable: string;
  windowSeconds: number;
  /** Also read the predicted classes (a prediction check is configured). */
  predictions?: boolean;
}

export interface RolloutMetrics {
  observe(q: RolloutMetricsQuery): Promise<Observation>;
}

const TIMEOUT_MS = 5000;

interface QueryResponse {
  status?: string;
  error?: string;
  data?: { resultType?: string; result?: VectorSample[] };
}

export function prometheusRolloutMetrics(baseUrl: string, timeoutMs = TIMEOUT_MS): RolloutMetrics {
  const vector = async (promql: string): Promise<VectorSample[]> => {
    const url = `${baseUrl.replace(/\/+$/, '')}/api/v1/query?${new URLSearchParams({ query: promql })}`;
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    const body = (await res.json().catch(() => ({}))) as QueryResponse;
    if (!res.ok || body.status !== 'success') throw new Error(`HTTP ${res.status}${body.error !== undefined ? `: ${body.error}` : ''}`);
    return body.data?.result ?? [];
  };
  const query = async (promql: string): Promise<number | undefined> => {
    const first = (await vector(promql))[0]?.value?.[1];
    return first === undefined ? undefined : Number(first);
  };
  return {
    async observe(q) {
      const [canary, stable] = [revisionQueries(q.namespace, q.canary, q.windowSeconds), revisionQueries(q.namespace, q.stable, q.windowSeconds)];
      try {
        const [v, p] = await Promise.all([
          Promise.all([canary.requests, canary.errors, canary.latencyP99, stable.requests, stable.errors, stable.latencyP99].map(query)),
          q.predictions === true ? Promise.all([vector(canary.predictions), vector(stable.predictions)]) : undefined,
        ]);
        return { canary: revisionSample(v[0], v[1], v[2], p?.[0]), stable: revisionSample(v[3], v[4], v[5], p?.[1]) };
      } catch (err) {
        return { noData: `Prometheus at ${baseUrl} did not answer: ${err instanceof Error ? err.message : String(err)}` };
      }
    },
  };
}
