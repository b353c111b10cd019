// Scenarios of the automated rollout, pass by pass, as the reconciler runs
// them (test/operator/unit-support/rollout-sim.ts): steps, promotion,
// rollback, pause and a manual edit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DefaultedPredictor } from '../api/types.ts';
import type { Observation } from './analysis.ts';
import { predictorFor, World } from '../../../test/operator/unit-support/canary-sim.ts';
import { RolloutWorld } from '../../../test/operator/unit-support/rollout-sim.ts';
import { ROLLOUT_PAUSED_ANNOTATION } from './rollout.ts';

const rollout = {
  steps: [{ trafficPercent: 10, pauseSeconds: 30 }, { trafficPercent: 50, pauseSeconds: 30 }],
  interval: 10,
  minRequests: 20,
  checks: { errorRate: { maxIncrease: 0.01 }, latencyP99: { maxRatio: 1.5 } },
};
const v = (version: string, extra: Partial<DefaultedPredictor> = {}) => predictorFor(version, { rollout, ...extra });
const healthy: Observation = { canary: { requests: 100, errors: 0, latencyP99Seconds: 0.02 }, stable: { requests: 900, errors: 0, latencyP99Seconds: 0.02 } };
const failing: Observation = { canary: { requests: 100, errors: 10, latencyP99Seconds: 0.02 }, stable: { requests: 900, errors: 0, latencyP99Seconds: 0.02 } };

const stepStart = (r: RolloutWorld): string | undefined => r.status?.stepStartTime;

/** v1 rolled out, then v2 applied and Ready: returns the world at the first step with its clock started. */
function canaryAtFirstStep(): { r: RolloutWorld; v1: string; v2: string } {
  const r = new RolloutWorld(v('v1'));
  r.pass();
  const v1 = r.world.plan().latest;
  r.ready(1, v1);
  r.pass();
  assert.ok(r.status === undefined, 'a first rollout has no canary to analyse');
  r.edit(v('v2'));
  let p = r.pass();
  const v2 = p.plan.latest;
  assert.deepEqual(World.weights(p.plan), { [v1]: 100, [v2]: 0 }, 'the canary gets nothing until Ready');
  assert.equal(p.condition?.reason, 'WaitingForCanary');
  assert.equal(stepStart(r), undefined, 'the step clock waits for the canary');
  r.ready(1, v2);
  p = r.pass();
  assert.deepEqual(World.weights(p.plan), { [v1]: 90, [v2]: 10 });
  assert.ok(stepStart(r) !== undefined);
  assert.equal(p.condition?.reason, 'StepProgressing');
  return { r, v1, v2 };
}

test('rollout: a healthy canary goes 10% -> 50% -> promoted, holding each step its pause', () => {
  const { r, v1, v2 } = canaryAtFirstStep();
  r.advance(10);
  let p = r.pass(healthy);
  assert.equal(p.decision?.kind, 'hold');
  assert.deepEqual(World.weights(p.plan), { [v1]: 90, [v2]: 10 });
  r.advance(20);
  p = r.pass(healthy);
  assert.deepEqual(p.decision, { kind: 'advance', step: 1 });
  assert.deepEqual(p.events, ['RolloutStepAdvanced']);
  assert.deepEqual(World.weights(p.plan), { [v1]: 50, [v2]: 50 });
  assert.equal(r.status?.currentStepIndex, 1);
  r.advance(29);
  assert.equal(r.pass(healthy).decision?.kind, 'hold', 'the second step has its own clock');
  r.advance(1);
  p = r.pass(healthy);
  assert.deepEqual(p.decision, { kind: 'promote' });
  assert.deepEqual(World.weights(p.plan), { [v2]: 100 });
  // The planner completes a promotion of a Ready canary in one pass: the route moves, then the stable revision goes.
  assert.equal(p.plan.status.latestRolledoutRevision, v2);
  assert.deepEqual(p.plan.retire, [v1]);
  p = r.pass(healthy);
  assert.equal(r.status?.phase, 'Succeeded');
  assert.equal(p.condition?.reason, 'RolloutSucceeded');
  // Steady state: nothing changes pass after pass.
  const before = JSON.stringify([r.status, r.condition]);
  r.advance(600);
  p = r.pass(failing);
  assert.equal(p.decision, undefined, 'no analysis without a canary');
  assert.equal(JSON.stringify([r.status, r.condition]), before);
});

