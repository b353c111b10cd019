// The automated rollout as state in status: which revision it rolls out, the
// step it is on, the share that step gives the canary (the percent the
// planner consumes instead of spec.predictor.canaryTrafficPercent, so the
// spec the user wrote is never rewritten), and when the step's clock started.
// Pure, in three calls per reconcile pass:
//   1. startRollout: the state before analysis (start, pause, manual
//      override, completion) and whether the analysis should run now;
//   2. applyDecision: the analysis' decision applied (analysis.ts);
//   3. afterPlan: the step's clock starts once the planner gave the canary
//      its share, and stops while it has none.
// The step's clock runs only while the canary carries traffic; a pause or a
// canary losing its share restarts the current step's hold.
import type { Condition, RolloutSpec, RolloutStatus } from '../api/types.ts';
import { rolloutSettings, type Decision, type RolloutSettings } from './analysis.ts';

/** Annotation that pauses the rollout like spec.predictor.rollout.paused. */
export const ROLLOUT_PAUSED_ANNOTATION = 'serving.modelship.io/rollout-paused';
export const ROLLOUT_CONDITION = 'RolloutProgressing';

export interface RolloutInput {
  rollout: RolloutSpec | undefined;
  /** spec.predictor.canaryTrafficPercent as written now. */
  specPercent: number | undefined;
  annotations: Readonly<Record<string, string>> | undefined;
  /** The revision built from the current spec. */
  latest: string;
  /** The last status' rolled-out revision. */
  rolledOut: string | undefined;
  previous: RolloutStatus | undefined;
}

export interface RolloutCondition {
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
}

export interface RolloutState {
  /** The rollout spec this state was derived from. */
  rollout?: RolloutSpec;
  /** undefined: no automation; the spec's percent applies and the status keeps what it had. */
  status: RolloutStatus | undefined;
  /** The percent the planner gets. */
  percent: number | undefined;
  /** Present when the analysis should run this pass. */
  analyse?: { settings: RolloutSettings; step: number; heldMs: number };
  condition?: RolloutCondition;
}

const same = (a: number | undefined, b: number | undefined): boolean => a === b;

function withoutClock(s: RolloutStatus): RolloutStatus {
  const { stepStartTime: _clock, ...rest } = s;
  return rest;
}

function stepText(settings: RolloutSettings, s: RolloutStatus): string {
  return `step ${(s.currentStepIndex ?? 0) + 1} of ${settings.steps.length}`;
}

/** 1. The state before analysis. `now` is ms since the epoch. */
export function startRollout(input: RolloutInput, now: number): RolloutState {
  if (input.rollout === undefined) return { status: undefined, percent: input.specPercent };
  return { ...stateBeforeAnalysis(input, input.rollout, now), rollout: input.rollout };
}

