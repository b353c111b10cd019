import { test } from 'node:test';
import assert from 'node:assert/strict';
import { apportion, apportionShares, scaleShares } from './apportion.ts';

test('picks the smallest pod counts whose ratio is closest to the percent', () => {
  const cases: Array<[number, number, number, number, { stable: number; canary: number; percent: number }]> = [
    [10, 1, 1, 10, { stable: 9, canary: 1, percent: 10 }],
    [20, 1, 1, 10, { stable: 4, canary: 1, percent: 20 }],
    [50, 1, 1, 10, { stable: 1, canary: 1, percent: 50 }],
    [30, 1, 1, 10, { stable: 7, canary: 3, percent: 30 }],
    [33, 1, 1, 10, { stable: 2, canary: 1, percent: 33 }],
    [90, 1, 1, 10, { stable: 1, canary: 9, percent: 90 }],
    // 1% cannot be had with 10 pods: the closest is 1 of 10.
    [1, 1, 1, 10, { stable: 9, canary: 1, percent: 10 }],
    // Minimums win over the budget.
    [50, 4, 3, 5, { stable: 4, canary: 3, percent: 43 }],
    [10, 3, 2, 10, { stable: 8, canary: 2, percent: 20 }],
  ];
  for (const [percent, minS, minC, max, want] of cases) {
    assert.deepEqual(apportion(percent, minS, minC, max), want, `${percent}% min ${minS}/${minC} max ${max}`);
  }
});

test('with 20 pods every percent from 5 to 95 is met within half a pod (2.5 points)', () => {
  for (let p = 1; p < 100; p++) {
    const a = apportion(p, 1, 1, 20);
    assert.ok(a.stable >= 1 && a.canary >= 1 && a.stable + a.canary <= 20);
    const error = Math.abs((100 * a.canary) / (a.stable + a.canary) - p);
    // Below one pod in 20 (5%) the closest ratio is 1:19.
    assert.ok(error <= (p < 5 || p > 95 ? 5 : 2.5) + 1e-9, `${p}%: ${JSON.stringify(a)}`);
  }
});

test('scaleShares: whole percents in the weights\' ratio summing to the total', () => {
  assert.deepEqual(scaleShares([50, 50], 80), [40, 40]);
  assert.deepEqual(scaleShares([1, 99], 15), [0, 15]);
  assert.deepEqual(scaleShares([1, 1, 1], 100), [34, 33, 33]);
  assert.deepEqual(scaleShares([0, 0], 100), [0, 0]);
  assert.deepEqual(scaleShares([20, 30], 100), [40, 60]);
  for (let n = 1; n <= 5; n++) for (let t = 0; t <= 100; t += 7) {
    const w = Array.from({ length: n }, (_, i) => (i * 37 + t) % 11 + 1);
    assert.equal(scaleShares(w, t).reduce((a, b) => a + b, 0), t);
  }
});

test('apportionShares: N-way pod counts within the budget, closest worst share', () => {
  assert.deepEqual(apportionShares([{ percent: 50, min: 1 }, { percent: 20, min: 1 }, { percent: 30, min: 1 }], 10), [5, 2, 3]);
  assert.deepEqual(apportionShares([{ percent: 34, min: 1 }, { percent: 33, min: 1 }, { percent: 33, min: 1 }], 10), [1, 1, 1]);
  assert.deepEqual(apportionShares([{ percent: 80, min: 1 }, { percent: 10, min: 1 }, { percent: 10, min: 1 }], 10), [8, 1, 1]);
  // Minimums win over the budget.
  assert.deepEqual(apportionShares([{ percent: 90, min: 1 }, { percent: 5, min: 2 }, { percent: 5, min: 2 }], 4), [1, 2, 2]);
  for (let a = 5; a <= 90; a += 5) {
    const counts = apportionShares([{ percent: a, min: 1 }, { percent: (100 - a) / 2, min: 1 }, { percent: (100 - a) / 2, min: 1 }], 20);
    const total = counts.reduce((x, y) => x + y, 0);
    assert.ok(total <= 20 && counts.every((c) => c >= 1));
    assert.ok(Math.abs((100 * counts[0]!) / total - a) <= 5 + 1e-9, `${a}%: ${counts}`);
  }
});
