// How the worker pool looks after its threads: a run that hangs past
// maxRunMs fails and its worker is replaced; a replacement that fails to load
// is retried with exponential backoff; with no worker left for giveUpMs the
// pool gives up, so the process can exit and Kubernetes restart the pod,
// instead of queueing requests forever behind a readiness probe saying 200.

export interface SupervisionPolicy {
  /** A run taking longer fails (500) and its worker is replaced; 0 disables (--max-run-seconds). */
  readonly maxRunMs: number;
  /** First delay before retrying a replacement that failed to load; doubles up to maxRetryMs. */
  readonly retryMs: number;
  readonly maxRetryMs: number;
  /** With no worker running for this long, the pool gives up (--worker-recovery-seconds). */
  readonly giveUpMs: number;
}

export const DEFAULT_SUPERVISION: SupervisionPolicy = Object.freeze({ maxRunMs: 60_000, retryMs: 500, maxRetryMs: 10_000, giveUpMs: 60_000 });

export interface PoolHooks {
  /** The number of loaded workers changed (0: nothing can run until a replacement loads). */
  onAlive?(count: number): void;
  /** A worker exited or hung after loading, or a replacement failed to load. */
  onFailure?(reason: 'exited' | 'hung' | 'load_failed'): void;
  /** No worker could be started within giveUpMs: the pool is closed and will not serve again. */
  onExhausted?(error: Error): void;
}

/** Delay before replacement attempt `attempt` (0-based): retryMs doubled per attempt, capped. */
export function retryDelay(policy: SupervisionPolicy, attempt: number): number {
  return Math.min(policy.maxRetryMs, policy.retryMs * 2 ** Math.min(attempt, 30));
}
