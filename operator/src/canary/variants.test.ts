// Scenarios of the variants planner (variants.ts): A/B/N shares, readiness,
// the combination with canaryTrafficPercent, the shadow, and Service mode's
// pod apportioning over N revisions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { predictorFor, World } from '../../../test/operator/unit-support/canary-sim.ts';
import type { TrafficPlan } from './plan.ts';
import { revisionName, SHADOW_VARIANT } from './revision.ts';

const byVariant = (plan: TrafficPlan) => Object.fromEntries(plan.revisions.map((r) => [r.variant ?? (r.latest ? 'latest' : 'prev'), r.percent]));
const nameOf = (plan: TrafficPlan, variant: string) => plan.revisions.find((r) => r.variant === variant)?.name ?? '';

function threeWay(mode: 'gatewayApi' | 'service' = 'gatewayApi'): World {
  const w = new World(predictorFor('v1'), mode);
  w.step();
  w.ready(1);
  w.setVariants([{ name: 'b', percent: 20, predictor: predictorFor('v2') }, { name: 'c', percent: 30, predictor: predictorFor('v3') }]);
  return w;
}

test('a Ready variant takes its trafficPercent; the main predictor the rest', () => {
  const w = threeWay();
  assert.deepEqual(byVariant(w.last!), { latest: 100, b: 0, c: 0 }, 'variants wait for readiness');
  assert.match(w.last!.condition.message, /variant b .* gets no traffic until it is ready: 0 of 1 pods are ready; its 20% stays with the main predictor/);
  w.ready(1, nameOf(w.last!, 'b'));
  assert.deepEqual(byVariant(w.last!), { latest: 80, b: 20, c: 0 });
  const plan = w.ready(1, nameOf(w.last!, 'c'));
  assert.deepEqual(byVariant(plan), { latest: 50, b: 20, c: 30 });
  assert.equal(plan.condition.status, 'True');
  assert.equal(plan.status.variants, 'b=20 c=30');
  const b = plan.status.traffic.find((t) => t.variant === 'b');
  assert.deepEqual(b, { revisionName: nameOf(plan, 'b'), percent: 20, latestRevision: false, tag: 'b', variant: 'b', ready: true });
  assert.deepEqual(plan.serviceSelects, [plan.latest], 'the in-cluster fallback Service selects the main predictor only where a route splits');
});

test('a variant is its own revision, even with the main spec (A/A); the main revision name is unchanged', () => {
  const spec = predictorFor('v1');
  assert.notEqual(revisionName('iris', spec, 'b'), revisionName('iris', spec));
  assert.notEqual(revisionName('iris', spec, 'b'), revisionName('iris', spec, 'c'));
  assert.equal(revisionName('iris', spec), revisionName('iris', spec, undefined));
});

test('editing a variant retires its old revision; its share waits for the new one', () => {
  const w = threeWay();
  w.ready(1, nameOf(w.last!, 'b'));
  const old = nameOf(w.last!, 'b');
  const plan = w.setVariants([{ name: 'b', percent: 20, predictor: predictorFor('v4') }, { name: 'c', percent: 30, predictor: predictorFor('v3') }]);
  assert.ok(plan.retire.includes(old));
  assert.notEqual(nameOf(plan, 'b'), old);
  assert.deepEqual(byVariant(plan), { latest: 100, b: 0, c: 0 });
});

test('a variant whose model fails to load leaves the InferenceService serving, with a reason', () => {
  const w = threeWay();
  const plan = w.fail(nameOf(w.last!, 'b'));
  assert.equal(plan.condition.status, 'True');
  assert.equal(plan.condition.reason, 'VariantFailed');
  assert.match(plan.condition.message, /variant b .*failed to load/);
  assert.equal(byVariant(plan)['latest'], 100);
});

test('canaryTrafficPercent splits what the variants leave to the main predictor', () => {
  const w = threeWay();
  w.ready(1, nameOf(w.last!, 'b'));
  w.ready(1, nameOf(w.last!, 'c'));
  w.edit(predictorFor('v9', { canaryTrafficPercent: 50 }));
  const plan = w.ready(1);
  assert.deepEqual(byVariant(plan), { prev: 25, latest: 25, b: 20, c: 30 });
  w.percent(10);
  assert.deepEqual(byVariant(w.last!), { prev: 45, latest: 5, b: 20, c: 30 });
});

