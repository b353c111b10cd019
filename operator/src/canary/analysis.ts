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
// - The prediction check compares the canary's predicted classes with the
//   stable revision's over the same window, per class output, with the
//   runtime's own drift statistics (PSI, Jensen-Shannon): a model that
//   answers without errors, as fast, but predicts differently is caught.
import { jensenShannon, psi } from '../../../common/src/drift-statistics.ts';
import { ROLLOUT_DEFAULTS } from '../api/schema.ts';
import type { RolloutChecks, RolloutSpec } from '../api/types.ts';

export const CHECKS = ['errorRate', 'latencyP99', 'predictionDrift'] as const;
export type CheckName = (typeof CHECKS)[number];

/** What Prometheus says about one revision over the window. */
export interface RevisionSample {
  /** Requests answered in the window. */
  requests: number;
  /** Of which with a 5xx status. */
  errors: number;
  /** p99 of the request duration in seconds; undefined without histogram data (or NaN from Prometheus). */
  latencyP99Seconds: number | undefined;
  /** Predicted classes counted in the window, output -> class -> count; absent when not queried (no prediction check). */
  predictions?: Readonly<Record<string, Readonly<Record<string, number>>>>;
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
  /** predictionDrift: the output that failed and the predictions counted on each side. */
  output?: string;
  canaryCount?: number;
  stableCount?: number;
}

export type Decision =
  | { kind: 'hold'; recheckMs: number }
  | { kind: 'wait-for-data'; why: string; recheckMs: number }
  | { kind: 'advance'; step: number }
  | { kind: 'promote' }
  | { kind: 'rollback'; check: CheckName; values: CheckValues; message: string };

const EPSILON = 1e-9;

type Verdict = { pass: true } | { pass: false; bound: string; canary: number; stable: number | undefined; output?: string; canaryCount?: number; stableCount?: number } | { wait: string };

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

/** Output -> [stable counts, canary counts] over the union of both sides' classes, in one order. */
function aligned(stable: RevisionSample['predictions'], canary: RevisionSample['predictions']): Map<string, [number[], number[]]> {
  const out = new Map<string, [number[], number[]]>();
  for (const output of new Set([...Object.keys(stable ?? {}), ...Object.keys(canary ?? {})])) {
    const [s, c] = [stable?.[output] ?? {}, canary?.[output] ?? {}];
    const classes = [...new Set([...Object.keys(s), ...Object.keys(c)])].sort();
    out.set(output, [classes.map((k) => s[k] ?? 0), classes.map((k) => c[k] ?? 0)]);
  }
  return out;
}

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

function predictionVerdict(check: NonNullable<RolloutChecks['predictionDrift']>, canary: RevisionSample, stable: RevisionSample, minCount: number): Verdict {
  const outputs = aligned(stable.predictions, canary.predictions);
  if (outputs.size === 0) return { wait: 'no predicted classes counted for either revision (modelship_predictions_total needs a training profile beside the model)' };
  for (const [output, [s, c]] of [...outputs].sort(([a], [b]) => a.localeCompare(b))) {
    // A profile lists every training class, so an output counted on one side only is an output the other model lacks.
    if (sum(c) < minCount || sum(s) < minCount) return { wait: `fewer than ${minCount} predictions of output ${output} counted for ${sum(c) < minCount ? 'the canary' : 'the stable revision'} in the window` };
    const values = { psi: psi(s, c) ?? 0, js: jensenShannon(s, c) ?? 0 };
    const total = { canaryCount: sum(c), stableCount: sum(s) };
    if (check.maxPsi !== undefined && values.psi > check.maxPsi + EPSILON) return { pass: false, bound: `maxPsi ${check.maxPsi}`, canary: values.psi, stable: undefined, output, ...total };
    if (check.maxJensenShannon !== undefined && values.js > check.maxJensenShannon + EPSILON) return { pass: false, bound: `maxJensenShannon ${check.maxJensenShannon}`, canary: values.js, stable: undefined, output, ...total };
  }
  return { pass: true };
}

const fmt = (check: CheckName, v: number | undefined): string => {
  if (v === undefined) return 'none';
  return check === 'errorRate' ? `${(v * 100).toFixed(2)}%` : check === 'latencyP99' ? `${(v * 1000).toFixed(1)} ms` : v.toFixed(3);
};

export function describeFailure(check: CheckName, v: CheckValues): string {
  if (check === 'predictionDrift') {
    return `check predictionDrift failed (${v.bound}): output ${v.output ?? ''}: the canary's predicted classes (${Math.round(v.canaryCount ?? 0)} counted) against the stable revision's (${Math.round(v.stableCount ?? 0)}): ${v.bound.startsWith('maxPsi') ? 'PSI' : 'Jensen-Shannon distance'} ${fmt(check, v.canary)}`;
  }
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
  if (settings.checks.predictionDrift !== undefined) verdicts.push(['predictionDrift', predictionVerdict(settings.checks.predictionDrift, canary, stable, settings.minRequests)]);
  for (const [check, v] of verdicts) {
    if ('pass' in v && !v.pass) {
      const { pass: _pass, ...judged } = v;
      const values: CheckValues = { ...judged, canaryRequests: canary.requests, stableRequests: stable.requests };
      return { kind: 'rollback', check, values, message: describeFailure(check, values) };
    }
  }
  const waiting = verdicts.find(([, v]) => 'wait' in v);
  if (waiting !== undefined) return { kind: 'wait-for-data', why: (waiting[1] as { wait: string }).wait, recheckMs: intervalMs };
  const pauseMs = (settings.steps[step]?.pauseSeconds ?? 0) * 1000;
  if (heldMs < pauseMs) return { kind: 'hold', recheckMs: Math.max(1, Math.min(intervalMs, pauseMs - heldMs)) };
  return step + 1 < settings.steps.length ? { kind: 'advance', step: step + 1 } : { kind: 'promote' };
}
