// Whether scale-out shortened the busiest pod's queue, decided from what one
// autoscaling run measured (pure, so the rule is tested without a cluster).
// The clients keep a fixed number of requests outstanding; when the pods are
// the bottleneck those wait in the pods, and once the Service spreads them
// over more pods that serve more, the busiest pod holds fewer (a fair split
// over two halves it). When the new pods add no capacity (on a shared 2-core
// machine they may get no CPU, and the clients and service proxy are the
// limit) nothing says the queues shrink: the check is then skipped with its
// figures, never passed.

/** Served requests per second after scale-out, at least this multiple of before, for the new pods to count as added capacity. */
export const ADDED_CAPACITY_RATIO = 1.5;
/** The busiest pod's requests in flight after scale-out, at most this share of before (a fair split over 2 pods is 0.5, 3 pods 0.33). */
export const BUSIEST_POD_RATIO = 0.75;

export interface ScaleOutMeasures {
  /** The busiest pod's requests in flight, sampled with one Ready pod and with two or more. */
  inFlight: [number[], number[]];
  /** Requests per second all pods served, likewise. */
  served: [number[], number[]];
}

export type Verdict = { outcome: 'pass' | 'fail' | 'skip'; reason: string };

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

export function shorterQueuesVerdict(m: ScaleOutMeasures): Verdict {
  const [inBefore, inAfter] = m.inFlight;
  const [servedBefore, servedAfter] = m.served;
  if (inBefore.length < 2 || inAfter.length < 3 || servedBefore.length < 1 || servedAfter.length < 1) {
    return { outcome: 'fail', reason: `too few samples: in flight ${inBefore.length} with one Ready pod and ${inAfter.length} after; served ${servedBefore.length} and ${servedAfter.length}` };
  }
  const [served1, served2] = [mean(servedBefore), mean(servedAfter)];
  const [before, after] = [mean(inBefore), mean(inAfter)];
  const figures = `served ${served1.toFixed(1)}/s with one Ready pod, ${served2.toFixed(1)}/s after scale-out; busiest pod in flight ${before.toFixed(1)} -> ${after.toFixed(1)}`;
  if (served2 < ADDED_CAPACITY_RATIO * served1) return { outcome: 'skip', reason: `the new pods added no capacity on this machine (under ${ADDED_CAPACITY_RATIO}x): ${figures}` };
  if (after > BUSIEST_POD_RATIO * before) return { outcome: 'fail', reason: `${figures}: more than ${BUSIEST_POD_RATIO} of before` };
  return { outcome: 'pass', reason: figures };
}
