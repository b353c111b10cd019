// The sliding window of live traffic, as histograms over the profile's bins
// (never raw values): the window of `size` requests is cut into `slices`
// slices; when a slice fills, the statistics are recomputed over the last
// `slices` slices (the last `size` requests) and the oldest slice is dropped.
// Memory is slices x (bins of every feature and output), whatever the traffic.
// Pure and synchronous: monitor.ts feeds it off the request path.
import type { Tensor } from '../protocol/types.ts';
import type { FeatureProfile, OutputProfile, Profile } from '../profile/profile.ts';
import { argmax } from '../profile/build.ts';
import { binIndex, categoryHistograms, compareHistograms, share, type DriftStatistics } from '../../../common/src/drift-statistics.ts';

/** At most this many rows of one request are looked at (strided), so a huge batch costs no more than a small one. */
export const MAX_ROWS_PER_REQUEST = 64;

export interface WindowOptions {
  /** Requests per window. */
  readonly size: number;
  /** Slices the window slides by (size / slices requests each). */
  readonly slices: number;
  /** PSI above which a feature or output counts as drifted. */
  readonly threshold: number;
}

/** How one feature or output is binned: numeric edges, or category keys (plus one unseen bucket). */
interface Binning {
  readonly offset: number;
  readonly reference: readonly number[];
  readonly ordered: boolean;
  readonly edges?: readonly number[] | undefined;
  readonly keys?: ReadonlyMap<string, number> | undefined;
}

interface FeatureTrack extends Binning {
  readonly input: string;
  readonly name: string;
  readonly index: number;
  readonly kind: FeatureProfile['kind'];
  readonly min: number | null;
  readonly max: number | null;
  readonly slot: number;
}

interface OutputTrack extends Binning {
  readonly name: string;
  readonly mode: 'value' | 'argmax' | 'numeric';
}

/** One slice's counts: every histogram in one array, plus per-feature counters. */
class Slice {
  requests = 0;
  readonly counts: Float64Array;
  readonly values: Float64Array;
  readonly outOfRange: Float64Array;
  readonly unseen: Float64Array;
  constructor(bins: number, features: number) {
    this.counts = new Float64Array(bins);
    this.values = new Float64Array(features);
    this.outOfRange = new Float64Array(features);
    this.unseen = new Float64Array(features);
  }
}

export interface FeatureReport extends DriftStatistics {
  readonly input: string;
  readonly feature: string;
  readonly kind: FeatureProfile['kind'];
  /** Values compared (sampled rows with a finite or categorical value). */
  readonly values: number;
  readonly outOfRangeShare: number | null;
  readonly unseenShare: number | null;
  readonly drifted: boolean;
}

export interface OutputReport extends DriftStatistics {
  readonly output: string;
  readonly values: number;
  readonly drifted: boolean;
}

export interface WindowReport {
  /** Requests the statistics cover (at most the window size). */
  readonly requests: number;
  /** Completed windows (size requests each) since start. */
  readonly windowsCompleted: number;
  readonly features: readonly FeatureReport[];
  readonly outputs: readonly OutputReport[];
}

function categoryBinning(categories: Readonly<Record<string, number>>, offset: number): Binning {
  const keys = new Map(Object.keys(categories).map((k, i) => [k, i]));
  return { offset, reference: categoryHistograms(categories, new Map()).reference, ordered: false, keys };
}

export class DriftWindow {
  readonly options: WindowOptions;
  readonly features: readonly FeatureTrack[];
  /** The features grouped by input, so each request's tensor is found and laid out once per input. */
  readonly #byInput: readonly InputGroup[];
  readonly outputs: readonly OutputTrack[];
  readonly #bins: number;
  readonly #sliceSize: number;
  #current: Slice;
  readonly #done: Slice[] = [];
  #requests = 0;
  #report: WindowReport;
  /** Out-of-range values per feature since the last take (monitor.ts adds them to the counter). */
  readonly #newOutOfRange: Float64Array;
  /** Whether #newOutOfRange holds anything, so a drain with nothing out of range skips it. */
  #outOfRangeSeen = false;
  /** Class outputs' counts per bin since the last take (monitor.ts adds them to the predictions counter). */
  readonly #newPredictions: Float64Array;
  #predictionsSeen = false;

