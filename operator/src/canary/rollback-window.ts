// The blue-green rollback window (spec.predictor.rollbackWindowSeconds): at a
// switch, when the latest revision takes all traffic from the rolled-out one,
// the replaced revision is not deleted but kept warm, without traffic, at the
// pods it served with, so applying its spec again moves the traffic back in
// one route update instead of waiting for pods to start and load the model.
// When the window ends it is deleted like any retired revision. Argo
// Rollouts' scaleDownDelaySeconds keeps the old ReplicaSet the same way.
// Pure: the planner asks it at a switch and in the steady state after one;
// time comes in as `now`, and the status carries the window between passes.
import type { DefaultedPredictor, RollbackWindowStatus } from '../api/types.ts';
import { fixed, minSize, type Candidate } from './candidate.ts';

export interface WindowSettings {
  /** spec.predictor.rollbackWindowSeconds; 0 or less: no window. */
  seconds: number;
  /** ms since the epoch. */
  now: number;
}

/** A switch: the window for the revision that served until now, or none. */
export function openWindow(replaced: Candidate, settings: WindowSettings | undefined): RollbackWindowStatus | undefined {
  if (settings === undefined || settings.seconds <= 0) return undefined;
  return {
    revisionName: replaced.name,
    // What it served with, so a switch back lands on the same capacity (an HPA
    // without traffic would scale it down to minReplicas meanwhile).
    replicas: Math.max(minSize(replaced.spec), replaced.readyPods),
    switchTime: new Date(settings.now).toISOString(),
    expiresAt: new Date(settings.now + settings.seconds * 1000).toISOString(),
  };
}

/**
 * After a switch: the window the last status recorded, still open, with its
 * end from the spec's seconds now (editing the field moves it; 0 closes it).
 * undefined once it expired, when its revision is the latest again (switched
 * back) or when nothing is left to rebuild it from.
 */
export function keptWindow(previous: RollbackWindowStatus | undefined, spec: DefaultedPredictor | undefined, latest: string, settings: WindowSettings | undefined): RollbackWindowStatus | undefined {
  if (previous?.revisionName === undefined || spec === undefined || settings === undefined || settings.seconds <= 0) return undefined;
  if (previous.revisionName === latest) return undefined;
  const start = Date.parse(previous.switchTime ?? '');
  if (Number.isNaN(start)) return undefined;
  const end = start + settings.seconds * 1000;
  if (settings.now >= end) return undefined;
  return { ...previous, expiresAt: new Date(end).toISOString() };
}

/** The fixed size it is kept at: no autoscaler while it has no traffic. */
export function warmScaling(window: RollbackWindowStatus, spec: DefaultedPredictor): DefaultedPredictor {
  return fixed(spec, Math.max(minSize(spec), window.replicas ?? 0));
}

/** When the pass after the window's end should run. */
export function windowRecheckMs(window: RollbackWindowStatus | undefined, now: number): number | undefined {
  if (window?.expiresAt === undefined) return undefined;
  const end = Date.parse(window.expiresAt);
  return Number.isNaN(end) ? undefined : Math.max(0, end - now) + 100;
}
