// Builds a training profile from training rows and the model's outputs on
// them: pure, deterministic (same data -> same bytes), tested without a model.
// Numeric features get ten quantile bins (numpy's default linear
// interpolation, repeated edges merged; a constant feature gets the single bin
// [c, c]); BOOL and BYTES inputs, and integer inputs with at most
// MAX_CATEGORIES distinct values, are categorical.
import { DATATYPES, type Datatype } from '../protocol/datatypes.ts';
import type { TensorSpec } from '../protocol/types.ts';
import { binIndex } from '../../../common/src/drift-statistics.ts';
import type { InputRows, Value } from './data.ts';
import { PROFILE_VERSION, type Bins, type FeatureProfile, type NumericSummary, type OutputProfile, type Profile, type WarmupSample } from './profile.ts';

export const DEFAULT_BINS = 10;
export const MAX_CATEGORIES = 32;

export class ProfileBuildError extends Error {}

/**
 * numpy.quantile(values, q) with the default 'linear' method, step for step
 * (virtual index (n - 1) q and numpy's two-sided lerp), so the
 * edges match numpy's to the last bit; `sorted` ascending, non-empty.
 */
export function quantile(sorted: Float64Array, q: number): number {
  const n = sorted.length;
  const position = (n - 1) * q;
  const lo = Math.floor(position);
  const hi = Math.min(lo + 1, n - 1);
  const t = position - lo;
  const [a, b] = [sorted[lo]!, sorted[hi]!];
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/** Quantile bins over finite values (ascending, non-empty). */
export function quantileBins(sorted: Float64Array, bins: number): Bins {
  const edges: number[] = [];
  const step = 1 / bins;
  for (let i = 0; i <= bins; i++) {
    // numpy.linspace(0, 1, bins + 1): i * step, the last exactly 1.
    const edge = quantile(sorted, i === bins ? 1 : i * step);
    if (edges.length === 0 || edge > edges[edges.length - 1]!) edges.push(edge);
  }
  // A constant feature: one closed bin [c, c].
  if (edges.length === 1) edges.push(edges[0]!);
  const counts = new Array<number>(edges.length - 1).fill(0);
  for (const v of sorted) counts[binIndex(edges, v)]! += 1;
  return { edges, counts };
}

/** Summary of a numeric column; non-finite values count in nanShare and nowhere else. */
export function summarize(values: Float64Array): NumericSummary & { sorted: Float64Array } {
  const finite = values.filter((v) => Number.isFinite(v)).sort();
  const n = finite.length;
  const nanShare = values.length === 0 ? 0 : (values.length - n) / values.length;
  if (n === 0) return { count: 0, min: null, max: null, mean: null, std: null, nanShare, sorted: finite };
  let sum = 0;
  for (const v of finite) sum += v;
  const mean = sum / n;
  let squares = 0;
  for (const v of finite) squares += (v - mean) * (v - mean);
  return { count: n, min: finite[0]!, max: finite[n - 1]!, mean, std: Math.sqrt(squares / n), nanShare, sorted: finite };
}

function toNumber(value: Value, where: string): number {
  if (typeof value === 'number') return value;
  const text = value.trim();
  if (text === '' || text.toLowerCase() === 'nan') return Number.NaN;
  if (text === 'true' || text === 'false') return text === 'true' ? 1 : 0;
  const n = Number(text);
  if (Number.isNaN(n)) throw new ProfileBuildError(`${where}: '${value}' is not a number`);
  return n;
}

function countValues(values: readonly string[]): Record<string, number> {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  // Sorted keys: the same data always writes the same file.
  return Object.fromEntries([...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

const PRECISION: Partial<Record<Datatype, (v: number) => number>> = { FP32: Math.fround, FP16: Math.f16round };

function featureProfile(input: InputRows, index: number, bins: number): FeatureProfile {
  const name = input.featureNames[index]!;
  const kind = DATATYPES[input.spec.datatype].kind;
  const column = input.rows.map((row) => row[index]!);
  if (kind === 'bytes') {
    const strings = column.map(String);
    return { name, index, kind: 'categorical', count: strings.length, min: null, max: null, mean: null, std: null, nanShare: 0, categories: countValues(strings) };
  }
  // Narrowed to the input's precision: the profile describes the values the model sees
  // (7.9 in a CSV reaches an FP32 model as 7.900000095367432, and live FP32 traffic carries that).
  const narrow = PRECISION[input.spec.datatype] ?? ((v: number) => v);
  const numbers = Float64Array.from(column, (v, r) => narrow(toNumber(v, `row ${r + 1} feature '${name}'`)));
  const { sorted, ...summary } = summarize(numbers);
  const distinct = new Set(sorted).size;
  if (kind === 'bool' || ((kind === 'int' || kind === 'bigint') && distinct <= MAX_CATEGORIES)) {
    return { name, index, kind: 'categorical', ...summary, categories: countValues(Array.from(sorted, String)) };
  }
  if (summary.count === 0) throw new ProfileBuildError(`feature '${name}' has no finite value in the training data`);
  return { name, index, kind: 'numeric', ...summary, bins: quantileBins(sorted, bins) };
}

/** One output's rows: `width` values per row, row-major. */
export interface OutputValues {
  readonly spec: TensorSpec;
  readonly datatype: Datatype;
  readonly width: number;
  readonly data: readonly Value[] | Float64Array;
}

function outputProfile(output: OutputValues, bins: number): OutputProfile {
  const { spec, datatype, width, data } = output;
  const kind = DATATYPES[datatype].kind;
  const rows = width === 0 ? 0 : data.length / width;
  if (width === 1 && kind === 'float') {
    const { sorted, ...summary } = summarize(Float64Array.from(data as ArrayLike<number>));
    if (summary.count === 0) throw new ProfileBuildError(`output '${spec.name}' has no finite value on the training data`);
    return { name: spec.name, datatype, kind: 'numeric', ...summary, bins: quantileBins(sorted, bins) };
  }
  if (width === 1) return { name: spec.name, datatype, kind: 'classes', from: 'value', count: rows, classes: countValues(Array.from(data as ArrayLike<Value>, String)) };
  // Several values per row (scores, probabilities, logits): the predicted class is the arg-max.
  const labels: string[] = [];
  for (let r = 0; r < rows; r++) labels.push(String(argmax(data as ArrayLike<number>, r * width, width)));
  return { name: spec.name, datatype, kind: 'classes', from: 'argmax', count: rows, classes: countValues(labels) };
}

/** Index of the largest of `width` values from `offset` (the first on ties, like numpy). */
export function argmax(data: ArrayLike<number>, offset: number, width: number): number {
  let best = 0;
  for (let i = 1; i < width; i++) if (data[offset + i]! > data[offset + best]!) best = i;
  return best;
}

/** A value as v2 JSON carries it for the datatype (strings for BYTES, booleans for BOOL). */
function warmupValue(datatype: Datatype, value: Value, input: string): Value | boolean {
  const kind = DATATYPES[datatype].kind;
  if (kind === 'bytes') return String(value);
  const n = (PRECISION[datatype] ?? Number)(toNumber(value, `warm-up row of input '${input}'`));
  return kind === 'bool' ? n !== 0 : n;
}

/** The first training row with only finite values (JSON carries no NaN), as one v2 request; none when every row has a gap. */
function warmupSamples(inputs: readonly InputRows[]): WarmupSample[] {
  const values = (row: number) => inputs.map((input) => input.rows[row]!.map((v) => warmupValue(input.spec.datatype, v, input.spec.name)));
  for (let row = 0; row < inputs[0]!.rows.length; row++) {
    const data = values(row);
    if (data.every((d) => d.every((v) => typeof v !== 'number' || Number.isFinite(v)))) {
      return [{ inputs: inputs.map((input, i) => ({ name: input.spec.name, datatype: input.spec.datatype, shape: [1, ...input.rowShape], data: data[i]! })) }];
    }
  }
  return [];
}

export interface BuildOptions {
  readonly bins: number;
  readonly source: Readonly<Record<string, string | number>>;
}

export function buildProfile(inputs: readonly InputRows[], outputs: readonly OutputValues[], options: BuildOptions): Profile {
  return {
    version: PROFILE_VERSION,
    source: options.source,
    inputs: inputs.map((input) => ({
      name: input.spec.name,
      datatype: input.spec.datatype,
      features: input.featureNames.map((_, i) => featureProfile(input, i, options.bins)),
    })),
    outputs: outputs.map((o) => outputProfile(o, options.bins)),
    // A training row, so warm-up runs the model on data it was built for.
    warmup: warmupSamples(inputs),
  };
}

/** The profile as text: one feature or output per line, so diffs stay readable. */
export function formatProfile(profile: Profile): string {
  const items = (values: readonly unknown[], indent: string) => values.map((v) => `${indent}${JSON.stringify(v)}`).join(',\n');
  const inputs = profile.inputs
    .map((i) => `  {"name": ${JSON.stringify(i.name)}, "datatype": ${JSON.stringify(i.datatype)}, "features": [\n${items(i.features, '   ')}\n  ]}`)
    .join(',\n');
  const parts = [
    ` "version": ${profile.version}`,
    ...(profile.source ? [` "source": ${JSON.stringify(profile.source)}`] : []),
    ` "inputs": [\n${inputs}\n ]`,
    ` "outputs": [\n${items(profile.outputs, '  ')}\n ]`,
    ...(profile.warmup ? [` "warmup": [\n${items(profile.warmup, '  ')}\n ]`] : []),
  ];
  return `{\n${parts.join(',\n')}\n}\n`;
}
