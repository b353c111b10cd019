// Automated canary analysis: from the rollout spec, the step the canary is on,
// how long it has held that step's share and what Prometheus observed of the
// canary and the stable revision over the last window, decide what happens
// next. Pure (no clock, no I/O), so every outcome is golden- and
// property-tested; rollout.ts applies the decision to the rollout's status and
// the controller fetches the observation (prometheus-queries.ts).
//
// Rules, after Flagger's analysis:
// - Nothing is judged until the canary answered minRequests in the window:
//   the step waits (an idle canary is neither promoted nor rolled back).
// - Every configured bound of every check is evaluated each time; a bound
//   exceeded rolls back at once, whatever the step and even when another
//   check still lacks data.
// - A check relative to the stable revision needs stable data; without it the
//   step waits.
// - The step ends when it was held pauseSeconds with all checks passing: the
//   next step, or promotion after the last one.
import { ROLLOUT_DEFAULTS } from '../api/schema.ts';
import type { RolloutChecks, RolloutSpec } from '../api/types.ts';

export const CHECKS = ['errorRate', 'latencyP99'] as const;
export type CheckName = (typeof CHECKS)[number];

/** What Prometheus says about one revision over the window. */
export interface RevisionSample {
  /** Requests answered in the window. */
  requests: number;
  /** Of which with a 5xx status. */
  errors: number;
  /** p99 of the request duration in seconds; undefined without histogram data (or NaN from Prometheus). */
  latencyP99Seconds: number | undefined;
}

/** Both revisions' samples, or why there are none (Prometheus unreachable, no series yet). */
export type Observation = { canary: RevisionSample; stable: RevisionSample } | { noData: string };

/** The rollout spec with its defaults (objects stored before the schema had them lack them). */
export interface RolloutSettings {
  steps: ReadonlyArray<{ trafficPercent: number; pauseSeconds: number }>;
  intervalSeconds: number;
  minRequests: number;
  checks: RolloutChecks;
}

export function rolloutSettings(spec: RolloutSpec): RolloutSettings {
  return {
    steps: spec.steps.map((s) => ({ trafficPercent: s.trafficPercent, pauseSeconds: s.pauseSeconds ?? ROLLOUT_DEFAULTS.pauseSeconds })),
    intervalSeconds: spec.interval ?? ROLLOUT_DEFAULTS.interval,
    minRequests: spec.minRequests ?? ROLLOUT_DEFAULTS.minRequests,
    checks: spec.checks ?? ROLLOUT_DEFAULTS.checks,
  };
}

export interface AnalysisInput {
  settings: RolloutSettings;
  /** Index of the current step. */
  step: number;
  /** How long the canary has held this step's share, in ms. */
  heldMs: number;
  observation: Observation;
}

/** The values a failed check was judged on, for the condition and the Event. */
export interface CheckValues {
  canary: number;
  stable: number | undefined;
  /** The bound exceeded, as written in the spec. */
  bound: string;
  canaryRequests: number;
  stableRequests: number;
}

export type Decision =
  | { kind: 'hold'; recheckMs: number }
  | { kind: 'wait-for-data'; why: string; recheckMs: number }
  | { kind: 'advance'; step: number }
  | { kind: 'promote' }
  | { kind: 'rollback'; check: CheckName; values: CheckValues; message: string };

const EPSILON = 1e-9;

type Verdict = { pass: true } | { pass: false; bound: string; canary: number; stable: number | undefined } | { wait: string };

function errorRateVerdict(check: NonNullable<RolloutChecks['errorRate']>, canary: RevisionSample, stable: RevisionSample): Verdict {
  const rate = canary.errors / canary.requests;
  if (check.max !== undefined && rate > check.max + EPSILON) return { pass: false, bound: `max ${check.max}`, canary: rate, stable: stable.requests > 0 ? stable.errors / stable.requests : undefined };
  if (check.maxIncrease !== undefined) {
    if (stable.requests <= 0) return { wait: 'the stable revision answered no requests in the window' };
    const base = stable.errors / stable.requests;
    if (rate - base > check.maxIncrease + EPSILON) return { pass: false, bound: `maxIncrease ${check.maxIncrease}`, canary: rate, stable: base };
  }
  return { pass: true };
}

