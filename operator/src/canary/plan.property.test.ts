// Property test of the planner: random sequences of spec edits, percent edits
// and readiness changes (seeded, bounded), checking after every step that
// weights sum to 100 when anything can serve (else 0), that only revisions
// with a ready pod carry weight and only Ready ones (at full size) gain it,
// and that at most two revisions carry traffic or run at all.
// On failure the seed and the step are printed; MODELSHIP_PROPERTY_SEED
// replays one seed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DefaultedPredictor } from '../api/types.ts';
import { predictorFor, World } from '../../../test/operator/unit-support/canary-sim.ts';
import type { TrafficMode } from './plan.ts';

const RUNS = 300;
const STEPS = 40;

/** mulberry32: small, fast, and the same sequence for a seed on every platform. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function runOnce(seed: number, mode: TrafficMode): void {
  const rand = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const spec = (): DefaultedPredictor => {
    const percent = pick([undefined, 0, 10, 30, 50, 100]);
    return predictorFor(pick(['v1', 'v2', 'v3', 'v4']), {
      minReplicas: pick([1, 1, 2, 3]),
      ...(percent === undefined ? {} : { canaryTrafficPercent: percent }),
    });
  };
  const world = new World(spec(), mode);
  const log: string[] = [];
  let before = world.step();
  for (let i = 0; i < STEPS; i++) {
    const names = [...world.revisions.keys()];
    const r = rand();
    let action: string;
    if (r < 0.2) { const s = spec(); action = `edit ${s.model.storageUri} min ${s.minReplicas} percent ${s.canaryTrafficPercent}`; world.edit(s); }
    else if (r < 0.35) { const p = pick([undefined, 0, 1, 10, 20, 50, 99, 100]); action = `percent ${p}`; world.percent(p); }
    else if (r < 0.8 && names.length > 0) { const n = pick(names); const pods = pick([0, 1, 2, 3]); action = `ready ${n} ${pods}`; world.ready(pods, n); }
    else if (names.length > 0) { const n = pick(names); action = `fail ${n}`; world.fail(n); }
    else { action = 'resync'; world.step(); }
    log.push(action);
    const plan = world.last!;
    const where = `seed ${seed} (${mode}), step ${i}: ${action}\n  history: ${log.join(' | ')}\n  plan: ${JSON.stringify(plan.revisions.map((x) => [x.name, x.percent]))}`;
    const weights = plan.revisions.map((x) => x.percent);
    const sum = weights.reduce((a, b) => a + b, 0);
    assert.ok(weights.every((w) => Number.isInteger(w) && w >= 0 && w <= 100), `weights are whole percents: ${where}`);
    assert.ok(sum === 100 || sum === 0, `weights sum to 100 (or 0 when nothing can serve): ${where}`);
    assert.ok(plan.revisions.length <= 2, `at most two revisions run: ${where}`);
    assert.ok(plan.revisions.filter((x) => x.percent > 0).length <= 2, `at most two carry traffic: ${where}`);
    const previous = Object.fromEntries(before.revisions.map((x) => [x.name, x.percent]));
    for (const x of plan.revisions.filter((y) => y.percent > 0)) {
      // Readiness as observed when this plan was made (the step applied it before planning).
      const observed = world.revisions.get(x.name)!;
      assert.ok(observed.readyPods >= 1, `only revisions with a ready pod get weight: ${x.name} ${where}`);
      if ((previous[x.name] ?? 0) === 0) assert.ok(x.ready, `a revision gains weight only when Ready at full size: ${x.name} ${where}`);
      assert.equal(observed.failure, undefined, `a revision whose model failed to load gets no weight: ${where}`);
    }
    // Anything that can serve is given the traffic: no needless outage.
    if (sum === 0) {
      const explicitRollback = world.spec.canaryTrafficPercent === 0;
      const rolled = plan.revisions.find((x) => !x.latest);
      const servable = plan.revisions.filter((x) => x.ready && !(explicitRollback && x.latest && rolled !== undefined));
      assert.equal(servable.length, 0, `traffic withheld although ${servable.map((x) => x.name).join()} is Ready: ${where}`);
    }
    const latest = plan.revisions.find((x) => x.latest);
    assert.ok(latest !== undefined && latest.name === plan.latest, `the latest revision always runs: ${where}`);
    before = plan;
  }
}

test(`planner invariants over ${RUNS} generated sequences per mode`, () => {
  const fixed = process.env['MODELSHIP_PROPERTY_SEED'];
  const base = fixed !== undefined ? Number(fixed) : (Date.now() % 1_000_000);
  const seeds = fixed !== undefined ? [base] : Array.from({ length: RUNS }, (_, i) => base + i);
  for (const mode of ['gatewayApi', 'service'] as const) {
    for (const seed of seeds) {
      try {
        runOnce(seed, mode);
      } catch (err) {
        process.stderr.write(`property failure: replay with MODELSHIP_PROPERTY_SEED=${seed}\n`);
        throw err;
      }
    }
  }
});
