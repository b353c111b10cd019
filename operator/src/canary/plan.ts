// The canary planner: from the current spec, what was observed of each
// revision (its recorded spec, ready pods, load failures) and what the last
// status recorded (which revision is rolled out), decide which revisions run,
// at what size, and who gets what share of the traffic. Pure, so the rules
// below are golden- and property-tested without a cluster; the reconciler
// only applies the plan.
//
// Rules (KServe's canaryTrafficPercent semantics):
// - The latest revision is the one built from the current spec; the rolled-out
//   revision is the one that last took all traffic (kept in status).
// - At most two revisions run: the rolled-out one and the latest; any other is
//   retired at once (its share goes back to the rolled-out revision).
// - A revision gets traffic only when Ready: ready pods >= max(1, minReplicas)
//   the first time it is given a share. One that already has a share keeps it
//   while at least one pod is ready, so a restarting pod of the rolled-out
//   revision never hands the whole load to a canary.
// - canaryTrafficPercent N with a different rolled-out revision: N% to the
//   latest, the rest to the rolled-out one. 0 is a rollback: all to the
//   rolled-out revision while the latest keeps running, reachable directly.
// - N unset or 100 promotes: the latest takes everything once Ready at full
//   size, and only then the old revision is retired.
// - A first deployment (nothing rolled out yet) takes all traffic when Ready.
// - With a rollback window (rollback-window.ts), the revision replaced at a
//   switch keeps running without traffic until the window ends; it never
//   gets traffic again unless its spec is applied again.
import type { DefaultedPredictor, FailureInfo, RollbackWindowStatus, ShadowStatus, TrafficTarget } from '../api/types.ts';
import { apportion } from './apportion.ts';
import { revisionName } from './revision.ts';
import { planWithVariants, type VariantInput } from './variants.ts';
import { candidate, fixed, minSize, notReadyWhy, type Candidate } from './candidate.ts';
import { keptWindow, openWindow, warmScaling, type WindowSettings } from './rollback-window.ts';

export const TRAFFIC_MODES = ['gatewayApi', 'istio', 'service'] as const;
export type TrafficMode = (typeof TRAFFIC_MODES)[number];

export interface ObservedRevision {
  name: string;
  /** The spec recorded on the revision's objects; undefined when it cannot be rebuilt. */
  predictor: DefaultedPredictor | undefined;
  readyPods: number;
  /** Set when a pod of the revision failed to load its model. */
  failure?: FailureInfo;
}

/** What the last written status says. */
export interface PreviousStatus {
  latestRolledoutRevision?: string;
  previousRolledoutRevision?: string;
  /** Percent per revision name in the last written traffic. */
  percents: Readonly<Record<string, number>>;
  /** The revision kept warm since the last switch. */
  rollbackWindow?: RollbackWindowStatus;
}

export interface PlanInput {
  isvcName: string;
  predictor: DefaultedPredictor;
  observed: readonly ObservedRevision[];
  previous: PreviousStatus;
  mode: TrafficMode;
  /** Service mode: the pod budget for apportioning a split. */
  maxApportionedReplicas: number;
  /** Named variants (A/B/N) and the shadow: see variants.ts. */
  variants?: readonly VariantInput[];
  shadow?: { percent: number; predictor: DefaultedPredictor };
  /** spec.predictor.rollbackWindowSeconds and the time; absent: the replaced revision goes at the switch. */
  rollbackWindow?: WindowSettings;
}

export interface PlannedRevision {
  name: string;
  /** The spec the revision is built from (recorded on its objects). */
  spec: DefaultedPredictor;
  /** What its Deployment and HPA are sized from: the spec, or fixed replicas when Service mode apportions. */
  scaling: DefaultedPredictor;
  percent: number;
  latest: boolean;
  ready: boolean;
  /** The variant (or `shadow`) this revision runs; absent for the main predictor's revisions. */
  variant?: string;
  /** Service mode with variants: its pods carry SPLIT_LABEL, which the shared Service selects (see variants.ts). */
  splitMember?: boolean;
  /** Kept in a rollback window: no traffic, fixed size, never part of a split. */
  warm?: boolean;
}

