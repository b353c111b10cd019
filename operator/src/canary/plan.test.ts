// Golden tests of the planner: each scenario is a sequence of user edits and
// readiness changes; after every step the weights, the rolled-out revisions,
// the retired revisions and the TrafficReady reason are recorded with the
// revisions named v1, v2... and compared with testdata/plan.golden.json.
// UPDATE_GOLDEN=1 rewrites the file; review its diff like code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { DefaultedPredictor } from '../api/types.ts';
import { revisionName } from './revision.ts';
import { predictorFor, World } from '../../../test/operator/unit-support/canary-sim.ts';
import type { TrafficMode, TrafficPlan } from './plan.ts';

const GOLDEN = resolve(import.meta.dirname, 'testdata', 'plan.golden.json');

// Every spec a scenario builds is named by its version in the golden file.
const NAMES = new Map<string, string>();
const v = (n: number, extra: Partial<DefaultedPredictor> = {}) => {
  const spec = predictorFor(`v${n}`, extra);
  NAMES.set(revisionName('iris', spec), `v${n}`);
  return spec;
};
const label = (name: string | undefined) => (name === undefined ? undefined : NAMES.get(name) ?? name);

function summary(step: string, plan: TrafficPlan): unknown {
  const s = plan.status;
  return {
    step,
    weights: Object.fromEntries(plan.revisions.map((r) => [label(r.name), r.percent])),
    ...(plan.revisions.some((r) => r.scaling !== r.spec) ? { replicas: Object.fromEntries(plan.revisions.map((r) => [label(r.name), r.scaling.minReplicas])) } : {}),
    rolledOut: label(s.latestRolledoutRevision) ?? null,
    previous: label(s.previousRolledoutRevision) ?? null,
    latestReady: label(s.latestReadyRevision) ?? null,
    retire: plan.retire.map(label),
    service: plan.serviceSelects.map(label),
    traffic: `${plan.condition.status} ${plan.condition.reason}`,
  };
}

type Action = [string, (w: World) => TrafficPlan];
const scenarios: Record<string, { mode?: TrafficMode; start: DefaultedPredictor; actions: Action[] }> = {
  'first rollout waits for readiness': {
    start: v(1, { minReplicas: 2 }),
    actions: [['apply v1', (w) => w.step()], ['1 of 2 pods ready', (w) => w.ready(1)], ['2 of 2 ready', (w) => w.ready(2)]],
  },
  'canary 10 -> 50 -> 100': {
    start: v(1),
    actions: [
      ['apply v1', (w) => w.step()], ['v1 ready', (w) => w.ready(1)],
      ['v2 at 10%', (w) => w.edit(v(2, { canaryTrafficPercent: 10 }))],
      ['v2 ready', (w) => w.ready(1)],
      ['50%', (w) => w.percent(50)],
      ['100%', (w) => w.percent(100)],
    ],
  },
  'canary 30 -> 0 (rollback) -> field removed (promote)': {
    start: v(1),
    actions: [
      ['apply v1', (w) => w.step()], ['v1 ready', (w) => w.ready(1)],
      ['v2 at 30%', (w) => w.edit(v(2, { canaryTrafficPercent: 30 }))], ['v2 ready', (w) => w.ready(1)],
      ['0%', (w) => w.percent(0)],
      ['field removed', (w) => w.percent(undefined)],
    ],
  },
  'promotion waits for full size': {
    start: v(1),
    actions: [
      ['apply v1', (w) => w.step()], ['v1 ready', (w) => w.ready(1)],
      ['v2 (3 pods), no canary field', (w) => w.edit(v(2, { minReplicas: 3 }))],
      ['2 of 3 ready', (w) => w.ready(2)],
      ['3 of 3 ready', (w) => w.ready(3)],
    ],
  },
  'canary that fails to load keeps traffic on v1': {
    start: v(1),
    actions: [
      ['apply v1', (w) => w.step()], ['v1 ready', (w) => w.ready(1)],
      ['v2 at 20%', (w) => w.edit(v(2, { canaryTrafficPercent: 20 }))],
      ['v2 fails to load', (w) => w.fail()],
      ['promote anyway', (w) => w.percent(undefined)],
    ],
  },
  'reverting the spec returns to v1 without a rollout': {
    start: v(1),
    actions: [
      ['apply v1', (w) => w.step()], ['v1 ready', (w) => w.ready(1)],
      ['v2 at 10%', (w) => w.edit(v(2, { canaryTrafficPercent: 10 }))], ['v2 ready', (w) => w.ready(1)],
      ['spec back to v1', (w) => w.edit(v(1, { canaryTrafficPercent: 10 }))],
    ],
  },
  'a third revision replaces the canary': {
    start: v(1),
    actions: [
      ['apply v1', (w) => w.step()], ['v1 ready', (w) => w.ready(1)],
      ['v2 at 10%', (w) => w.edit(v(2, { canaryTrafficPercent: 10 }))], ['v2 ready', (w) => w.ready(1)],
      ['v3 at 10%', (w) => w.edit(v(3, { canaryTrafficPercent: 10 }))], ['v3 ready', (w) => w.ready(1)],
    ],
  },
  'a serving revision keeps its share while one pod is ready': {
    start: v(1, { minReplicas: 3 }),
    actions: [
      ['apply v1', (w) => w.step()], ['v1 ready', (w) => w.ready(3)],
      ['v2 at 10%', (w) => w.edit(v(2, { canaryTrafficPercent: 10 }))], ['v2 ready', (w) => w.ready(1)],
      ['v1 down to 1 ready pod', (w) => w.ready(1, revisionName('iris', v(1, { minReplicas: 3 })))],
      ['v1 has no ready pod', (w) => w.ready(0, revisionName('iris', v(1, { minReplicas: 3 })))],
    ],
  },
  'service mode apportions replicas': {
    mode: 'service',
    start: v(1),
    actions: [
      ['apply v1', (w) => w.step()], ['v1 ready', (w) => w.ready(1)],
      ['v2 at 20%', (w) => w.edit(v(2, { canaryTrafficPercent: 20 }))],
      ['v2 ready', (w) => w.ready(1)],
      ['10%', (w) => w.percent(10)],
      ['0%', (w) => w.percent(0)],
      ['promote', (w) => w.percent(undefined)],
    ],
  },
};

