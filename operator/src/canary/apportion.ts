// Service mode has no traffic router: one Service selects the pods of both
// revisions and kube-proxy spreads connections evenly over ready endpoints, so
// the only lever is how many pods each revision runs. This picks the pod
// counts whose ratio is closest to the requested percent, within a budget of
// pods; the result is as coarse as 1/total (10% needs 10 pods, 1% would need
// 100), which the status states.

export interface Apportioned {
  stable: number;
  canary: number;
  /** The canary's share the counts give, rounded to a whole percent. */
  percent: number;
}

/**
 * Pod counts for a canary taking `percent` (strictly between 0 and 100):
 * each side keeps at least its minimum, the total stays within `maxTotal`
 * (raised to the two minimums when they exceed it), and among equally close
 * ratios the smallest total wins.
 */
export function apportion(percent: number, minStable: number, minCanary: number, maxTotal: number): Apportioned {
  const lowS = Math.max(1, minStable);
  const lowC = Math.max(1, minCanary);
  const cap = Math.max(maxTotal, lowS + lowC);
  let best = { stable: lowS, canary: lowC, error: Infinity };
  for (let total = lowS + lowC; total <= cap; total++) {
    for (let canary = lowC; canary <= total - lowS; canary++) {
      const error = Math.abs((100 * canary) / total - percent);
      if (error < best.error - 1e-9) best = { stable: total - canary, canary, error };
    }
  }
  return { stable: best.stable, canary: best.canary, percent: Math.round((100 * best.canary) / (best.stable + best.canary)) };
}

/**
 * Whole percents summing to `total` in the ratio of `weights` (largest
 * remainder; ties go to the earlier entry). All zero weights give all zeros.
 */
export function scaleShares(weights: readonly number[], total: number): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (sum <= 0 || total <= 0) return weights.map(() => 0);
  const exact = weights.map((w) => (w * total) / sum);
  const out = exact.map(Math.floor);
  let left = total - out.reduce((a, b) => a + b, 0);
  const order = exact.map((e, i) => ({ i, rest: e - Math.floor(e) })).sort((a, b) => b.rest - a.rest || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    out[i] = (out[i] ?? 0) + 1;
    left--;
  }
  return out;
}

/**
 * Pod counts for three or more revisions sharing traffic (the two-way case is
 * `apportion`): each at least its minimum, the total within `maxTotal`
 * (raised to the sum of minimums), minimising the worst share's distance from
 * its percent; among equally close totals the smallest wins. For each total
 * the counts start at the rounded ideal and move one pod at a time where that
 * costs the least, which is exact enough at the granularity pods give.
 */
export function apportionShares(targets: ReadonlyArray<{ percent: number; min: number }>, maxTotal: number): number[] {
  const mins = targets.map((t) => Math.max(1, t.min));
  const low = mins.reduce((a, b) => a + b, 0);
  const cap = Math.max(maxTotal, low);
  let best = { counts: mins, error: Infinity };
  for (let total = low; total <= cap; total++) {
    const ideal = targets.map((t) => (t.percent * total) / 100);
    const counts = ideal.map((x, i) => Math.max(mins[i] ?? 1, Math.round(x)));
    let sum = counts.reduce((a, b) => a + b, 0);
    while (sum !== total) {
      const step = sum > total ? -1 : 1;
      let pick = -1;
      let cost = Infinity;
      counts.forEach((n, i) => {
        if (step < 0 && n <= (mins[i] ?? 1)) return;
        const c = Math.abs(n + step - (ideal[i] ?? 0)) - Math.abs(n - (ideal[i] ?? 0));
        if (c < cost - 1e-9) { cost = c; pick = i; }
      });
      if (pick < 0) break;
      counts[pick] = (counts[pick] ?? 0) + step;
      sum += step;
    }
    if (sum !== total) continue;
    const error = Math.max(...counts.map((n, i) => Math.abs((100 * n) / total - (targets[i]?.percent ?? 0))));
    if (error < best.error - 1e-9) best = { counts: [...counts], error };
  }
  return best.counts;
}