export interface TrafficCondition {
  status: 'True' | 'False';
  reason: string;
  message: string;
}

export interface TrafficPlan {
  latest: string;
  /** Revisions to run (rolled-out first, then latest). */
  revisions: PlannedRevision[];
  /** Observed revisions to delete, after the traffic layer no longer sends them anything. */
  retire: string[];
  /** Revisions the shared Service selects: those with a share, else the one that would serve. */
  serviceSelects: string[];
  /** Select by SPLIT_LABEL instead (Service mode with variants: revisions of the split, and only those). */
  selectSplit?: boolean;
  status: {
    latestCreatedRevision: string;
    latestReadyRevision?: string;
    latestRolledoutRevision?: string;
    previousRolledoutRevision?: string;
    /** Without urls: the reconciler adds the per-revision addresses. */
    traffic: TrafficTarget[];
    /** kubectl's one-line summary of the variants and shadow; absent without any. */
    variants?: string;
    /** Without url, like traffic. */
    shadow?: Omit<ShadowStatus, 'url'>;
    rollbackWindow?: RollbackWindowStatus;
  };
  condition: TrafficCondition;
  /** The shadow revision and the percent of requests copied to it (0 until it is Ready). */
  shadow?: { revision: string; percent: number };
}

export function planTraffic(input: PlanInput): TrafficPlan {
  return (input.variants?.length ?? 0) > 0 || input.shadow !== undefined ? planWithVariants(input, planMain) : planMain(input);
}

/** The main predictor alone: its rolled-out and latest revisions. */
function planMain(input: PlanInput): TrafficPlan {
  const { predictor, previous } = input;
  const observed = new Map(input.observed.map((o) => [o.name, o]));
  const latestName = revisionName(input.isvcName, predictor);
  const latest = candidate(latestName, predictor, observed.get(latestName), previous);

  // The rolled-out revision, if it differs from the latest and can still be built.
  const rolledName = previous.latestRolledoutRevision;
  const rolledSpec = rolledName === undefined || rolledName === latestName ? undefined : observed.get(rolledName)?.predictor;
  const rolled = rolledName !== undefined && rolledSpec !== undefined ? candidate(rolledName, rolledSpec, observed.get(rolledName), previous) : undefined;
  const lostRolled = rolledName !== undefined && rolledName !== latestName && rolled === undefined;

  // The steady state after a switch: the replaced revision stays warm while its window lasts.
  const windowName = previous.rollbackWindow?.revisionName;
  const window = rolledName === latestName && windowName !== undefined
    ? keptWindow(previous.rollbackWindow, observed.get(windowName)?.predictor, latestName, input.rollbackWindow)
    : undefined;
  const warm = window !== undefined ? { window, c: candidate(windowName!, observed.get(windowName!)!.predictor!, observed.get(windowName!), previous) } : undefined;
  const result = rolled === undefined
    ? planSingle(latest, previous, lostRolled ? rolledName : undefined, warm)
    : planPair(rolled, latest, predictor.canaryTrafficPercent, previous, input);

  const keep = new Set(result.revisions.map((r) => r.name));
  const retire = input.observed.map((o) => o.name).filter((n) => !keep.has(n)).sort();
  const withShare = result.revisions.filter((r) => r.percent > 0).map((r) => r.name);
  const fallback = result.revisions.find((r) => r.warm !== true)?.name ?? latestName;
  const latestReady = latest.ready ? latestName : rolled?.ready === true ? rolled.name : undefined;
  return {
    latest: latestName,
    revisions: result.revisions,
    retire,
    serviceSelects: withShare.length > 0 ? withShare : [fallback],
    status: {
      latestCreatedRevision: latestName,
      ...(latestReady !== undefined ? { latestReadyRevision: latestReady } : {}),
      ...(result.rolledOut !== undefined ? { latestRolledoutRevision: result.rolledOut } : {}),
      ...(result.previousRolledOut !== undefined ? { previousRolledoutRevision: result.previousRolledOut } : {}),
      ...(result.window !== undefined ? { rollbackWindow: result.window } : {}),
      traffic: result.revisions.map((r) => ({
        revisionName: r.name,
        percent: r.percent,
        latestRevision: r.latest,
        tag: r.latest ? 'latest' : 'prev',
      })),
    },
    condition: result.condition,
  };
}

