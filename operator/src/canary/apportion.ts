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
