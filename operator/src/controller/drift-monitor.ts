// Feeds the DriftDetected condition: every interval, while this process
// leads, one Prometheus query (drift/query.ts) for all InferenceServices.
// Thin I/O: the answer is kept as the latest observation, the pure decider
// (drift/condition.ts) says which InferenceServices' condition would change,
// and only those keys are enqueued; the reconciler then writes the status
// once, as for any other condition. A failed query changes nothing (the last
// observation stands, and nothing is enqueued): Prometheus being away is not
// "no drift".
import type { Logger } from '../../../common/src/logger.ts';
import { driftThresholdOf, type SpecDefaults } from '../api/defaults.ts';
import type { InferenceService } from '../api/types.ts';
import { defaultAndValidate } from '../api/validation.ts';
import { DRIFT_DETECTED, driftCondition, driftConditionChanged } from '../drift/condition.ts';
import { byInferenceService, driftQuery, parseDriftAnswer, type DriftSample } from '../drift/query.ts';
import type { Clock } from '../kube/clock.ts';

/** A query that takes longer than this is abandoned (and counted as failed). */
const QUERY_TIMEOUT_MS = 10_000;

/** What the reconciler reads: undefined until a query has succeeded (then the status's own condition is kept). */
export interface DriftObservations {
  samplesFor(namespace: string, name: string): readonly DriftSample[] | undefined;
}

export interface DriftMonitorDeps {
  prometheusUrl: string;
  intervalSeconds: number;
  clock: Clock;
  logger: Logger;
  inferenceServices: { list(): InferenceService[] };
  specDefaults: SpecDefaults;
  enqueue(key: string): void;
  /** Counts each query by result. */
  onCheck?(result: 'success' | 'error'): void;
  /** Injected in tests; default: the global fetch. */
  fetch?: typeof fetch;
}

const NONE: readonly DriftSample[] = Object.freeze([]);

export class DriftMonitor implements DriftObservations {
  readonly #d: DriftMonitorDeps;
  #latest: Map<string, DriftSample[]> | undefined;
  #timer: { cancel(): void } | undefined;
  #running = false;
  #inFlight: Promise<void> | undefined;

  constructor(deps: DriftMonitorDeps) {
    this.#d = deps;
  }

  samplesFor(namespace: string, name: string): readonly DriftSample[] | undefined {
    return this.#latest === undefined ? undefined : this.#latest.get(`${namespace}/${name}`) ?? NONE;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#schedule(0);
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#timer?.cancel();
    await this.#inFlight;
  }

  #schedule(ms: number): void {
    this.#timer = this.#d.clock.setTimeout(() => {
      if (!this.#running) return;
      this.#inFlight = this.check().finally(() => {
        this.#inFlight = undefined;
        if (this.#running) this.#schedule(this.#d.intervalSeconds * 1000);
      });
    }, ms);
  }

  /** One query and the keys it enqueues; never throws. */
  async check(): Promise<void> {
    const d = this.#d;
    let samples: DriftSample[];
    try {
      const url = new URL('/api/v1/query', d.prometheusUrl);
      url.searchParams.set('query', driftQuery());
      const response = await (d.fetch ?? fetch)(url, { signal: AbortSignal.timeout(QUERY_TIMEOUT_MS) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      samples = parseDriftAnswer(await response.json());
    } catch (err) {
      d.onCheck?.('error');
      d.logger.warn('drift query to Prometheus failed; DriftDetected conditions left as they are', { prometheusUrl: d.prometheusUrl, error: err instanceof Error ? err.message : String(err) });
      return;
    }
    d.onCheck?.('success');
    const latest = byInferenceService(samples);
    this.#latest = latest;
    let enqueued = 0;
    for (const isvc of d.inferenceServices.list()) {
      const key = `${isvc.metadata.namespace}/${isvc.metadata.name}`;
      const previous = isvc.status?.conditions?.find((c) => c.type === DRIFT_DETECTED);
      const own = latest.get(key);
      // Most InferenceServices have neither: nothing to decide, nothing to validate.
      if (own === undefined && previous === undefined) continue;
      const defaulted = defaultAndValidate(isvc, d.specDefaults);
      if (!defaulted.ok) continue;
      const next = driftCondition({ samples: own ?? NONE, threshold: driftThresholdOf(defaulted.isvc.spec.predictor), generation: isvc.metadata.generation ?? 0, previous });
      if (driftConditionChanged(previous, next)) {
        d.enqueue(key);
        enqueued++;
      }
    }
    d.logger.debug('drift checked', { samples: samples.length, inferenceServices: latest.size, enqueued });
  }
}