interface Outcome {
  revisions: PlannedRevision[];
  rolledOut?: string;
  previousRolledOut?: string;
  condition: TrafficCondition;
  window?: RollbackWindowStatus;
}

const planned = (c: Candidate, percent: number, latest: boolean, scaling: DefaultedPredictor = c.spec): PlannedRevision =>
  ({ name: c.name, spec: c.spec, scaling, percent, latest, ready: c.ready });

const warmPlanned = (c: Candidate, window: RollbackWindowStatus): PlannedRevision =>
  ({ ...planned(c, 0, false, warmScaling(window, c.spec)), warm: true });

/** The TrafficReady note of an open window; the same at the switch and after it, so the pass after a switch writes nothing. */
const windowNote = (w: RollbackWindowStatus): string =>
  `; revision ${w.revisionName} stays warm without traffic until ${w.expiresAt} (rollbackWindowSeconds): apply its spec again to switch back at once`;

/**
 * Only the latest revision serves: a first rollout, a steady state (with the
 * revision replaced at the last switch kept warm while its window lasts), or
 * a rolled-out revision that can no longer be built.
 */
function planSingle(latest: Candidate, previous: PreviousStatus, lost: string | undefined, warm?: { window: RollbackWindowStatus; c: Candidate }): Outcome {
  const serving = latest.eligible;
  const rolledOut = serving ? latest.name : previous.latestRolledoutRevision === latest.name ? latest.name : undefined;
  const previousRolledOut = rolledOut === latest.name && previous.latestRolledoutRevision !== latest.name
    ? previous.latestRolledoutRevision
    : previous.previousRolledoutRevision;
  const lostNote = lost === undefined ? '' : ` (rolled-out revision ${lost} has no Deployment or Service left to rebuild it from)`;
  const note = `${lostNote}${warm !== undefined ? windowNote(warm.window) : ''}`;
  const condition: TrafficCondition = serving
    ? { status: 'True', reason: 'RolledOut', message: `100% of traffic to revision ${latest.name}${note}` }
    : {
        status: 'False',
        reason: latest.failure !== undefined ? 'RevisionFailed' : 'RevisionNotReady',
        message: `revision ${latest.name} gets no traffic until it is ready: ${notReadyWhy(latest)}${note}`,
      };
  return {
    revisions: [...(warm !== undefined ? [warmPlanned(warm.c, warm.window)] : []), planned(latest, serving ? 100 : 0, true)],
    ...(rolledOut !== undefined ? { rolledOut } : {}),
    ...(previousRolledOut !== undefined && previousRolledOut !== rolledOut ? { previousRolledOut } : {}),
    condition,
    ...(warm !== undefined ? { window: warm.window } : {}),
  };
}