function stateBeforeAnalysis(input: RolloutInput, rollout: RolloutSpec, now: number): RolloutState {
  const { previous, latest, rolledOut } = input;
  const settings = rolloutSettings(rollout);
  const ours = previous?.revision === latest ? previous : undefined;
  // No canary: a first rollout, a steady state, or a promotion that completed.
  if (rolledOut === undefined || rolledOut === latest) {
    if (ours !== undefined && ours.phase !== 'Succeeded' && ours.phase !== 'Aborted' && rolledOut === latest) {
      const done: RolloutStatus = { ...withoutClock(ours), phase: 'Succeeded', trafficPercent: 100 };
      return { status: done, percent: input.specPercent, condition: { status: 'True', reason: 'RolloutSucceeded', message: `revision ${latest} promoted after ${settings.steps.length} steps with passing checks` } };
    }
    return { status: previous, percent: input.specPercent };
  }
  const first = settings.steps[0]!;
  if (ours === undefined) {
    const started: RolloutStatus = {
      revision: latest,
      phase: 'Progressing',
      currentStepIndex: 0,
      trafficPercent: first.trafficPercent,
      ...(input.specPercent !== undefined ? { specCanaryTrafficPercent: input.specPercent } : {}),
    };
    return { status: started, percent: first.trafficPercent, condition: waitingCondition(settings, started, latest) };
  }
  const manual = !same(input.specPercent, ours.specCanaryTrafficPercent);
  if (ours.phase === 'Aborted' || ours.phase === 'Succeeded') {
    // Terminal: a manual percent still applies (the user takes over); nothing restarts the steps.
    return { status: ours, percent: manual ? input.specPercent : ours.phase === 'Aborted' ? 0 : 100 };
  }
  if (manual) {
    const paused: RolloutStatus = { ...withoutClock(ours), phase: 'Paused' };
    const set = input.specPercent === undefined ? 'removed' : `set to ${input.specPercent}`;
    return {
      status: paused,
      percent: input.specPercent,
      condition: { status: 'Unknown', reason: 'ManualOverride', message: `canaryTrafficPercent was ${set} by hand: the steps are paused at ${stepText(settings, ours)}; restore it (${ours.specCanaryTrafficPercent ?? 'unset'}) to resume` },
    };
  }
  const automated = ours.trafficPercent ?? first.trafficPercent;
  if (rollout.paused === true || input.annotations?.[ROLLOUT_PAUSED_ANNOTATION] === 'true') {
    const paused: RolloutStatus = { ...withoutClock(ours), phase: 'Paused' };
    const by = rollout.paused === true ? 'spec.predictor.rollout.paused' : `the annotation ${ROLLOUT_PAUSED_ANNOTATION}`;
    return { status: paused, percent: automated, condition: { status: 'Unknown', reason: 'RolloutPaused', message: `paused by ${by} at ${stepText(settings, ours)} (${automated}% to revision ${latest})` } };
  }
  const resumed: RolloutStatus = ours.phase === 'Paused' ? { ...ours, phase: 'Progressing' } : ours;
  if ((resumed.currentStepIndex ?? 0) >= settings.steps.length) {
    return { status: resumed, percent: 100, condition: promotingCondition(latest) };
  }
  // A step list edited shorter, or an older status: clamp to a step that exists.
  const step = Math.min(resumed.currentStepIndex ?? 0, settings.steps.length - 1);
  const current: RolloutStatus = { ...resumed, currentStepIndex: step, trafficPercent: settings.steps[step]!.trafficPercent };
  if (current.trafficPercent !== resumed.trafficPercent) delete current.stepStartTime;
  const start = current.stepStartTime === undefined ? undefined : Date.parse(current.stepStartTime);
  if (start === undefined || Number.isNaN(start)) return { status: withoutClock(current), percent: current.trafficPercent, condition: waitingCondition(settings, current, latest) };
  return {
    status: current,
    percent: current.trafficPercent,
    analyse: { settings, step, heldMs: Math.max(0, now - start) },
    condition: stepCondition(settings, current, latest),
  };
}

function waitingCondition(settings: RolloutSettings, s: RolloutStatus, latest: string): RolloutCondition {
  return { status: 'True', reason: 'WaitingForCanary', message: `${stepText(settings, s)}: waiting for revision ${latest} to take ${s.trafficPercent}% of the traffic` };
}

function stepCondition(settings: RolloutSettings, s: RolloutStatus, latest: string): RolloutCondition {
  const pause = settings.steps[s.currentStepIndex ?? 0]?.pauseSeconds ?? 0;
  return {
    status: 'True',
    reason: 'StepProgressing',
    message: `${stepText(settings, s)}: ${s.trafficPercent}% of the traffic to revision ${latest} since ${s.stepStartTime}, held ${pause} s with passing checks (every ${settings.intervalSeconds} s) before the next step`,
  };
}

function promotingCondition(latest: string): RolloutCondition {
  return { status: 'True', reason: 'Promoting', message: `every step passed its checks: promoting revision ${latest} to 100% of the traffic` };
}

