// The training profile (`<model>.profile.json`): what the model's training
// data looked like, per input feature and per output, so the runtime can
// compare live traffic with it (drift/) and guard inputs against the training
// range (h-guard's input policies read `min`/`max` and `warmup`).
// `runtime profile` (profile/command.ts) writes it; profile/load.ts validates it.
//
// Bins: `edges` ascending (ties allowed only for a constant feature, which has
// the single bin [c, c]), `counts.length === edges.length - 1`; bin i holds
// training values in [edges[i], edges[i+1]), the last bin is closed. When live
// traffic is compared, the first and last bins are open-ended (a value below
// the training minimum counts in the first bin), and the share outside
// [min, max] is reported separately as out-of-range.
import type { Datatype } from '../protocol/datatypes.ts';

export const PROFILE_VERSION = 1;

export interface Bins {
  readonly edges: readonly number[];
  readonly counts: readonly number[];
}

/** Training frequencies of a categorical feature or class output: value (as a string) -> count. */
export type Categories = Readonly<Record<string, number>>;

/** Summary of one column of training values. */
export interface NumericSummary {
  /** Training rows with a non-NaN value. */
  readonly count: number;
  /** Finite training range; null when the column had no finite number (e.g. strings). */
  readonly min: number | null;
  readonly max: number | null;
  readonly mean: number | null;
  /** Population standard deviation (ddof 0). */
  readonly std: number | null;
  /** Share of training rows that were NaN. */
  readonly nanShare: number;
}

export interface FeatureProfile extends NumericSummary {
  readonly name: string;
  /** The feature's position inside one row of its input (row-major over the non-batch dimensions). */
  readonly index: number;
  readonly kind: 'numeric' | 'categorical';
  /** Quantile bins of the finite values (numeric features; categorical ones may omit them). */
  readonly bins?: Bins | undefined;
  /** Categorical features: value -> count. */
  readonly categories?: Categories | undefined;
}

export interface InputProfile {
  readonly name: string;
  readonly datatype: Datatype;
  readonly features: readonly FeatureProfile[];
}

/** A class output: an integer label per row, or the arg-max of a score/probability/logit row. */
export interface ClassOutputProfile {
  readonly name: string;
  readonly datatype: Datatype;
  readonly kind: 'classes';
  readonly from: 'value' | 'argmax';
  readonly count: number;
  readonly classes: Categories;
}

/** A regression output: one number per row, described like a numeric feature. */
export interface NumericOutputProfile extends NumericSummary {
  readonly name: string;
  readonly datatype: Datatype;
  readonly kind: 'numeric';
  readonly bins: Bins;
}

export type OutputProfile = ClassOutputProfile | NumericOutputProfile;

/** One v2 request input tensor (JSON form), as a warm-up sample carries it. */
export interface WarmupTensor {
  readonly name: string;
  readonly datatype: Datatype;
  readonly shape: readonly number[];
  readonly data: readonly (number | string | boolean)[];
}

/** One warm-up request: the `inputs` of a v2 inference request body (as Triton's model_warmup samples). */
export interface WarmupSample {
  readonly inputs: readonly WarmupTensor[];
}

export interface Profile {
  readonly version: typeof PROFILE_VERSION;
  /** Free-form provenance: the data file, row count, tool; not interpreted. */
  readonly source?: Readonly<Record<string, string | number>> | undefined;
  readonly inputs: readonly InputProfile[];
  readonly outputs: readonly OutputProfile[];
  readonly warmup?: readonly WarmupSample[] | undefined;
}
