// Property test of the automated rollout with the planner: random sequences
// of spec edits (with and without a rollout), manual percent edits, pauses,
// readiness changes, load failures, time passing and analysis results
// (healthy, failing, no data), seeded and bounded. After every pass: weights
// sum to 100 (or 0 when nothing can serve), only revisions with a ready pod
// carry weight and only Ready ones gain it, the stable revision is never
// deleted before a promotion completed, an aborted canary gets no traffic
// unless a person gives it some, and the steps promote only after the last
// one passed. MODELSHIP_PROPERTY_SEED replays one seed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DefaultedPredictor, RolloutSpec } from '../api/types.ts';
import type { Observation } from './analysis.ts';
import { forSeeds, prng } from '../../../test/operator/unit-support/prng.ts';
import { predictorFor } from '../../../test/operator/unit-support/canary-sim.ts';
import { RolloutWorld } from '../../../test/operator/unit-support/rollout-sim.ts';
import { ROLLOUT_PAUSED_ANNOTATION } from './rollout.ts';

const RUNS = 300;
const STEPS = 50;

const ROLLOUTS: RolloutSpec[] = [
  { steps: [{ trafficPercent: 10, pauseSeconds: 20 }, { trafficPercent: 50, pauseSeconds: 20 }], interval: 10, minRequests: 10 },
  { steps: [{ trafficPercent: 25, pauseSeconds: 0 }], interval: 5, minRequests: 1, checks: { latencyP99: { maxRatio: 2 } } },
  { steps: [{ trafficPercent: 1, pauseSeconds: 10 }, { trafficPercent: 33, pauseSeconds: 10 }, { trafficPercent: 99, pauseSeconds: 10 }], interval: 5, minRequests: 5 },
];
const OBSERVATIONS: Observation[] = [
  { canary: { requests: 100, errors: 0, latencyP99Seconds: 0.02 }, stable: { requests: 400, errors: 0, latencyP99Seconds: 0.02 } },
  { canary: { requests: 100, errors: 0, latencyP99Seconds: 0.02 }, stable: { requests: 400, errors: 0, latencyP99Seconds: 0.02 } },
  { canary: { requests: 100, errors: 30, latencyP99Seconds: 0.02 }, stable: { requests: 400, errors: 0, latencyP99Seconds: 0.02 } },
  { canary: { requests: 100, errors: 0, latencyP99Seconds: 0.5 }, stable: { requests: 400, errors: 0, latencyP99Seconds: 0.02 } },
  { canary: { requests: 0, errors: 0, latencyP99Seconds: undefined }, stable: { requests: 400, errors: 0, latencyP99Seconds: 0.02 } },
  { noData: 'Prometheus unreachable' },
];

function runOnce(seed: number, mode: 'gatewayApi' | 'service'): void {
  const rand = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const spec = (): DefaultedPredictor => {
    const percent = pick([undefined, undefined, undefined, 0, 30, 100]);
    const rollout = pick([undefined, ...ROLLOUTS, ...ROLLOUTS]);
    return predictorFor(pick(['v1', 'v2', 'v3']), {
      minReplicas: pick([1, 1, 2]),
      ...(percent === undefined ? {} : { canaryTrafficPercent: percent }),
      ...(rollout === undefined ? {} : { rollout }),
    });
  };
  const r = new RolloutWorld(spec(), mode);
  r.pass();
  const log: string[] = [];
  for (let i = 0; i < STEPS; i++) {
    const names = [...r.world.revisions.keys()];
    const x = rand();
    let action: string;
    if (x < 0.12) { const s = spec(); action = `edit ${s.model.storageUri} percent ${s.canaryTrafficPercent} rollout ${s.rollout?.steps.map((st) => st.trafficPercent).join('/')}`; r.edit(s); }
    else if (x < 0.18) { const p = pick([undefined, 0, 10, 100]); action = `percent ${p}`; const { canaryTrafficPercent: _p, ...rest } = r.world.spec; r.edit(p === undefined ? rest : { ...rest, canaryTrafficPercent: p }); }
    else if (x < 0.22) { const on = rand() < 0.5; action = `pause ${on}`; if (on) r.annotations[ROLLOUT_PAUSED_ANNOTATION] = 'true'; else delete r.annotations[ROLLOUT_PAUSED_ANNOTATION]; }
    else if (x < 0.5 && names.length > 0) { const n = pick(names); const pods = pick([0, 1, 2, 2]); action = `ready ${n} ${pods}`; r.ready(pods, n); }
    else if (x < 0.55 && names.length > 0) { const n = pick(names); action = `fail ${n}`; const o = r.world.revisions.get(n)!; r.world.revisions.set(n, { ...o, readyPods: 0, failure: { reason: 'Error', message: 'failed to load' } }); }
    else { const s = pick([0, 5, 10, 30]); action = `time +${s}s`; r.advance(s); }
    const observation = pick(OBSERVATIONS);
    const stableBefore = r.world.previous.latestRolledoutRevision;
    const statusBefore = r.status;
    const percentsBefore = { ...r.world.previous.percents };
    const result = r.pass(observation);
    log.push(`${action} -> ${result.decision?.kind ?? '-'}`);
    const plan = result.plan;
    const where = `seed ${seed} (${mode}), step ${i}: ${action}\n  history: ${log.join(' | ')}\n  plan: ${JSON.stringify(plan.revisions.map((y) => [y.name, y.percent]))}\n  rollout: ${JSON.stringify(r.status)}`;
    const weights = plan.revisions.map((y) => y.percent);
    const sum = weights.reduce((a, b) => a + b, 0);
    assert.ok(weights.every((w) => Number.isInteger(w) && w >= 0 && w <= 100), `whole percents: ${where}`);
    assert.ok(sum === 100 || sum === 0, `weights sum to 100 or 0: ${where}`);
    for (const y of plan.revisions.filter((z) => z.percent > 0)) {
      const observed = r.world.revisions.get(y.name)!;
      assert.ok(observed.readyPods >= 1, `only revisions with a ready pod get weight: ${y.name} ${where}`);
      if ((percentsBefore[y.name] ?? 0) === 0) assert.ok(y.ready, `only Ready revisions gain weight: ${y.name} ${where}`);
    }
    if (stableBefore !== undefined && plan.retire.includes(stableBefore)) {
      const latest = plan.revisions.find((y) => y.latest)!;
      assert.ok(plan.status.latestRolledoutRevision === latest.name && latest.percent === 100, `the stable revision is deleted only after a completed promotion: ${where}`);
    }
    const latest = plan.revisions.find((y) => y.latest)!;
    const manual = r.world.spec.canaryTrafficPercent !== r.status?.specCanaryTrafficPercent;
    if (r.world.spec.rollout !== undefined && r.status?.revision === latest.name && r.status.phase === 'Aborted' && !manual) {
      assert.equal(latest.percent === 0 || plan.revisions.length === 1, true, `an aborted canary gets no traffic: ${where}`);
    }
    // Promotion through the steps only after the last step passed (or a person chose the percent).
    const promoted = stableBefore !== undefined && stableBefore !== latest.name && plan.status.latestRolledoutRevision === latest.name;
    if (promoted && r.world.spec.rollout !== undefined && statusBefore?.revision === latest.name && !manual) {
      assert.ok((r.status?.currentStepIndex ?? 0) >= r.world.spec.rollout.steps.length, `promoted before the last step passed: ${where}`);
    }
  }
}

test(`automated rollout invariants over ${RUNS} generated sequences per mode`, () => {
  forSeeds(RUNS, ['gatewayApi', 'service'] as const, runOnce);
});