  constructor(profile: Profile, options: WindowOptions) {
    this.options = options;
    let bins = 0;
    const features: FeatureTrack[] = [];
    for (const input of profile.inputs) {
      for (const f of input.features) {
        const binning: Binning = f.kind === 'numeric' && f.bins
          ? { offset: bins, reference: f.bins.counts, ordered: true, edges: f.bins.edges }
          : categoryBinning(f.categories ?? {}, bins);
        bins += binning.reference.length;
        features.push({ ...binning, input: input.name, name: f.name, index: f.index, kind: f.kind, min: f.min, max: f.max, slot: features.length });
      }
    }
    const outputs: OutputTrack[] = [];
    for (const o of profile.outputs) {
      const binning: Binning = o.kind === 'numeric' ? { offset: bins, reference: o.bins.counts, ordered: true, edges: o.bins.edges } : categoryBinning(o.classes, bins);
      bins += binning.reference.length;
      outputs.push({ ...binning, name: o.name, mode: o.kind === 'numeric' ? 'numeric' : (o as Extract<OutputProfile, { kind: 'classes' }>).from });
    }
    this.features = features;
    this.#byInput = profile.inputs.map((input) => inputGroup(input.name, features.filter((f) => f.input === input.name)));
    this.outputs = outputs;
    this.#bins = bins;
    this.#sliceSize = Math.max(1, Math.ceil(options.size / options.slices));
    this.#current = new Slice(bins, features.length);
    this.#newOutOfRange = new Float64Array(features.length);
    this.#newPredictions = new Float64Array(bins);
    this.#report = this.#compute();
  }

  /** Feature values one request of `rows` rows brings to the window (what sampling budgets). */
  valuesPerRequest(rows: number): number {
    return this.features.length * Math.min(Math.max(rows, 1), MAX_ROWS_PER_REQUEST);
  }

  /** The statistics as of the last completed slice (all null before one completes). */
  get report(): WindowReport {
    return this.#report;
  }

