// Golden scenarios of the canary analysis: one row per situation a rollout
// meets, with the decision it must take.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze, rolloutSettings, type Decision, type Observation, type RevisionSample } from './analysis.ts';
import type { RolloutSpec } from '../api/types.ts';

const spec: RolloutSpec = {
  steps: [{ trafficPercent: 10, pauseSeconds: 60 }, { trafficPercent: 50, pauseSeconds: 120 }],
  interval: 30,
  minRequests: 50,
  checks: { errorRate: { maxIncrease: 0.01, max: 0.2 }, latencyP99: { maxRatio: 1.5, maxIncreaseMs: 100, maxMs: 2000 } },
};
const settings = rolloutSettings(spec);

const sample = (requests: number, errors: number, p99Ms: number | undefined): RevisionSample => ({ requests, errors, latencyP99Seconds: p99Ms === undefined ? undefined : p99Ms / 1000 });
const healthy: Observation = { canary: sample(100, 0, 20), stable: sample(900, 0, 20) };

type Row = [what: string, step: number, heldS: number, observation: Observation, expected: Partial<Decision> & { kind: Decision['kind'] }, message?: RegExp];
const rows: Row[] = [
  ['healthy, step held less than its pause: hold until the pause ends or the next interval', 0, 10, healthy, { kind: 'hold', recheckMs: 30_000 }],
  ['healthy, 15 s of the pause left: recheck then', 0, 45, healthy, { kind: 'hold', recheckMs: 15_000 }],
  ['healthy, pause over: next step', 0, 60, healthy, { kind: 'advance', step: 1 }],
  ['healthy, last step held: promote', 1, 120, healthy, { kind: 'promote' }],
  ['healthy, long past the pause of the last step: promote', 1, 9999, healthy, { kind: 'promote' }],
  ['Prometheus unreachable: wait', 0, 100, { noData: 'Prometheus: connect ECONNREFUSED' }, { kind: 'wait-for-data', why: 'Prometheus: connect ECONNREFUSED' }],
  ['49 canary requests with minRequests 50: wait, even past the pause', 0, 600, { canary: sample(49, 49, 5000), stable: sample(900, 0, 20) }, { kind: 'wait-for-data' }, /fewer than 50 canary requests/],
  ['50 requests, canary error rate 2 points above stable: rollback', 0, 5, { canary: sample(50, 2, 20), stable: sample(1000, 20, 20) }, { kind: 'rollback', check: 'errorRate' }, /maxIncrease 0\.01.*canary error rate 4\.00% over 50 requests, stable 2\.00% over 1000/],
  ['error rate exactly 1 point above stable: passes (the bound is inclusive)', 0, 5, { canary: sample(100, 3, 20), stable: sample(1000, 20, 20) }, { kind: 'hold' }],
  ['error rate above the absolute max although stable is as bad: rollback', 0, 5, { canary: sample(100, 30, 20), stable: sample(1000, 300, 20) }, { kind: 'rollback', check: 'errorRate' }, /max 0\.2/],
  ['stable silent: the relative error check waits', 0, 100, { canary: sample(100, 0, 20), stable: sample(0, 0, undefined) }, { kind: 'wait-for-data' }, /stable revision answered no requests/],
  ['stable silent but the canary breaks the absolute error bound: rollback', 0, 5, { canary: sample(100, 50, 20), stable: sample(0, 0, undefined) }, { kind: 'rollback', check: 'errorRate' }],
  ['p99 1.6x stable (and 12 ms more): maxRatio fails', 0, 5, { canary: sample(100, 0, 32), stable: sample(900, 0, 20) }, { kind: 'rollback', check: 'latencyP99' }, /maxRatio 1\.5.*32\.0 ms.*20\.0 ms/],
  ['counts extrapolated by increase() are reported whole', 0, 5, { canary: sample(99.6, 0, 32), stable: sample(328.49, 0, 20) }, { kind: 'rollback' }, /over 100 requests, stable 20\.0 ms over 328 requests$/],
  ['p99 1.4x stable but 120 ms more: maxIncreaseMs fails', 0, 5, { canary: sample(100, 0, 420), stable: sample(900, 0, 300) }, { kind: 'rollback', check: 'latencyP99' }, /maxIncreaseMs 100/],
  ['p99 above maxMs though stable is as slow: rollback', 0, 5, { canary: sample(100, 0, 2500), stable: sample(900, 0, 2400) }, { kind: 'rollback', check: 'latencyP99' }, /maxMs 2000/],
  ['no canary histogram: wait', 0, 100, { canary: sample(100, 0, undefined), stable: sample(900, 0, 20) }, { kind: 'wait-for-data' }, /no latency histogram for the canary/],
  ['NaN p99 from Prometheus (no buckets moved): wait', 0, 100, { canary: { requests: 100, errors: 0, latencyP99Seconds: Number.NaN }, stable: sample(900, 0, 20) }, { kind: 'wait-for-data' }],
  ['no stable histogram: the relative latency check waits', 0, 100, { canary: sample(100, 0, 20), stable: sample(900, 0, undefined) }, { kind: 'wait-for-data' }, /stable revision/],
  ['a failing check wins over another that waits for data', 0, 5, { canary: sample(100, 40, undefined), stable: sample(900, 0, 20) }, { kind: 'rollback', check: 'errorRate' }],
];

function goldenRows(prefix: string, judged: typeof settings, table: readonly Row[]): void {
  for (const [what, step, heldS, observation, expected, message] of table) {
    test(`${prefix}: ${what}`, () => {
      const decision = analyze({ settings: judged, step, heldMs: heldS * 1000, observation });
      for (const [k, v] of Object.entries(expected)) assert.deepEqual((decision as Record<string, unknown>)[k], v, `${k} of ${JSON.stringify(decision)}`);
      if (message !== undefined) {
        const text = decision.kind === 'rollback' ? decision.message : decision.kind === 'wait-for-data' ? decision.why : '';
        assert.match(text, message);
      }
    });
  }
}