/** A rolled-out revision and a different latest one. */
function planPair(rolled: Candidate, latest: Candidate, canaryPercent: number | undefined, previous: PreviousStatus, input: PlanInput): Outcome {
  const target = canaryPercent ?? 100;
  const keepPrevious = previous.previousRolledoutRevision !== undefined ? { previousRolledOut: previous.previousRolledoutRevision } : {};
  const pair = (rolledPercent: number, latestPercent: number, condition: TrafficCondition, rolledScaling?: DefaultedPredictor, latestScaling?: DefaultedPredictor): Outcome => ({
    revisions: [planned(rolled, rolledPercent, false, rolledScaling), planned(latest, latestPercent, true, latestScaling)],
    rolledOut: rolled.name,
    ...keepPrevious,
    condition,
  });
  const onlyRolled = (reason: string, why: string): Outcome => rolled.eligible
    ? pair(100, 0, { status: 'False', reason, message: `traffic stays on revision ${rolled.name}: revision ${latest.name} ${why}` })
    : pair(0, 0, { status: 'False', reason, message: `no revision can take traffic: ${rolled.name} ${notReadyWhy(rolled)}; ${latest.name} ${why}` });

  if (target === 100) {
    // Promotion completes only at full size; the old revision is retired in
    // the same pass, after the route moved, or kept warm for a rollback window.
    if (latest.ready) {
      const window = openWindow(rolled, input.rollbackWindow);
      return {
        revisions: [...(window !== undefined ? [warmPlanned(rolled, window)] : []), planned(latest, 100, true)],
        rolledOut: latest.name,
        previousRolledOut: rolled.name,
        // The same message as the steady state that follows, so the next pass writes nothing.
        condition: { status: 'True', reason: 'RolledOut', message: `100% of traffic to revision ${latest.name}${window !== undefined ? windowNote(window) : ''}` },
        ...(window !== undefined ? { window } : {}),
      };
    }
    return onlyRolled(latest.failure !== undefined ? 'CanaryFailed' : 'PromotionPending', `is not ready to take all traffic: ${notReadyWhy(latest)}`);
  }

  if (target === 0) {
    const message = `canaryTrafficPercent is 0: traffic stays on revision ${rolled.name}; revision ${latest.name} runs without traffic`;
    return rolled.eligible
      ? pair(100, 0, { status: 'True', reason: 'RolledBack', message })
      : pair(0, 0, { status: 'False', reason: 'RevisionNotReady', message: `${message}, but ${rolled.name} ${notReadyWhy(rolled)}` });
  }

  // A split. Service mode realises it with pod counts, so both revisions get fixed replicas.
  let rolledScaling: DefaultedPredictor | undefined;
  let latestScaling: DefaultedPredictor | undefined;
  let latestShare = target;
  let note = '';
  if (input.mode === 'service') {
    const a = apportion(target, minSize(rolled.spec), minSize(latest.spec), input.maxApportionedReplicas);
    rolledScaling = fixed(rolled.spec, a.stable);
    latestScaling = fixed(latest.spec, a.canary);
    latestShare = a.percent;
    note = `; service mode apportions pods: ${a.stable} + ${a.canary} ready pods give ${a.percent}% for the requested ${target}% (granularity 1/${a.stable + a.canary})`;
    // Until the apportioned pods are all ready (or surplus ones gone), the split
    // follows the pods that are ready now; say so rather than promise the plan.
    const live = rolled.readyPods + latest.readyPods;
    if (live > 0 && (rolled.readyPods !== a.stable || latest.readyPods !== a.canary)) {
      note += `; now ${rolled.readyPods} + ${latest.readyPods} ready pods give revision ${latest.name} ${Math.round((100 * latest.readyPods) / live)}%`;
    }
  }
  if (!latest.eligible) {
    const partial = onlyRolled(latest.failure !== undefined ? 'CanaryFailed' : 'CanaryNotReady', `gets no traffic until it is ready: ${notReadyWhy(latest)}`);
    return withScaling(partial, rolledScaling, latestScaling);
  }
  if (!rolled.eligible) {
    return pair(0, 100, {
      status: 'False',
      reason: 'RolledOutRevisionNotReady',
      message: `revision ${rolled.name} ${notReadyWhy(rolled)}: revision ${latest.name} takes all traffic until it recovers`,
    }, rolledScaling, latestScaling);
  }
  return pair(100 - latestShare, latestShare, {
    status: 'True',
    reason: 'TrafficSplit',
    message: `${latestShare}% of traffic to revision ${latest.name}, ${100 - latestShare}% to revision ${rolled.name}${note}`,
  }, rolledScaling, latestScaling);
}

function withScaling(partial: Outcome, rolled: DefaultedPredictor | undefined, latest: DefaultedPredictor | undefined): Outcome {
  const [r, l] = partial.revisions;
  if (r === undefined || l === undefined) return partial;
  return { ...partial, revisions: [{ ...r, scaling: rolled ?? r.scaling }, { ...l, scaling: latest ?? l.scaling }] };
}