  /** Counts one request's inputs and outputs; returns true when a slice completed (the report changed). */
  add(inputs: readonly Tensor[], outputs: readonly Tensor[]): boolean {
    const slice = this.#current;
    for (const group of this.#byInput) {
      const tensor = inputs.find((t) => t.name === group.input);
      if (tensor) this.#addInput(slice, group, tensor);
    }
    for (const track of this.outputs) {
      const tensor = outputs.find((t) => t.name === track.name);
      if (tensor) this.#addOutput(slice, track, tensor);
    }
    slice.requests++;
    this.#requests++;
    if (slice.requests < this.#sliceSize) return false;
    this.#done.push(slice);
    if (this.#done.length > this.options.slices) this.#done.shift();
    this.#current = new Slice(this.#bins, this.features.length);
    this.#report = this.#compute();
    return true;
  }

  /** Out-of-range counts per feature since the last call, then zeroed; undefined when there were none. */
  takeOutOfRange(): Float64Array | undefined {
    if (!this.#outOfRangeSeen) return undefined;
    this.#outOfRangeSeen = false;
    const copy = this.#newOutOfRange.slice();
    this.#newOutOfRange.fill(0);
    return copy;
  }

  /** Class outputs' counts per bin (at each output's offset) since the last call, then zeroed; undefined when there were none. */
  takePredictions(): Float64Array | undefined {
    if (!this.#predictionsSeen) return undefined;
    this.#predictionsSeen = false;
    const copy = this.#newPredictions.slice();
    this.#newPredictions.fill(0);
    return copy;
  }

  #addInput(slice: Slice, group: InputGroup, tensor: Tensor): void {
    const { rows, width, step } = layout(tensor);
    const data = tensor.data as ArrayLike<number | bigint | string>;
    const { numeric: n, categorical } = group;
    const { counts, values, outOfRange } = slice;
    const newOutOfRange = this.#newOutOfRange;
    for (let r = 0; r < rows; r += step) {
      const base = r * width;
      // Numeric features: flat typed arrays, one monomorphic loop (784 features of MNIST per row).
      for (let f = 0; f < n.index.length; f++) {
        const index = n.index[f]!;
        if (index >= width) continue;
        const v = Number(data[base + index]);
        if (!Number.isFinite(v)) continue;
        // Binary search: the number of edges <= v among this feature's, minus one, clamped to its bins.
        let lo = n.edgeStart[f]!;
        let hi = n.edgeStart[f + 1]!;
        const first = lo;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (n.edges[mid]! <= v) lo = mid + 1;
          else hi = mid;
        }
        const bins = n.edgeStart[f + 1]! - first - 1;
        const bin = Math.min(Math.max(lo - first - 1, 0), bins - 1);
        counts[n.offset[f]! + bin]! += 1;
        const slot = n.slot[f]!;
        values[slot]! += 1;
        // NaN bounds (a profile without a finite range) compare false: never out of range.
        if (v < n.min[f]! || v > n.max[f]!) {
          outOfRange[slot]! += 1;
          newOutOfRange[slot]! += 1;
          this.#outOfRangeSeen = true;
        }
      }
      for (const track of categorical) {
        if (track.index >= width) continue;
        const bucket = track.keys!.get(String(data[base + track.index]));
        if (bucket === undefined) slice.unseen[track.slot]! += 1;
        counts[track.offset + (bucket ?? track.reference.length - 1)]! += 1;
        values[track.slot]! += 1;
      }
    }
  }

  #addOutput(slice: Slice, track: OutputTrack, tensor: Tensor): void {
    const { rows, width, step } = layout(tensor);
    const data = tensor.data as ArrayLike<number | bigint | string>;
    for (let r = 0; r < rows; r += step) {
      if (track.mode === 'numeric') {
        const v = Number(data[r * width]);
        if (Number.isFinite(v)) slice.counts[track.offset + binIndex(track.edges!, v)]! += 1;
        continue;
      }
      const label = track.mode === 'argmax' ? String(argmax(data as ArrayLike<number>, r * width, width)) : String(data[r * width]);
      const bin = track.offset + (track.keys!.get(label) ?? track.reference.length - 1);
      slice.counts[bin]! += 1;
      this.#newPredictions[bin]! += 1;
      this.#predictionsSeen = true;
    }
  }

  #compute(): WindowReport {
    const totals = new Float64Array(this.#bins);
    const values = new Float64Array(this.features.length);
    const outOfRange = new Float64Array(this.features.length);
    const unseen = new Float64Array(this.features.length);
    let requests = 0;
    for (const s of this.#done) {
      requests += s.requests;
      for (let i = 0; i < totals.length; i++) totals[i]! += s.counts[i]!;
      for (let i = 0; i < values.length; i++) {
        values[i]! += s.values[i]!;
        outOfRange[i]! += s.outOfRange[i]!;
        unseen[i]! += s.unseen[i]!;
      }
    }
    const live = (b: Binning) => totals.subarray(b.offset, b.offset + b.reference.length);
    const threshold = this.options.threshold;
    const features = this.features.map((t): FeatureReport => {
      const stats = compareHistograms(t.reference, live(t), t.ordered);
      return {
        input: t.input,
        feature: t.name,
        kind: t.kind,
        values: values[t.slot]!,
        ...stats,
        outOfRangeShare: t.edges ? share(outOfRange[t.slot]!, values[t.slot]!) : null,
        unseenShare: t.edges ? null : share(unseen[t.slot]!, values[t.slot]!),
        drifted: stats.psi !== null && stats.psi > threshold,
      };
    });
    const outputs = this.outputs.map((t): OutputReport => {
      const counts = live(t);
      const stats = compareHistograms(t.reference, counts, t.ordered);
      let values = 0;
      for (let i = 0; i < counts.length; i++) values += counts[i]!;
      return { output: t.name, values, ...stats, drifted: stats.psi !== null && stats.psi > threshold };
    });
    return { requests, windowsCompleted: Math.floor(this.#requests / this.options.size), features, outputs };
  }
}

/** One input's features: numeric ones as flat typed arrays (the hot loop), categorical ones as tracks. */
interface InputGroup {
  readonly input: string;
  readonly numeric: {
    readonly index: Int32Array;
    readonly slot: Int32Array;
    readonly offset: Int32Array;
    readonly min: Float64Array;
    readonly max: Float64Array;
    /** Feature f's edges are edges[edgeStart[f] .. edgeStart[f + 1]). */
    readonly edgeStart: Int32Array;
    readonly edges: Float64Array;
  };
  readonly categorical: readonly FeatureTrack[];
}

function inputGroup(input: string, tracks: readonly FeatureTrack[]): InputGroup {
  const numeric = tracks.filter((t) => t.edges !== undefined);
  const edgeStart = new Int32Array(numeric.length + 1);
  numeric.forEach((t, f) => (edgeStart[f + 1] = edgeStart[f]! + t.edges!.length));
  return {
    input,
    numeric: {
      index: Int32Array.from(numeric, (t) => t.index),
      slot: Int32Array.from(numeric, (t) => t.slot),
      offset: Int32Array.from(numeric, (t) => t.offset),
      min: Float64Array.from(numeric, (t) => t.min ?? Number.NaN),
      max: Float64Array.from(numeric, (t) => t.max ?? Number.NaN),
      edgeStart,
      edges: Float64Array.from(numeric.flatMap((t) => t.edges!)),
    },
    categorical: tracks.filter((t) => t.edges === undefined),
  };
}

/** Rows along the first dimension (1 for a scalar), values per row, and the row stride that caps the rows looked at. */
function layout(tensor: Tensor): { rows: number; width: number; step: number } {
  const rows = tensor.shape.length === 0 ? 1 : tensor.shape[0]!;
  const width = rows === 0 ? 0 : tensor.data.length / rows;
  return { rows, width, step: Math.max(1, Math.ceil(rows / MAX_ROWS_PER_REQUEST)) };
}
