// Drift monitoring off the request path. A served request's decoded inputs
// and outputs are handed to `offer`, which samples it (below), appends a
// reference to a bounded queue (or drops the request when the queue is full:
// load shedding) and never throws; the window (window.ts) counts sampled
// requests in setImmediate batches after the responses are on their way,
// then the metrics and the report are updated when a slice completes.
//
// Sampling: counting costs per feature value, so a wide model would pay far
// more than a narrow one. Requests are sampled deterministically (an
// accumulator, no randomness) so that on average at most SAMPLED_VALUES
// feature values are counted per request: every request of a 4-feature iris
// model, about one in three of a 784-pixel MNIST model. The window size counts
// sampled requests.
import type { Logger } from '../../../common/src/logger.ts';
import type { Engine } from '../inference/engine.ts';
import type { Tensor } from '../protocol/types.ts';
import type { Profile } from '../profile/profile.ts';
import { featureLabels, MAX_CLASS_LABELS, OTHER_CLASSES, OTHER_FEATURES, UNSEEN_CLASS, type DriftMetrics } from './metrics.ts';
import { DriftWindow, MAX_ROWS_PER_REQUEST, type WindowOptions, type WindowReport } from './window.ts';

/** Requests waiting to be counted; beyond it requests are dropped (and counted as such). */
export const MAX_PENDING = 1024;
/** Tensor elements waiting to be counted (about 32 MiB of doubles), so a burst of huge requests cannot pin memory. */
export const MAX_PENDING_ELEMENTS = 1 << 22;
/** Average feature values counted per served request; wider requests are sampled to stay within it. */
export const SAMPLED_VALUES = 256;
/** The order #publish keeps a feature's statistics in (modelship_feature_drift's `statistic` label). */
const FEATURE_STATISTICS = ['psi', 'jensen_shannon', 'ks', 'out_of_range_share', 'unseen_share'] as const;
/** Requests counted per event-loop turn, so counting never holds the loop for long. */
const PER_TURN = 128;

export interface DriftReport extends WindowReport {
  readonly model: string;
  readonly window: { readonly size: number; readonly slices: number };
  readonly threshold: number;
  /** Requests seen by the monitor since start, those sampled, those counted into the window, and those dropped because the queue was full. */
  readonly observed: number;
  readonly sampled: number;
  readonly counted: number;
  readonly dropped: number;
  /** Features and outputs whose PSI is over the threshold, worst first. */
  readonly drifted: readonly { readonly feature?: string; readonly output?: string; readonly psi: number }[];
}

interface Pending {
  readonly inputs: readonly Tensor[];
  readonly outputs: readonly Tensor[];
  readonly elements: number;
}

export class DriftMonitor {
  readonly #window: DriftWindow;
  readonly #metrics: DriftMetrics;
  readonly #logger: Logger;
  readonly #labels: readonly string[];
  /** Per feature, the index of its label in #distinctLabels; and per label and statistic, the last published value and its gauge child. */
  readonly #labelIndex: Int32Array;
  readonly #distinctLabels: readonly string[];
  readonly #published: Float64Array;
  readonly #featureGauges: Array<{ set(value: number): void } | undefined>;
  /** The bins of class outputs with their predictions counter child, looked up once. */
  readonly #classCounters: ReadonlyArray<readonly [number, { inc(n: number): void }]>;
  readonly #queue: Pending[] = [];
  #queuedElements = 0;
  #scheduled = false;
  #observed = 0;
  #dropped = 0;
  #counted = 0;
  #sampled = 0;
  /** Sampling credit: each request adds SAMPLED_VALUES / its values; a request is taken when it reaches 1. */
  #credit = 1;
  readonly #engines = new WeakMap<Engine, Engine>();

  /** Off when --input-policy flag counts every out-of-range value itself (policy/input-policy.ts), so none is counted twice. */
  readonly #countsOutOfRange: boolean;