function run(): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const [name, s] of Object.entries(scenarios)) {
    const world = new World(s.start, s.mode);
    out[name] = s.actions.map(([step, act]) => summary(step, act(world)));
  }
  return out;
}

test('planner golden scenarios', () => {
  const got = run();
  if (process.env['UPDATE_GOLDEN'] === '1') writeFileSync(GOLDEN, `${JSON.stringify(got, null, 2)}\n`);
  const want = JSON.parse(readFileSync(GOLDEN, 'utf8')) as unknown;
  assert.deepEqual(got, want);
});

test('the issue\'s edits give the weights it asks for', () => {
  const w = new World(v(1));
  w.step();
  w.ready(1);
  const [v1, v2] = [revisionName('iris', v(1)), revisionName('iris', v(2))];
  w.edit(v(2, { canaryTrafficPercent: 10 }));
  assert.deepEqual(World.weights(w.ready(1)), { [v1]: 90, [v2]: 10 });
  assert.deepEqual(World.weights(w.percent(50)), { [v1]: 50, [v2]: 50 });
  const promoted = w.percent(100);
  assert.deepEqual(World.weights(promoted), { [v2]: 100 });
  assert.deepEqual(promoted.retire, [v1]);
  assert.equal(promoted.status.latestRolledoutRevision, v2);
  assert.equal(promoted.status.previousRolledoutRevision, v1);
});

test('a canary percent is a revision-neutral edit; any other spec change is a new revision', () => {
  assert.equal(revisionName('iris', v(1)), revisionName('iris', v(1, { canaryTrafficPercent: 40 })));
  assert.notEqual(revisionName('iris', v(1)), revisionName('iris', v(1, { minReplicas: 2 })));
  assert.match(revisionName('iris', v(1)), /^iris-predictor-[0-9a-f]{7}$/);
  assert.ok(revisionName('a'.repeat(45), v(1)).length <= 63);
});

test('service mode: the TrafficReady message tells the split the ready pods give until the apportioned ones are all ready', () => {
  const w = new World(v(1), 'service');
  w.step();
  w.ready(1);
  const [v1, v2] = [revisionName('iris', v(1)), revisionName('iris', v(2))];
  w.edit(v(2, { canaryTrafficPercent: 20 }));
  // The canary is ready; v1 still has 1 of the 4 pods the split needs.
  const early = w.ready(1, v2);
  assert.deepEqual(World.weights(early), { [v1]: 80, [v2]: 20 });
  assert.match(early.condition.message, /4 \+ 1 ready pods give 20%/);
  assert.match(early.condition.message, new RegExp(`now 1 \\+ 1 ready pods give revision ${v2} 50%`));
  // All apportioned pods ready: the message no longer carries the interim split.
  w.ready(4, v1);
  const settled = w.ready(1, v2);
  assert.doesNotMatch(settled.condition.message, /now \d+ \+ \d+ ready pods/);
});
