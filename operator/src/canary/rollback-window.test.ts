// The rollback window's decisions without a cluster: when a window opens, how
// long it stays open, what closes it early, and the planner keeping the
// replaced revision warm (no traffic, fixed size) until then, so a switch
// back moves all traffic in the pass that sees the spec.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keptWindow, openWindow, warmScaling, windowRecheckMs } from './rollback-window.ts';
import { candidate } from './candidate.ts';
import { revisionName } from './revision.ts';
import { predictorFor, World } from '../../../test/operator/unit-support/canary-sim.ts';

const T0 = Date.parse('2026-11-29T12:00:00Z');
const blue = predictorFor('v1', { minReplicas: 2, maxReplicas: 5 });

test('a switch opens a window only with seconds set, at the pods the replaced revision served with', () => {
  const served = candidate('iris-predictor-aaaaaaa', blue, { name: 'iris-predictor-aaaaaaa', predictor: blue, readyPods: 4 }, { percents: {} });
  assert.equal(openWindow(served, undefined), undefined);
  assert.equal(openWindow(served, { seconds: 0, now: T0 }), undefined);
  assert.deepEqual(openWindow(served, { seconds: 600, now: T0 }), {
    revisionName: 'iris-predictor-aaaaaaa', replicas: 4, switchTime: '2026-11-29T12:00:00.000Z', expiresAt: '2026-11-29T12:10:00.000Z',
  });
  // Fewer ready pods than minReplicas at the switch: it is kept at minReplicas.
  const thin = candidate('iris-predictor-aaaaaaa', blue, { name: 'iris-predictor-aaaaaaa', predictor: blue, readyPods: 1 }, { percents: {} });
  assert.equal(openWindow(thin, { seconds: 60, now: T0 })?.replicas, 2);
});

test('a window stays open until switchTime + the seconds the spec says now, and closes early when switched back or unset', () => {
  const open = openWindow(candidate('iris-predictor-aaaaaaa', blue, { name: 'x', predictor: blue, readyPods: 2 }, { percents: {} }), { seconds: 600, now: T0 })!;
  const at = (s: number, seconds = 600, latest = 'iris-predictor-bbbbbbb') => keptWindow(open, blue, latest, { seconds, now: T0 + s * 1000 });
  assert.deepEqual(at(0), open);
  assert.deepEqual(at(599.9), open);
  assert.equal(at(600), undefined, 'expired at switchTime + seconds');
  assert.equal(at(30, 0), undefined, 'the field set to 0 closes it');
  assert.equal(at(700, 1200)?.expiresAt, '2026-11-29T12:20:00.000Z', 'the field made longer moves the end');
  assert.equal(at(30, 600, 'iris-predictor-aaaaaaa'), undefined, 'its revision is the latest again: switched back');
  assert.equal(keptWindow(open, undefined, 'iris-predictor-bbbbbbb', { seconds: 600, now: T0 }), undefined, 'nothing left to rebuild it from');
  assert.equal(keptWindow({ ...open, switchTime: 'garbage' }, blue, 'iris-predictor-bbbbbbb', { seconds: 600, now: T0 }), undefined);
});

test('the kept revision runs fixed pods (no autoscaler) and the pass after the window is scheduled', () => {
  const scaled = warmScaling({ revisionName: 'x', replicas: 4 }, blue);
  assert.equal(scaled.minReplicas, 4);
  assert.equal(scaled.maxReplicas, undefined);
  assert.equal(windowRecheckMs({ expiresAt: '2026-11-29T12:10:00.000Z' }, T0), 600_100);
  assert.equal(windowRecheckMs({ expiresAt: '2026-11-29T12:10:00.000Z' }, T0 + 700_000), 100);
  assert.equal(windowRecheckMs(undefined, T0), undefined);
});

test('planner: blue stays warm after the switch, a switch back is one pass, and blue goes when the window ends', () => {
  const green = predictorFor('v2', { minReplicas: 2 });
  const [b, g] = [revisionName('iris', blue), revisionName('iris', green)];
  const w = new World(blue);
  w.rollbackWindowSeconds = 300;
  w.step();
  w.ready(3, b);
  w.edit({ ...green, canaryTrafficPercent: 0 });
  w.ready(2, g);
  const switched = w.percent(undefined);
  assert.deepEqual(World.weights(switched), { [b]: 0, [g]: 100 });
  assert.deepEqual(switched.retire, []);
  const kept = switched.revisions.find((r) => r.name === b)!;
  assert.equal(kept.warm, true);
  assert.equal(kept.scaling.minReplicas, 3, 'kept at the 3 pods it served with, not its minReplicas 2');
  assert.equal(kept.scaling.maxReplicas, undefined, 'no autoscaler scales it down meanwhile');
  assert.deepEqual(switched.serviceSelects, [g]);
  assert.equal(switched.status.rollbackWindow?.revisionName, b);
  assert.match(switched.condition.message, new RegExp(`revision ${b} stays warm without traffic until 2026-11-29T12:05:00.000Z`));
  // The next pass (steady state) restates the same plan, so it writes nothing new.
  const steady = w.tick(60_000);
  assert.deepEqual(World.weights(steady), World.weights(switched));
  assert.deepEqual(steady.status.rollbackWindow, switched.status.rollbackWindow);
  assert.equal(steady.condition.message, switched.condition.message);
  // Switch back: blue's spec again, and blue (Ready, warm) takes everything in this very pass.
  const back = w.edit(blue);
  assert.deepEqual(World.weights(back), { [g]: 0, [b]: 100 });
  assert.equal(back.status.latestRolledoutRevision, b);
  assert.equal(back.status.rollbackWindow?.revisionName, g, 'the switch back opens a window for green');
  // Green goes once its window ends, not before.
  assert.deepEqual(w.tick(299_000).retire, []);
  const expired = w.tick(1_000);
  assert.deepEqual(expired.retire, [g]);
  assert.deepEqual(World.weights(expired), { [b]: 100 });
  assert.equal(expired.status.rollbackWindow, undefined);
});

test('planner: without a window the replaced revision goes at the switch; a new spec ends an open window', () => {
  const green = predictorFor('v2');
  const [b, g, c] = [revisionName('iris', blue), revisionName('iris', green), revisionName('iris', predictorFor('v3'))];
  const none = new World(blue);
  none.step();
  none.ready(2, b);
  none.edit(green);
  assert.deepEqual(none.ready(1, g).retire, [b]);

  const w = new World(blue);
  w.rollbackWindowSeconds = 300;
  w.step();
  w.ready(2, b);
  w.edit(green);
  w.ready(1, g);
  // A third spec while blue is warm: blue goes (at most two revisions of the main predictor run), green is the rollback target.
  const third = w.edit({ ...predictorFor('v3'), canaryTrafficPercent: 10 });
  assert.deepEqual(third.retire, [b]);
  assert.deepEqual(Object.keys(World.weights(third)).sort(), [g, c].sort());
  assert.equal(third.status.rollbackWindow, undefined);
});

test('planner: a warm revision never takes traffic by itself, even when the serving one loses its pods', () => {
  const green = predictorFor('v2');
  const [b, g] = [revisionName('iris', blue), revisionName('iris', green)];
  const w = new World(blue, 'service');
  w.rollbackWindowSeconds = 300;
  w.step();
  w.ready(2, b);
  w.edit(green);
  w.ready(1, g);
  const down = w.ready(0, g);
  assert.deepEqual(World.weights(down), { [b]: 0, [g]: 0 });
  assert.deepEqual(down.serviceSelects, [g], 'the shared Service never falls back to the warm revision');
  assert.match(down.condition.message, /apply its spec again to switch back/);
});