  constructor(profile: Profile, options: WindowOptions, metrics: DriftMetrics, logger: Logger, counting: { outOfRange?: boolean } = {}) {
    this.#countsOutOfRange = counting.outOfRange ?? true;
    this.#window = new DriftWindow(profile, options);
    this.#metrics = metrics;
    this.#logger = logger;
    const labels = featureLabels(this.#window.features.map((f) => f.name));
    this.#labels = this.#window.features.map((f) => labels.get(f.name)!);
    this.#distinctLabels = [...new Set(this.#labels)];
    const indexOf = new Map(this.#distinctLabels.map((l, i) => [l, i]));
    this.#labelIndex = Int32Array.from(this.#labels, (l) => indexOf.get(l)!);
    this.#published = new Float64Array(this.#distinctLabels.length * FEATURE_STATISTICS.length);
    this.#featureGauges = new Array(this.#published.length).fill(undefined);
    // Exported at 0 from the start, so rate() and alerts see the series before the first out-of-range value.
    for (const label of new Set(this.#labels)) metrics.outOfRange.labels({ model: metrics.model, feature: label }).inc(0);
    // The chart's drift alert compares each feature's PSI with this, the InferenceService's own threshold.
    metrics.threshold.set({ model: metrics.model }, options.threshold);
    // Exported at 0 from the start too, so increase() over a rollout's window sees a class's first predictions.
    this.#classCounters = [...classLabels(this.#window.outputs)].map(([bin, labels]) => [bin, metrics.predictions.labels({ model: metrics.model, ...labels })] as const);
    for (const [, counter] of this.#classCounters) counter.inc(0);
  }

  /**
   * The engine whose `infer` also offers each answered request to the monitor
   * (core.ts hands this to the front ends): one wrapper per engine, cached.
   */
  observing(engine: Engine): Engine {
    let wrapped = this.#engines.get(engine);
    if (wrapped === undefined) {
      const infer: Engine['infer'] = async (request, trace, gone) => {
        // Taken before the run: an unbatched request's buffers are transferred to the worker (detached here).
        const taken = this.take(request.inputs);
        const outputs = await engine.infer(request, trace, gone);
        if (taken !== undefined) this.#enqueue(taken, outputs);
        return outputs;
      };
      wrapped = new Proxy(engine, {
        get: (target, property) => {
          if (property === 'infer') return infer;
          const value: unknown = Reflect.get(target, property, target);
          return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
        },
      });
      this.#engines.set(engine, wrapped);
    }
    return wrapped;
  }

  /** Samples and queues one answered request whose inputs are still readable (tests; the engine wrapper takes inputs before the run). */
  offer(inputs: readonly Tensor[], outputs: readonly Tensor[]): void {
    const taken = this.take(inputs);
    if (taken !== undefined) this.#enqueue(taken, outputs);
  }

  /**
   * The sampling decision for one request and, when sampled, a copy of the
   * rows the window will look at (at most MAX_ROWS_PER_REQUEST, strided), so
   * the run may transfer the originals. Never throws: undefined when not sampled.
   */
  take(inputs: readonly Tensor[]): Tensor[] | undefined {
    this.#observed++;
    try {
      const rows = inputs[0]?.shape[0] ?? 1;
      this.#credit += SAMPLED_VALUES / Math.max(this.#window.valuesPerRequest(rows), 1);
      if (this.#credit < 1) return undefined;
      // Keep the fraction (a 784-feature model is taken one request in 784/256), but no backlog for narrow ones.
      this.#credit = Math.min(this.#credit - 1, 1);
      this.#sampled++;
      return inputs.map(sampledRows);
    } catch (error) {
      this.#dropped++;
      this.#logger.error('drift monitoring could not take a request', { error: error instanceof Error ? error.message : String(error) });
      return undefined;
    }
  }

  /** Queues a taken request for counting; O(1), drops when the queue is full. */
  #enqueue(inputs: readonly Tensor[], outputs: readonly Tensor[]): void {
    let elements = 0;
    for (const t of inputs) elements += t.data.length;
    if (this.#queue.length >= MAX_PENDING || this.#queuedElements + elements > MAX_PENDING_ELEMENTS) {
      this.#dropped++;
      return;
    }
    this.#queue.push({ inputs, outputs, elements });
    this.#queuedElements += elements;
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.#drain());
    }
  }

  /** Resolves once everything offered so far is counted (tests, benchmarks). */
  async settled(): Promise<void> {
    while (this.#queue.length > 0 || this.#scheduled) await new Promise((resolve) => setImmediate(resolve));
  }

  get report(): DriftReport {
    const report = this.#window.report;
    const { size, slices, threshold } = this.#window.options;
    const drifted = [
      ...report.features.filter((f) => f.drifted).map((f) => ({ feature: f.feature, psi: f.psi! })),
      ...report.outputs.filter((o) => o.drifted).map((o) => ({ output: o.output, psi: o.psi! })),
    ].sort((a, b) => b.psi - a.psi);
    return { model: this.#metrics.model, window: { size, slices }, threshold, observed: this.#observed, sampled: this.#sampled, counted: this.#counted, dropped: this.#dropped, ...report, drifted };
  }

  #drain(): void {
    let completed = false;
    try {
      for (let n = 0; n < PER_TURN && this.#queue.length > 0; n++) {
        const next = this.#queue.shift()!;
        this.#queuedElements -= next.elements;
        completed = this.#window.add(next.inputs, next.outputs) || completed;
        this.#counted++;
      }
      this.#countOutOfRange();
      this.#countPredictions();
      if (completed) this.#publish();
    } catch (error) {
      // Drift is advisory: a bug here must never reach a request. Say so once per batch and carry on.
      this.#logger.error('drift monitoring failed on a batch of requests', { error: error instanceof Error ? error.stack : String(error) });
    }
    this.#scheduled = this.#queue.length > 0;
    if (this.#scheduled) setImmediate(() => this.#drain());
  }

  #countOutOfRange(): void {
    const counts = this.#window.takeOutOfRange();
    if (counts === undefined || !this.#countsOutOfRange) return;
    const { outOfRange, model } = this.#metrics;
    counts.forEach((n, i) => {
      if (n > 0) outOfRange.labels({ model, feature: this.#labels[i]! }).inc(n);
    });
  }

  #countPredictions(): void {
    const counts = this.#window.takePredictions();
    if (counts === undefined) return;
    for (const [bin, counter] of this.#classCounters) {
      const n = counts[bin]!;
      if (n > 0) counter.inc(n);
    }
  }

  /**
   * Sets the gauges from the window's report; features sharing OTHER_FEATURES
   * show their largest value. Once per completed slice, over every feature (784
   * of MNIST): values go into one flat array by label and statistic, and each
   * gauge child is looked up once and kept, so prom-client hashes no label set here.
   */
  #publish(): void {
    const { prediction, model } = this.#metrics;
    const report = this.#window.report;
    const values = this.#published.fill(Number.NaN);
    report.features.forEach((f, i) => {
      const label = this.#labelIndex[i]!;
      const base = label * FEATURE_STATISTICS.length;
      const other = this.#distinctLabels[label] === OTHER_FEATURES;
      const stats = [f.psi, f.jensenShannon, f.ks, f.outOfRangeShare, f.unseenShare];
      for (let k = 0; k < stats.length; k++) {
        const value = stats[k];
        if (value === null || value === undefined) continue;
        const at = base + k;
        values[at] = other && !Number.isNaN(values[at]!) ? Math.max(values[at]!, value) : value;
      }
    });
    values.forEach((value, at) => {
      if (Number.isNaN(value)) return;
      let child = this.#featureGauges[at];
      if (child === undefined) {
        const label = this.#distinctLabels[Math.floor(at / FEATURE_STATISTICS.length)]!;
        child = this.#metrics.feature.labels({ model, feature: label, statistic: FEATURE_STATISTICS[at % FEATURE_STATISTICS.length]! });
        this.#featureGauges[at] = child;
      }
      child.set(value);
    });
    for (const o of report.outputs) {
      const stats = { psi: o.psi, jensen_shannon: o.jensenShannon, ks: o.ks };
      for (const [statistic, value] of Object.entries(stats)) if (value !== null) prediction.labels({ model, output: o.output, statistic }).set(value);
    }
  }
}

/** A copy of the rows of `tensor` the window looks at: all of them up to MAX_ROWS_PER_REQUEST, else every step-th. */
function sampledRows(tensor: Tensor): Tensor {
  const rows = tensor.shape.length === 0 ? 1 : tensor.shape[0]!;
  const width = rows === 0 ? 0 : tensor.data.length / rows;
  const step = Math.max(1, Math.ceil(rows / MAX_ROWS_PER_REQUEST));
  if (step === 1) return { ...tensor, data: tensor.data.slice() };
  const kept = Math.ceil(rows / step);
  const data = tensor.data;
  const copy = Array.isArray(data) ? new Array<string>(kept * width) : new (data.constructor as new (n: number) => typeof data)(kept * width);
  for (let k = 0; k < kept; k++) {
    for (let j = 0; j < width; j++) (copy as unknown as unknown[])[k * width + j] = data[k * step * width + j];
  }
  return { ...tensor, shape: [kept, ...tensor.shape.slice(1)], data: copy };
}

/**
 * The predictions counter's labels of every class output's bins: the class
 * itself for the first MAX_CLASS_LABELS classes of the profile by name,
 * OTHER_CLASSES past them, UNSEEN_CLASS for the last bin (classes the profile
 * never saw), so a 1,000-class model exports at most 34 series per output.
 */
function classLabels(outputs: DriftWindow['outputs']): Map<number, { output: string; class: string }> {
  const out = new Map<number, { output: string; class: string }>();
  for (const o of outputs) {
    if (o.mode === 'numeric' || o.keys === undefined) continue;
    const own = new Set([...o.keys.keys()].sort().slice(0, MAX_CLASS_LABELS));
    for (const [name, i] of o.keys) out.set(o.offset + i, { output: o.name, class: own.has(name) ? name : OTHER_CLASSES });
    out.set(o.offset + o.reference.length - 1, { output: o.name, class: UNSEEN_CLASS });
  }
  return out;
}
