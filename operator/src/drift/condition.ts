// The DriftDetected condition of one InferenceService, decided from the
// latest drift samples of its revisions (query.ts) and its threshold. Pure,
// and shaped for zero writes at steady state: while the status and the set
// of drifting features stay the same, the previous condition is kept as is
// (its message holds the values seen at the transition), so fluctuating PSI
// values never rewrite the object.
//
// No data (no profile, no traffic yet, not scraped): the condition is left
// absent when there is none, and becomes Unknown (NoDriftData) when there
// was one, so a drift seen earlier is not silently erased. A failed query is
// not "no data": the caller then keeps whatever the status says.
import type { Condition } from '../api/types.ts';
import type { DriftSample } from './query.ts';

export const DRIFT_DETECTED = 'DriftDetected';
export const REASON_DRIFT = 'FeatureDrift';
export const REASON_NO_DRIFT = 'WithinThreshold';
export const REASON_NO_DATA = 'NoDriftData';

export interface DriftInput {
  /** This InferenceService's samples from the last successful query (any revision). */
  samples: readonly DriftSample[];
  /** PSI above which a feature drifts (spec.predictor.monitoring.driftThreshold or the default). */
  threshold: number;
  generation: number;
  previous: Condition | undefined;
}

const round = (v: number) => Number(v.toPrecision(3));

/** Drifting features per revision, worst first; revisions in name order. */
function drifting(samples: readonly DriftSample[], threshold: number): Array<[string, DriftSample[]]> {
  const byRevision = new Map<string, DriftSample[]>();
  for (const s of samples) {
    if (!(s.value > threshold)) continue;
    byRevision.set(s.revision, [...(byRevision.get(s.revision) ?? []), s]);
  }
  return [...byRevision.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([revision, list]) => [revision, list.sort((a, b) => b.value - a.value || a.feature.localeCompare(b.feature))]);
}

const revisionLabel = (revision: string) => (revision === '' ? 'predictor' : `revision ${revision}`);

/** "revision r1: f1 PSI 0.41, f2 PSI 0.25; revision r2: ... (threshold 0.2)". */
export function driftMessage(found: ReadonlyArray<[string, readonly DriftSample[]]>, threshold: number): string {
  const parts = found.map(([revision, list]) => `${revisionLabel(revision)}: ${list.map((s) => `${s.feature} PSI ${round(s.value)}`).join(', ')}`);
  return `${parts.join('; ')} (threshold ${threshold})`;
}

/** The revision/feature pairs a message built by driftMessage names; the identity of a drift, without its values. */
export function driftSignature(message: string): string {
  const body = message.replace(/ \(threshold [^)]*\)$/, '');
  const pairs = body.split('; ').flatMap((part) => {
    const colon = part.indexOf(': ');
    if (colon < 0) return [];
    const where = part.slice(0, colon);
    return part.slice(colon + 2).split(', ').map((f) => `${where}/${f.replace(/ PSI [^ ]*$/, '')}`);
  });
  return pairs.sort().join('|');
}

/** The condition to hold now; undefined: none (there was none and there is no data). */
export function driftCondition(input: DriftInput): Condition | undefined {
  const { samples, threshold, generation, previous } = input;
  const base = { type: DRIFT_DETECTED, observedGeneration: generation };
  let next: Condition;
  if (samples.length === 0) {
    if (previous === undefined) return undefined;
    next = { ...base, status: 'Unknown', reason: REASON_NO_DATA, message: 'no drift metrics in Prometheus for this InferenceService (no profile beside the model, no traffic yet, or its pods are not scraped)' };
  } else {
    const found = drifting(samples, threshold);
    next = found.length === 0
      ? { ...base, status: 'False', reason: REASON_NO_DRIFT, message: `every feature's PSI is at or below the threshold ${threshold}` }
      : { ...base, status: 'True', reason: REASON_DRIFT, message: driftMessage(found, threshold) };
  }
  // Same state, same drifting features: keep the message of the transition (no write for moving values).
  if (previous !== undefined && previous.status === next.status && previous.reason === next.reason && previous.observedGeneration === generation
    && (next.status !== 'True' || driftSignature(previous.message ?? '') === driftSignature(next.message ?? ''))) {
    return { ...next, message: previous.message ?? '' };
  }
  return next;
}

/** Whether holding `next` instead of `previous` changes the object (what the monitor enqueues for). */
export function driftConditionChanged(previous: Condition | undefined, next: Condition | undefined): boolean {
  if (previous === undefined || next === undefined) return previous !== next;
  return previous.status !== next.status || previous.reason !== next.reason || previous.message !== next.message || previous.observedGeneration !== next.observedGeneration;
}
