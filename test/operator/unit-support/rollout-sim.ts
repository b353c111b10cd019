// Test helper: the canary World driven by an automated rollout, in the order
// the reconciler runs one pass: the rollout state from the last status, the
// analysis when it is due (with the observation the test hands in, standing
// in for Prometheus), the plan with the rollout's percent, then the step's
// clock. Time is the test's.
import type { DefaultedPredictor, RolloutSpec, RolloutStatus } from '../../../operator/src/api/types.ts';
import { analyze, type Decision, type Observation } from '../../../operator/src/canary/analysis.ts';
import type { TrafficPlan, TrafficMode } from '../../../operator/src/canary/plan.ts';
import { afterPlan, applyDecision, startRollout, type RolloutCondition } from '../../../operator/src/canary/rollout.ts';
import { World } from './canary-sim.ts';

export interface PassResult {
  plan: TrafficPlan;
  decision?: Decision;
  percent: number | undefined;
  condition?: RolloutCondition;
  events: string[];
}

export class RolloutWorld {
  readonly world: World;
  status: RolloutStatus | undefined;
  condition: RolloutCondition | undefined;
  annotations: Record<string, string> = {};
  now = Date.parse('2026-01-01T00:00:00Z');

  constructor(spec: DefaultedPredictor, mode: TrafficMode = 'gatewayApi') {
    this.world = new World(spec, mode);
  }

  get rollout(): RolloutSpec | undefined {
    return this.world.spec.rollout;
  }

  /** One reconcile pass; `observation` is what Prometheus would answer if the analysis runs. */
  pass(observation: Observation = { noData: 'no observation in this pass' }): PassResult {
    const w = this.world;
    const latest = w.plan().latest;
    let state = startRollout({
      rollout: w.spec.rollout,
      specPercent: w.spec.canaryTrafficPercent,
      annotations: this.annotations,
      latest,
      rolledOut: w.previous.latestRolledoutRevision,
      previous: this.status,
    }, this.now);
    let decision: Decision | undefined;
    const events: string[] = [];
    if (state.analyse !== undefined) {
      decision = analyze({ ...state.analyse, observation });
      const outcome = applyDecision(state, decision, latest);
      state = outcome.state;
      if (outcome.event !== undefined) events.push(outcome.event.reason);
    }
    const { canaryTrafficPercent: _spec, ...rest } = w.spec;
    const effective: DefaultedPredictor = state.percent === undefined ? rest : { ...rest, canaryTrafficPercent: state.percent };
    const plan = w.step(effective);
    state = afterPlan(state, plan.revisions.find((r) => r.latest)?.percent ?? 0, latest, this.now);
    this.status = state.status;
    if (state.condition !== undefined) this.condition = state.condition;
    return { plan, ...(decision !== undefined ? { decision } : {}), percent: state.percent, ...(state.condition !== undefined ? { condition: state.condition } : {}), events };
  }

  /** Sets a revision's ready pods (the latest when unnamed) without a pass. */
  ready(pods: number, name = this.world.plan().latest): void {
    const r = this.world.revisions.get(name);
    if (r !== undefined) this.world.revisions.set(name, { name, predictor: r.predictor, readyPods: pods });
  }

  /** A new spec (or percent), applied by the next pass. */
  edit(spec: DefaultedPredictor): void {
    this.world.spec = spec;
  }

  advance(seconds: number): void {
    this.now += seconds * 1000;
  }
}