test('with no main revision able to serve, Ready variants take everything in their proportions', () => {
  const w = threeWay();
  w.ready(1, nameOf(w.last!, 'b'));
  w.ready(1, nameOf(w.last!, 'c'));
  const plan = w.fail(w.last!.latest);
  assert.deepEqual(byVariant(plan), { latest: 0, b: 40, c: 60 });
  assert.equal(plan.condition.status, 'False');
  assert.equal(plan.condition.reason, 'MainNotReady');
});

test('variants may take all 100%: the main predictor runs without traffic', () => {
  const w = new World(predictorFor('v1'));
  w.step();
  w.ready(1);
  w.setVariants([{ name: 'b', percent: 100, predictor: predictorFor('v2') }]);
  const plan = w.ready(1, nameOf(w.last!, 'b'));
  assert.deepEqual(byVariant(plan), { latest: 0, b: 100 });
  assert.deepEqual(plan.serviceSelects, [nameOf(plan, 'b')]);
});

test('the shadow runs without weight and is copied to once it has a ready pod', () => {
  const w = new World(predictorFor('v1'));
  w.step();
  w.ready(1);
  let plan = w.setVariants([], { percent: 30, predictor: predictorFor('v2') });
  assert.deepEqual(plan.shadow, { revision: nameOf(plan, SHADOW_VARIANT), percent: 0 });
  assert.match(plan.condition.message, /the shadow .* gets no copies until it is ready/);
  plan = w.ready(1, nameOf(plan, SHADOW_VARIANT));
  assert.deepEqual(plan.shadow, { revision: nameOf(plan, SHADOW_VARIANT), percent: 30 });
  assert.deepEqual(byVariant(plan), { latest: 100, shadow: 0 });
  assert.deepEqual(plan.serviceSelects, [plan.latest]);
  assert.equal(plan.status.variants, 'shadow=30');
  plan = w.setVariants([]);
  assert.ok(plan.retire.includes(revisionName('iris', predictorFor('v2'), SHADOW_VARIANT)), 'removing the shadow retires it');
  assert.equal(plan.shadow, undefined);
});

test('Service mode apportions pods over all revisions of the split and selects them by label', () => {
  const w = threeWay('service');
  // Every revision meant to share runs its apportioned pods before it is Ready.
  const sizes = Object.fromEntries(w.last!.revisions.map((r) => [r.variant ?? 'main', r.scaling.minReplicas]));
  assert.deepEqual(sizes, { main: 5, b: 2, c: 3 });
  w.ready(2, nameOf(w.last!, 'b'));
  const plan = w.ready(3, nameOf(w.last!, 'c'));
  assert.deepEqual(byVariant(plan), { latest: 50, b: 20, c: 30 });
  assert.equal(plan.selectSplit, true);
  assert.deepEqual(plan.revisions.map((r) => r.splitMember), [true, true, true]);
  assert.match(plan.condition.message, /service mode apportions pods: 5 latest \+ 2 b \+ 3 c \(granularity 1\/10\)/);
});

test('Service mode: the shadow is never in the split, so the shared Service never sends it live requests', () => {
  const w = new World(predictorFor('v1'), 'service');
  w.step();
  w.ready(1);
  w.setVariants([{ name: 'b', percent: 50, predictor: predictorFor('v2') }], { percent: 100, predictor: predictorFor('v3') });
  w.ready(1, nameOf(w.last!, SHADOW_VARIANT));
  const plan = w.ready(1, nameOf(w.last!, 'b'));
  assert.deepEqual(byVariant(plan), { latest: 50, b: 50, shadow: 0 });
  assert.equal(plan.revisions.find((r) => r.variant === SHADOW_VARIANT)?.splitMember, undefined);
  assert.deepEqual(new Set(plan.serviceSelects), new Set([plan.latest, nameOf(plan, 'b')]));
});
