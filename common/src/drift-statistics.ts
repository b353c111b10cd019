// Drift statistics: pure functions comparing a live window's histogram with
// the training profile's (the runtime's drift window) or with another live
// histogram (the operator's prediction check in a rollout), computed over
// the profile's bins (numeric features) or categories (categorical ones),
// never over stored raw traffic.
// Reference values come from scipy (examples/models/generate.py writes
// examples/models/drift-statistics.scipy.json; drift-statistics.test.ts compares).
//
// - PSI (population stability index): sum over bins of (q - p) ln(q / p), p the
//   training share, q the live share, each floored at PSI_FLOOR (as Evidently
//   does) so a bin empty on one side adds a large but finite term. Usual
//   reading: < 0.1 stable, 0.1-0.2 moderate shift, > 0.2 significant.
// - Jensen-Shannon distance (scipy.spatial.distance.jensenshannon, natural
//   log): symmetric, 0 for identical histograms, at most sqrt(ln 2) ~ 0.833.
// - KS: the two-sample Kolmogorov-Smirnov statistic of the training data and the
//   window, both coarsened to the profile's bins: the largest difference of
//   the two cumulative shares at the bin edges. The profile keeps bins, not
//   the training sample, so this is what it lets us compute honestly; it never
//   exceeds the raw-data KS statistic and falls short of it by at most one
//   bin's training share (1/10 with the default ten quantile bins).
// An empty window has no distribution: every statistic is null.

export const PSI_FLOOR = 1e-4;

/** Statistics of one live histogram against its training histogram. */
export interface DriftStatistics {
  readonly psi: number | null;
  readonly jensenShannon: number | null;
  /** Null for categorical features (categories have no order). */
  readonly ks: number | null;
}

type Counts = ArrayLike<number>;

function total(counts: Counts): number {
  let sum = 0;
  for (let i = 0; i < counts.length; i++) sum += counts[i]!;
  return sum;
}

/**
 * Bin i is [edges[i], edges[i+1]), the last one closed; the first and last
 * bins are open-ended, so a value outside the training range still lands in
 * the nearest bin (out-of-range is counted on its own).
 */
export function binIndex(edges: readonly number[], value: number): number {
  // The number of edges <= value, minus one, by binary search.
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (edges[mid]! <= value) lo = mid + 1;
    else hi = mid;
  }
  return Math.min(Math.max(lo - 1, 0), edges.length - 2);
}

export function psi(reference: Counts, live: Counts): number | null {
  const [n, m] = [total(reference), total(live)];
  if (n === 0 || m === 0) return null;
  let sum = 0;
  for (let i = 0; i < reference.length; i++) {
    const p = Math.max(reference[i]! / n, PSI_FLOOR);
    const q = Math.max((live[i] ?? 0) / m, PSI_FLOOR);
    sum += (q - p) * Math.log(q / p);
  }
  return sum;
}

/** x ln(x / y), with 0 ln 0 = 0 (scipy.special.rel_entr). */
function relativeEntropy(x: number, y: number): number {
  return x === 0 ? 0 : x * Math.log(x / y);
}

export function jensenShannon(reference: Counts, live: Counts): number | null {
  const [n, m] = [total(reference), total(live)];
  if (n === 0 || m === 0) return null;
  let divergence = 0;
  for (let i = 0; i < reference.length; i++) {
    const p = reference[i]! / n;
    const q = (live[i] ?? 0) / m;
    const mid = (p + q) / 2;
    divergence += relativeEntropy(p, mid) + relativeEntropy(q, mid);
  }
  // Rounding can leave a tiny negative for identical histograms.
  return Math.sqrt(Math.max(divergence / 2, 0));
}

export function ksBinned(reference: Counts, live: Counts): number | null {
  const [n, m] = [total(reference), total(live)];
  if (n === 0 || m === 0) return null;
  let [cumP, cumQ, worst] = [0, 0, 0];
  for (let i = 0; i < reference.length; i++) {
    cumP += reference[i]!;
    cumQ += live[i] ?? 0;
    worst = Math.max(worst, Math.abs(cumP / n - cumQ / m));
  }
  return worst;
}

/** PSI, Jensen-Shannon and (for ordered bins) KS of a live histogram against the training one. */
export function compareHistograms(reference: Counts, live: Counts, ordered: boolean): DriftStatistics {
  return { psi: psi(reference, live), jensenShannon: jensenShannon(reference, live), ks: ordered ? ksBinned(reference, live) : null };
}

/** part / whole, or null for an empty window. */
export function share(part: number, whole: number): number | null {
  return whole === 0 ? null : part / whole;
}

/**
 * Training and live histograms of a categorical feature over the training
 * categories (in the profile's order) plus one last bucket for values training
 * never saw (training share 0, so an unseen value raises the PSI sharply).
 */
export function categoryHistograms(reference: Readonly<Record<string, number>>, live: ReadonlyMap<string, number>): { reference: number[]; live: number[]; unseen: number } {
  const keys = Object.keys(reference);
  let unseen = 0;
  for (const [value, count] of live) if (!Object.hasOwn(reference, value)) unseen += count;
  return { reference: [...keys.map((k) => reference[k]!), 0], live: [...keys.map((k) => live.get(k) ?? 0), unseen], unseen };
}
