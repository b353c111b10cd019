// What the operator's probes answer. Liveness asks "is this process
// healthy?", never "is the API server reachable?": restarting the operator
// cannot bring the API server back, and an outage longer than the liveness
// budget used to restart it in a loop. Everything that depends on the API
// server (caches listed, watches working, leadership) is readiness, which
// only takes the pod out of rotation and is reported with its reason.

export interface ProbeResult { ok: boolean; reason?: string; detail?: string }

export interface InformerHealth {
  resource: string;
  synced: boolean;
  /** When its watch started failing; undefined while it works. */
  failingSinceMs: number | undefined;
  /** Since its last sign of life, once its watch went silent past the idle timeout and until a relist succeeds. */
  stalledSinceMs: number | undefined;
}

export interface ReadinessInput {
  now: number;
  informers: readonly InformerHealth[];
  /** undefined: leader election is off. */
  leader: boolean | undefined;
  /** A watch failing longer than this makes the operator unready. */
  unreadyAfterMs: number;
}

/** The process answers its probe port, so its event loop turns: that is all liveness asks. */
export function liveness(): ProbeResult {
  return { ok: true };
}

/**
 * Ready once every cache has listed, while no watch has been failing for long
 * and while none is stalled (silent past its idle timeout, so the cache may be
 * stale without any error). A standby is ready too (its caches are warm; it takes over on the
 * lease): were it not, a rollout or a PodDisruptionBudget would wait on it
 * forever. The leader state is reported in the body.
 */
export function readiness(input: ReadinessInput): ProbeResult {
  const role = input.leader === undefined ? 'leader election off' : input.leader ? 'leader' : 'standby';
  const unsynced = input.informers.filter((i) => !i.synced).map((i) => i.resource);
  if (unsynced.length > 0) return { ok: false, reason: `caches not listed yet: ${unsynced.join(', ')} (${role})` };
  const seconds = (since: number): string => `${Math.round((input.now - since) / 1000)} s`;
  const stalled = input.informers
    .filter((i) => i.stalledSinceMs !== undefined)
    .map((i) => `${i.resource} (${seconds(i.stalledSinceMs ?? input.now)})`);
  const failing = input.informers
    .filter((i) => i.failingSinceMs !== undefined && input.now - i.failingSinceMs > input.unreadyAfterMs)
    .map((i) => `${i.resource} (${seconds(i.failingSinceMs ?? input.now)})`);
  const reasons = [
    ...(stalled.length > 0 ? [`watch stalled, no event or bookmark within the idle timeout, relisting: ${stalled.join(', ')}`] : []),
    ...(failing.length > 0 ? [`watches failing, API server unreachable?: ${failing.join(', ')}`] : []),
  ];
  if (reasons.length > 0) return { ok: false, reason: `${reasons.join('; ')} (${role})` };
  return { ok: true, detail: role };
}
