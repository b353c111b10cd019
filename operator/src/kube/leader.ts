// Leader election on a coordination.k8s.io Lease, after client-go's
// leaderelection: expiry is judged by when *this* process last saw the lease
// record change (so clocks need not agree), renewals must succeed within the
// renew deadline, and on a graceful stop the lease is released so a standby
// takes over at once. Losing the lease ends run() immediately; the caller
// stops reconciling before anything else.
import type { Logger } from '../../../common/src/logger.ts';
import type { Clock } from './clock.ts';
import { isConflict, type KubeClient, type KubeObject } from './client.ts';
import { LEASES } from './resources.ts';

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}
export interface Lease extends KubeObject { spec?: LeaseSpec }

export interface LeaderElectorOptions {
  client: KubeClient;
  clock: Clock;
  logger: Logger;
  namespace: string;
  name: string;
  identity: string;
  leaseDurationSeconds: number;
  renewDeadlineSeconds: number;
  retryPeriodSeconds: number;
  onLeaderChange?: (holder: string) => void;
}

/** metav1.MicroTime wants exactly six fractional digits. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export class LeaderElector {
  readonly #o: LeaderElectorOptions;
  #observed: { key: string; at: number } | undefined;
  #lease: Lease | undefined;
  #leader = false;
  #holder = '';
  /** When the attempt that last wrote our renewTime started (acquire included). */
  #renewedAt: number | undefined;

  constructor(options: LeaderElectorOptions) {
    this.#o = options;
  }

  get isLeader(): boolean {
    return this.#leader;
  }

  /** Blocks until this process holds the lease; false when the signal aborted first. */
  async acquire(signal: AbortSignal): Promise<boolean> {
    while (!signal.aborted) {
      if (await this.#tryAcquireOrRenew()) {
        this.#leader = true;
        this.#o.logger.info('became leader', { lease: this.#o.name, identity: this.#o.identity });
        return true;
      }
      await this.#o.clock.sleep(this.#o.retryPeriodSeconds * 1000 * (1 + Math.random() * 0.2), signal);
    }
    return false;
  }

  /**
   * Renews every retry period until the signal aborts ('stopped') or no
   * renewal succeeded within the renew deadline ('lost'). The deadline runs
   * from the start of the last successful attempt (the renewTime it wrote),
   * and every attempt's requests are aborted when it passes: an attempt
   * hanging on a slow or half-open connection cannot keep this process
   * leading past it, and renewDeadline < leaseDuration leaves a standby no way
   * to take the lease while this one still acts.
   */
  async hold(signal: AbortSignal): Promise<'lost' | 'stopped'> {
    const { clock } = this.#o;
    const deadlineMs = this.#o.renewDeadlineSeconds * 1000;
    let lastRenew = this.#renewedAt ?? clock.now();
    while (!signal.aborted) {
      await clock.sleep(this.#o.retryPeriodSeconds * 1000, signal);
      if (signal.aborted) break;
      const started = clock.now();
      const attempt = new AbortController();
      const onStop = (): void => attempt.abort();
      signal.addEventListener('abort', onStop, { once: true });
      const timer = clock.setTimeout(() => attempt.abort(), Math.max(0, lastRenew + deadlineMs - started));
      let renewed: boolean;
      try {
        renewed = await this.#tryAcquireOrRenew(attempt.signal);
      } finally {
        timer.cancel();
        signal.removeEventListener('abort', onStop);
      }
      if (signal.aborted) break;
      if (renewed && !attempt.signal.aborted) {
        lastRenew = started;
        continue;
      }
      if (clock.now() - lastRenew >= deadlineMs || (this.#holder !== '' && this.#holder !== this.#o.identity)) {
        this.#leader = false;
        this.#o.logger.error('lost leadership', { lease: this.#o.name, holder: this.#holder, sinceLastRenewMs: clock.now() - lastRenew });
        return 'lost';
      }
    }
    return 'stopped';
  }

  /** Gives the lease up (graceful shutdown) so another replica need not wait for expiry. */
  async release(): Promise<void> {
    if (!this.#leader || this.#lease === undefined) return;
    this.#leader = false;
    const now = microTime(this.#o.clock.now());
    try {
      await this.#o.client.update<Lease>(LEASES, {
        ...this.#lease,
        spec: { ...this.#lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: now, acquireTime: now },
      });
      this.#o.logger.info('released leadership', { lease: this.#o.name });
    } catch (err) {
      this.#o.logger.warn('could not release the lease; it will expire', { error: err instanceof Error ? err.message : String(err) });
    }
  }

  async #tryAcquireOrRenew(signal?: AbortSignal): Promise<boolean> {
    const o = this.#o;
    const now = o.clock.now();
    const request = signal === undefined ? {} : { signal };
    const mine: LeaseSpec = {
      holderIdentity: o.identity,
      leaseDurationSeconds: o.leaseDurationSeconds,
      acquireTime: microTime(now),
      renewTime: microTime(now),
      leaseTransitions: 0,
    };
    try {
      // Leading: renew with one PUT of the lease last written (one round trip
      // within the deadline); a 409 means it changed, so read it as a candidate does.
      if (this.#leader && this.#lease !== undefined && this.#lease.spec?.holderIdentity === o.identity) {
        try {
          this.#lease = await o.client.update<Lease>(LEASES, { ...this.#lease, spec: { ...this.#lease.spec, renewTime: mine.renewTime, leaseDurationSeconds: o.leaseDurationSeconds } }, request);
          this.#observed = { key: `${o.identity}|${mine.renewTime ?? ''}|${this.#lease.metadata?.resourceVersion ?? ''}`, at: now };
          this.#renewedAt = now;
          return true;
        } catch (err) {
          if (!isConflict(err)) throw err;
        }
      }
      const current = await o.client.get<Lease>(LEASES, o.namespace, o.name, request);
      if (current === undefined) {
        this.#lease = await o.client.create<Lease>(LEASES, {
          apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: o.name, namespace: o.namespace }, spec: mine,
        }, request);
        this.#see(mine.holderIdentity ?? '');
        this.#renewedAt = now;
        return true;
      }
      const spec = current.spec ?? {};
      const holder = spec.holderIdentity ?? '';
      const key = `${holder}|${spec.renewTime ?? ''}|${current.metadata?.resourceVersion ?? ''}`;
      if (this.#observed?.key !== key) this.#observed = { key, at: now };
      this.#see(holder);
      const duration = (spec.leaseDurationSeconds ?? o.leaseDurationSeconds) * 1000;
      const heldByOther = holder !== '' && holder !== o.identity;
      if (heldByOther && this.#observed.at + duration > now) return false;
      const next: LeaseSpec = holder === o.identity
        ? { ...spec, renewTime: mine.renewTime, leaseDurationSeconds: o.leaseDurationSeconds }
        : { ...mine, leaseTransitions: (spec.leaseTransitions ?? 0) + 1 };
      this.#lease = await o.client.update<Lease>(LEASES, { ...current, spec: next }, request);
      this.#see(o.identity);
      this.#renewedAt = now;
      this.#observed = { key: `${o.identity}|${next.renewTime ?? ''}|${this.#lease.metadata?.resourceVersion ?? ''}`, at: now };
      return true;
    } catch (err) {
      if (signal?.aborted === true) o.logger.warn('lease request aborted at the renew deadline', { lease: o.name });
      else if (!isConflict(err)) o.logger.warn('lease request failed', { lease: o.name, error: err instanceof Error ? err.message : String(err) });
      return false;
    }
  }

  #see(holder: string): void {
    if (holder === this.#holder) return;
    this.#holder = holder;
    this.#o.onLeaderChange?.(holder);
  }
}