goldenRows('analysis', settings, rows);

test('analysis: only the configured checks judge (latency alone ignores errors)', () => {
  const only = rolloutSettings({ ...spec, checks: { latencyP99: { maxRatio: 2 } } });
  const d = analyze({ settings: only, step: 0, heldMs: 60_000, observation: { canary: sample(100, 100, 20), stable: sample(900, 0, 20) } });
  assert.deepEqual(d, { kind: 'advance', step: 1 });
});

test('analysis: an object stored without defaults gets the schema defaults (1 point of errors, 1.5x p99, 50 requests)', () => {
  const bare = rolloutSettings({ steps: [{ trafficPercent: 20 }] });
  assert.deepEqual(bare.steps, [{ trafficPercent: 20, pauseSeconds: 60 }]);
  assert.equal(bare.minRequests, 50);
  assert.equal(analyze({ settings: bare, step: 0, heldMs: 60_000, observation: { canary: sample(50, 0, 31), stable: sample(500, 0, 20) } }).kind, 'rollback');
  assert.equal(analyze({ settings: bare, step: 0, heldMs: 60_000, observation: { canary: sample(50, 1, 29), stable: sample(500, 5, 20) } }).kind, 'promote');
});

// The prediction check: the canary's predicted classes against the stable revision's, per class output.
const withDrift = rolloutSettings({ ...spec, checks: { ...spec.checks, predictionDrift: { maxPsi: 0.2, maxJensenShannon: 0.3 } } });
const classes = (counts: Record<string, Record<string, number>>, p99Ms = 20) => ({ ...sample(100, 0, p99Ms), predictions: counts });
const stableClasses = classes({ label: { 0: 300, 1: 300, 2: 300 } });
const driftRows: Row[] = [
  ['same class shares as stable: passes', 0, 60, { canary: classes({ label: { 0: 34, 1: 33, 2: 33 } }), stable: stableClasses }, { kind: 'advance', step: 1 }],
  ['a mild shift (PSI ~0.02) passes', 0, 60, { canary: classes({ label: { 0: 40, 1: 30, 2: 30 } }), stable: stableClasses }, { kind: 'advance', step: 1 }],
  ['class 2 never predicted by the canary: PSI fails', 0, 5, { canary: classes({ label: { 0: 50, 1: 50, 2: 0 } }), stable: stableClasses }, { kind: 'rollback', check: 'predictionDrift' }, /^check predictionDrift failed \(maxPsi 0\.2\): output label: the canary's predicted classes \(100 counted\) against the stable revision's \(900\): PSI 2\.\d{3}$/],
  ['a strong skew to class 0 (70/15/15 against thirds): fails', 0, 5, { canary: classes({ label: { 0: 70, 1: 15, 2: 15 } }), stable: stableClasses }, { kind: 'rollback', check: 'predictionDrift' }, /maxPsi 0\.2/],
  ['a class the stable revision never predicts is compared too (union of classes)', 0, 5, { canary: classes({ label: { 0: 30, 1: 30, 2: 20, 7: 20 } }), stable: stableClasses }, { kind: 'rollback', check: 'predictionDrift' }],
  ['the worst of several outputs fails the check', 0, 5, { canary: classes({ label: { 0: 34, 1: 33, 2: 33 }, probabilities: { 0: 100, 1: 0, 2: 0 } }), stable: classes({ label: { 0: 300, 1: 300, 2: 300 }, probabilities: { 0: 300, 1: 300, 2: 300 } }) }, { kind: 'rollback', check: 'predictionDrift' }, /output probabilities/],
  ['fewer canary predictions than minRequests: wait', 0, 600, { canary: { ...classes({ label: { 0: 49 } }) }, stable: stableClasses }, { kind: 'wait-for-data' }, /fewer than 50 predictions of output label counted for the canary/],
  ['no stable predictions in the window: wait', 0, 600, { canary: classes({ label: { 0: 34, 1: 33, 2: 33 } }), stable: classes({ label: { 0: 0, 1: 0, 2: 0 } }) }, { kind: 'wait-for-data' }, /for the stable revision/],
  ['no series at all (no profile beside either model): wait, saying why', 0, 600, { canary: classes({}), stable: classes({}) }, { kind: 'wait-for-data' }, /needs a training profile/],
  ['a latency failure wins over the drift check waiting', 0, 5, { canary: classes({}, 200), stable: classes({}) }, { kind: 'rollback', check: 'latencyP99' }],
];

goldenRows('analysis, predictionDrift', withDrift, driftRows);

test('analysis, predictionDrift: maxJensenShannon alone judges with the Jensen-Shannon distance', () => {
  const js = rolloutSettings({ ...spec, checks: { predictionDrift: { maxJensenShannon: 0.3 } } });
  const judge = (counts: Record<string, number>) => analyze({ settings: js, step: 0, heldMs: 60_000, observation: { canary: classes({ label: counts }), stable: stableClasses } });
  assert.deepEqual(judge({ 0: 50, 1: 25, 2: 25 }), { kind: 'advance', step: 1 }, 'distance ~0.14');
  const failed = judge({ 0: 90, 1: 5, 2: 5 });
  assert.equal(failed.kind, 'rollback');
  assert.match(failed.kind === 'rollback' ? failed.message : '', /\(maxJensenShannon 0\.3\): output label: .*Jensen-Shannon distance 0\.4\d\d$/);
});