test('rollout: a failing check rolls back to the stable revision, which keeps all traffic after', () => {
  const { r, v1, v2 } = canaryAtFirstStep();
  r.advance(10);
  const p = r.pass(failing);
  assert.equal(p.decision?.kind, 'rollback');
  assert.deepEqual(p.events, ['RolloutAborted']);
  assert.deepEqual(World.weights(p.plan), { [v1]: 100, [v2]: 0 }, 'the canary keeps running without traffic, for inspection');
  assert.equal(r.status?.phase, 'Aborted');
  assert.equal(r.status?.failedCheck, 'errorRate');
  assert.equal(p.condition?.status, 'False');
  assert.equal(p.condition?.reason, 'RolloutAborted');
  assert.match(p.condition!.message, /check errorRate failed \(maxIncrease 0\.01\): canary error rate 10\.00% over 100 requests, stable 0\.00% over 900/);
  // An abort is final: healthy data later changes nothing.
  r.advance(600);
  const after = r.pass(healthy);
  assert.equal(after.decision, undefined);
  assert.deepEqual(World.weights(after.plan), { [v1]: 100, [v2]: 0 });
  assert.deepEqual(after.plan.retire, [], 'the stable revision is never deleted after an abort');
});

test('rollout: paused by the field or the annotation, the step holds and its clock restarts on resume', () => {
  for (const how of ['field', 'annotation'] as const) {
    const { r, v1, v2 } = canaryAtFirstStep();
    if (how === 'field') r.edit(v('v2', { rollout: { ...rollout, paused: true } }));
    else r.annotations[ROLLOUT_PAUSED_ANNOTATION] = 'true';
    r.advance(600);
    let p = r.pass(failing);
    assert.equal(p.decision, undefined, `${how}: no analysis while paused`);
    assert.equal(p.condition?.reason, 'RolloutPaused');
    assert.equal(r.status?.phase, 'Paused');
    assert.deepEqual(World.weights(p.plan), { [v1]: 90, [v2]: 10 }, `${how}: the step's share stays`);
    if (how === 'field') r.edit(v('v2'));
    else delete r.annotations[ROLLOUT_PAUSED_ANNOTATION];
    p = r.pass(healthy);
    assert.equal(r.status?.phase, 'Progressing');
    assert.equal(p.decision, undefined, 'the resumed step first restarts its clock');
    r.advance(29);
    assert.equal(r.pass(healthy).decision?.kind, 'hold', `${how}: the whole pause is held again`);
  }
});

test('rollout: a manual canaryTrafficPercent edit pauses the steps and wins; restoring it resumes', () => {
  const { r, v1, v2 } = canaryAtFirstStep();
  r.edit(v('v2', { canaryTrafficPercent: 30 }));
  r.advance(600);
  let p = r.pass(healthy);
  assert.equal(p.decision, undefined);
  assert.deepEqual(World.weights(p.plan), { [v1]: 70, [v2]: 30 });
  assert.equal(p.condition?.reason, 'ManualOverride');
  assert.equal(r.status?.phase, 'Paused');
  r.edit(v('v2', { canaryTrafficPercent: 0 }));
  p = r.pass(healthy);
  assert.deepEqual(World.weights(p.plan), { [v1]: 100, [v2]: 0 }, 'a manual rollback');
  r.edit(v('v2'));
  p = r.pass(healthy);
  assert.equal(r.status?.phase, 'Progressing');
  assert.deepEqual(World.weights(p.plan), { [v1]: 90, [v2]: 10 }, 'back on the step it was on');
});

test('rollout: a canary that loses its ready pods stops the step clock; nothing is judged meanwhile', () => {
  const { r, v1, v2 } = canaryAtFirstStep();
  r.advance(20);
  r.ready(0, v2);
  const p = r.pass(healthy);
  assert.deepEqual(World.weights(p.plan), { [v1]: 100, [v2]: 0 });
  assert.equal(r.status?.stepStartTime, undefined);
  assert.equal(p.condition?.reason, 'WaitingForCanary');
});

test('rollout: a new spec during a rollout starts a new one at the first step', () => {
  const { r } = canaryAtFirstStep();
  r.advance(31);
  r.pass(healthy);
  assert.equal(r.status?.currentStepIndex, 1);
  r.edit(v('v3'));
  const p = r.pass(healthy);
  assert.equal(r.status?.revision, p.plan.latest);
  assert.equal(r.status?.currentStepIndex, 0);
  assert.equal(r.status?.trafficPercent, 10);
});

test('rollout: without spec.predictor.rollout nothing is automated (the spec percent applies)', () => {
  const r = new RolloutWorld(predictorFor('v1'));
  r.pass();
  r.ready(1);
  r.pass();
  r.edit(predictorFor('v2', { canaryTrafficPercent: 20 }));
  r.pass();
  r.ready(1);
  const p = r.pass(failing);
  assert.equal(r.status, undefined);
  assert.equal(p.decision, undefined);
  assert.equal(p.plan.revisions.find((x) => x.latest)?.percent, 20);
});

test('rollout: changing how traffic moves is not a new revision (the name ignores rollout and canaryTrafficPercent)', async () => {
  const { revisionName } = await import('./revision.ts');
  const base = predictorFor('v1');
  assert.equal(revisionName('iris', v('v1')), revisionName('iris', base));
  assert.equal(revisionName('iris', v('v1', { canaryTrafficPercent: 5, rollout: { ...rollout, paused: true } })), revisionName('iris', base));
  assert.notEqual(revisionName('iris', v('v2')), revisionName('iris', base));
});