function latencyVerdict(check: NonNullable<RolloutChecks['latencyP99']>, canary: RevisionSample, stable: RevisionSample): Verdict {
  const p99 = canary.latencyP99Seconds;
  if (p99 === undefined || !Number.isFinite(p99)) return { wait: 'no latency histogram for the canary in the window' };
  const base = stable.latencyP99Seconds !== undefined && Number.isFinite(stable.latencyP99Seconds) ? stable.latencyP99Seconds : undefined;
  if (check.maxMs !== undefined && p99 * 1000 > check.maxMs + EPSILON) return { pass: false, bound: `maxMs ${check.maxMs}`, canary: p99, stable: base };
  const relative = check.maxRatio !== undefined || check.maxIncreaseMs !== undefined;
  if (relative && base === undefined) return { wait: 'no latency histogram for the stable revision in the window' };
  if (base !== undefined && check.maxRatio !== undefined && p99 > base * check.maxRatio + EPSILON) return { pass: false, bound: `maxRatio ${check.maxRatio}`, canary: p99, stable: base };
  if (base !== undefined && check.maxIncreaseMs !== undefined && (p99 - base) * 1000 > check.maxIncreaseMs + EPSILON) return { pass: false, bound: `maxIncreaseMs ${check.maxIncreaseMs}`, canary: p99, stable: base };
  return { pass: true };
}

const fmt = (check: CheckName, v: number | undefined): string => {
  if (v === undefined) return 'none';
  return check === 'errorRate' ? `${(v * 100).toFixed(2)}%` : `${(v * 1000).toFixed(1)} ms`;
};

export function describeFailure(check: CheckName, v: CheckValues): string {
  const what = check === 'errorRate' ? 'error rate' : 'p99 latency';
  // Prometheus's increase() extrapolates over the window: counts are not whole numbers.
  return `check ${check} failed (${v.bound}): canary ${what} ${fmt(check, v.canary)} over ${Math.round(v.canaryRequests)} requests, stable ${fmt(check, v.stable)} over ${Math.round(v.stableRequests)} requests`;
}

export function analyze(input: AnalysisInput): Decision {
  const { settings, step, heldMs, observation } = input;
  const intervalMs = settings.intervalSeconds * 1000;
  if ('noData' in observation) return { kind: 'wait-for-data', why: observation.noData, recheckMs: intervalMs };
  const { canary, stable } = observation;
  if (canary.requests < settings.minRequests) {
    return { kind: 'wait-for-data', why: `fewer than ${settings.minRequests} canary requests in the last ${settings.intervalSeconds} s`, recheckMs: intervalMs };
  }
  const verdicts: Array<[CheckName, Verdict]> = [];
  if (settings.checks.errorRate !== undefined) verdicts.push(['errorRate', errorRateVerdict(settings.checks.errorRate, canary, stable)]);
  if (settings.checks.latencyP99 !== undefined) verdicts.push(['latencyP99', latencyVerdict(settings.checks.latencyP99, canary, stable)]);
  for (const [check, v] of verdicts) {
    if ('pass' in v && !v.pass) {
      const values: CheckValues = { canary: v.canary, stable: v.stable, bound: v.bound, canaryRequests: canary.requests, stableRequests: stable.requests };
      return { kind: 'rollback', check, values, message: describeFailure(check, values) };
    }
  }
  const waiting = verdicts.find(([, v]) => 'wait' in v);
  if (waiting !== undefined) return { kind: 'wait-for-data', why: (waiting[1] as { wait: string }).wait, recheckMs: intervalMs };
  const pauseMs = (settings.steps[step]?.pauseSeconds ?? 0) * 1000;
  if (heldMs < pauseMs) return { kind: 'hold', recheckMs: Math.max(1, Math.min(intervalMs, pauseMs - heldMs)) };
  return step + 1 < settings.steps.length ? { kind: 'advance', step: step + 1 } : { kind: 'promote' };
}