export interface DecisionOutcome {
  state: RolloutState;
  /** A Warning for an abort, a Normal for a new step. */
  event?: { type: 'Normal' | 'Warning'; reason: string; message: string };
  /** When to look again; undefined after a change (the status write brings the next pass). */
  recheckMs?: number;
}

/** 2. The analysis' decision applied to the state from startRollout (which had `analyse`). */
export function applyDecision(state: RolloutState, decision: Decision, latest: string): DecisionOutcome {
  const s = state.status!;
  const settings = state.analyse!.settings;
  switch (decision.kind) {
    case 'hold':
      return { state: { rollout: state.rollout, status: s, percent: state.percent, ...(state.condition !== undefined ? { condition: state.condition } : {}) }, recheckMs: decision.recheckMs };
    case 'wait-for-data':
      return {
        state: { rollout: state.rollout, status: s, percent: state.percent, condition: { status: 'True', reason: 'WaitingForData', message: `${stepText(settings, s)}: ${s.trafficPercent}% to revision ${latest}, not judged yet: ${decision.why}` } },
        recheckMs: decision.recheckMs,
      };
    case 'advance': {
      const next: RolloutStatus = { ...withoutClock(s), currentStepIndex: decision.step, trafficPercent: settings.steps[decision.step]!.trafficPercent };
      return {
        state: { rollout: state.rollout, status: next, percent: next.trafficPercent, condition: waitingCondition(settings, next, latest) },
        event: { type: 'Normal', reason: 'RolloutStepAdvanced', message: `checks passed at ${stepText(settings, s)}: ${stepText(settings, next)}, ${next.trafficPercent}% to revision ${latest}` },
      };
    }
    case 'promote': {
      const next: RolloutStatus = { ...withoutClock(s), currentStepIndex: settings.steps.length, trafficPercent: 100 };
      return {
        state: { rollout: state.rollout, status: next, percent: 100, condition: promotingCondition(latest) },
        event: { type: 'Normal', reason: 'RolloutPromoting', message: `checks passed at all ${settings.steps.length} steps: promoting revision ${latest}` },
      };
    }
    case 'rollback': {
      const next: RolloutStatus = { ...withoutClock(s), phase: 'Aborted', trafficPercent: 0, failedCheck: decision.check };
      const message = `rolled back to the stable revision at ${stepText(settings, s)} (${s.trafficPercent}% to revision ${latest}): ${decision.message}`;
      return {
        state: { rollout: state.rollout, status: next, percent: 0, condition: { status: 'False', reason: 'RolloutAborted', message } },
        event: { type: 'Warning', reason: 'RolloutAborted', message },
      };
    }
  }
}

/** 3. After planning: the step's clock starts when the canary has its share and stops while it has none. */
export function afterPlan(state: RolloutState, latestPercent: number, latest: string, now: number): RolloutState {
  const status = state.status;
  if (status?.phase !== 'Progressing' || (status.trafficPercent ?? 0) >= 100 || state.rollout === undefined) return state;
  const settings = rolloutSettings(state.rollout);
  if (latestPercent <= 0) {
    if (status.stepStartTime === undefined) return state;
    const stopped = withoutClock(status);
    return { ...state, status: stopped, condition: waitingCondition(settings, stopped, latest) };
  }
  if (status.stepStartTime !== undefined) return state;
  const started: RolloutStatus = { ...status, stepStartTime: new Date(now).toISOString() };
  return { ...state, status: started, condition: stepCondition(settings, started, latest) };
}

/** The RolloutProgressing condition to set, if any (kept from the last status when the state did not restate it). */
export function rolloutConditionFor(state: RolloutState): Omit<Condition, 'lastTransitionTime'> | undefined {
  return state.condition === undefined ? undefined : { type: ROLLOUT_CONDITION, ...state.condition };
}
