// The runtime's lifecycle, shared by the HTTP app (readiness, 503s) and the
// server (loading, draining): loading -> ready -> draining, or failed;
// ready <-> recovering while no inference worker is running (unready, 503s).
import type { DriftMonitor } from './drift/monitor.ts';
import type { Fallback } from './fallback/fallback.ts';
import type { InputPolicy } from './policy/input-policy.ts';
import type { Engine } from './inference/engine.ts';

export type Phase = 'loading' | 'ready' | 'recovering' | 'draining' | 'failed';

export class RuntimeState {
  #phase: Phase = 'loading';
  readonly #phaseListeners = new Set<(phase: Phase) => void>();
  engine: Engine | undefined;
  /** Drift monitoring against the training profile (drift/monitor.ts); undefined without a profile. */
  drift: DriftMonitor | undefined;
  /** --input-policy reject|flag with a training profile; undefined: off, or no profile to take ranges from. */
  inputPolicy: InputPolicy | undefined;
  /** What answers when the engine cannot (--fallback-*), set with the engine; undefined: none configured. */
  fallback: Fallback | undefined;
  /** Inference requests between arrival and response, for draining. */
  inFlight = 0;
  #drained: (() => void)[] = [];

  get phase(): Phase {
    return this.#phase;
  }

  set phase(phase: Phase) {
    if (phase === this.#phase) return;
    this.#phase = phase;
    for (const listener of this.#phaseListeners) listener(phase);
  }

  /** Calls `listener` on every phase change (gRPC health Watch streams); returns the unsubscribe. */
  onPhase(listener: (phase: Phase) => void): () => void {
    this.#phaseListeners.add(listener);
    return () => this.#phaseListeners.delete(listener);
  }

  /** The worker pool's count of loaded workers changed: with none, the server is unready until one loads. */
  workersAlive(count: number): void {
    if (count === 0 && this.phase === 'ready') this.phase = 'recovering';
    else if (count > 0 && this.phase === 'recovering') this.phase = 'ready';
  }

  /** The runtime can no longer serve (the model did not load, or no worker could be restarted). */
  fail(): void {
    if (this.phase !== 'draining') this.phase = 'failed';
  }

  requestStarted(): void {
    this.inFlight++;
  }

  requestFinished(): void {
    this.inFlight--;
    if (this.inFlight === 0) for (const resolve of this.#drained.splice(0)) resolve();
  }

  /** Resolves when no inference request is in flight. */
  quiet(): Promise<void> {
    return this.inFlight === 0 ? Promise.resolve() : new Promise((resolve) => this.#drained.push(resolve));
  }
}
