// A revision as the planners judge it: how many pods are ready, whether it
// failed to load, and whether it may take (or keep) a share. Shared by the
// main predictor's planner (plan.ts) and the variants' (variants.ts).
import type { DefaultedPredictor, FailureInfo } from '../api/types.ts';
import type { ObservedRevision, PreviousStatus } from './plan.ts';

export const minSize = (p: DefaultedPredictor): number => Math.max(1, p.minReplicas);

export interface Candidate {
  name: string;
  spec: DefaultedPredictor;
  readyPods: number;
  failure: FailureInfo | undefined;
  /** Ready at full size: may take a share for the first time. */
  ready: boolean;
  /** May carry traffic now (ready, or already serving with a ready pod). */
  eligible: boolean;
}

export function candidate(name: string, spec: DefaultedPredictor, observed: ObservedRevision | undefined, previous: PreviousStatus): Candidate {
  const readyPods = observed?.readyPods ?? 0;
  const ready = readyPods >= minSize(spec);
  const serving = (previous.percents[name] ?? 0) > 0;
  return { name, spec, readyPods, failure: observed?.failure, ready, eligible: ready || (serving && readyPods >= 1) };
}

export function notReadyWhy(c: Candidate): string {
  if (c.failure !== undefined) {
    const f = c.failure;
    return `its model failed to load (${f.location ?? ''}: ${f.reason ?? ''}: ${(f.message ?? '').slice(0, 300)})`;
  }
  return `${c.readyPods} of ${minSize(c.spec)} pods are ready`;
}

export function fixed(spec: DefaultedPredictor, replicas: number): DefaultedPredictor {
  const { maxReplicas: _autoscaling, ...rest } = spec;
  return { ...rest, minReplicas: replicas };
}
