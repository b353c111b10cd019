// --input-policy (spec.predictor.monitoring.inputPolicy): what to do with a
// value outside its feature's training range [min, max] from the profile.
// `reject` answers 400 naming the feature, the value and the range; `flag`
// serves it, counts each such value in modelship_feature_out_of_range_total
// and marks the response (parameter + header); `off` looks at nothing.
// Every row of every request is checked (not sampled, unlike drift), the
// layout as the drift window reads it: rows along the first dimension, the
// feature's index inside one row.
import type { Counter } from 'prom-client';
import { RejectedInputError } from '../errors.ts';
import { featureLabels } from '../drift/metrics.ts';
import type { Profile } from '../profile/profile.ts';
import type { InferRequest, Tensor } from '../protocol/types.ts';

export const INPUT_POLICIES = ['reject', 'flag', 'off'] as const;
export type InputPolicyMode = (typeof INPUT_POLICIES)[number];

/** Marks a served request with out-of-range values: the REST header and gRPC trailing metadata key. */
export const OUT_OF_RANGE_HEADER = 'x-modelship-out-of-range';

interface RangeCheck {
  readonly input: string;
  readonly feature: string;
  readonly index: number;
  readonly min: number;
  readonly max: number;
  readonly label: string;
}

function rowsOf(tensor: Tensor): { rows: number; width: number } {
  const rows = tensor.shape.length === 0 ? 1 : (tensor.shape[0] as number);
  return { rows, width: rows === 0 ? 0 : tensor.data.length / rows };
}

function shown(value: number): string {
  return String(Math.fround(value) === value ? Math.round(value * 1e6) / 1e6 : value);
}

export class InputPolicy {
  readonly mode: Exclude<InputPolicyMode, 'off'>;
  readonly #checks: ReadonlyMap<string, readonly RangeCheck[]>;
  readonly #counter: Counter<'model' | 'feature'>;
  readonly #model: string;

  /** `counter`: the drift metrics' modelship_feature_out_of_range_total (one registration). */
  constructor(mode: Exclude<InputPolicyMode, 'off'>, profile: Profile, counter: Counter<'model' | 'feature'>, model: string) {
    this.mode = mode;
    this.#counter = counter;
    this.#model = model;
    const numeric = profile.inputs.flatMap((input) =>
      input.features.filter((f) => f.kind === 'numeric' && f.min !== null && f.max !== null).map((f) => ({ input: input.name, feature: f.name, index: f.index, min: f.min as number, max: f.max as number })),
    );
    const labels = featureLabels(numeric.map((c) => c.feature));
    const checks = new Map<string, RangeCheck[]>();
    for (const c of numeric) {
      const list = checks.get(c.input) ?? [];
      list.push({ ...c, label: labels.get(c.feature) ?? c.feature });
      checks.set(c.input, list);
    }
    this.#checks = checks;
  }

  /**
   * Checks a bound request: throws a 400 (reason out_of_range) under
   * `reject`; under `flag` counts each value outside its range and returns
   * the names of the features that had one (empty when none did).
   */
  check(request: InferRequest): string[] {
    const flagged = new Set<string>();
    for (const tensor of request.inputs) {
      const checks = this.#checks.get(tensor.name);
      if (checks === undefined || Array.isArray(tensor.data)) continue;
      const data = tensor.data as ArrayLike<number | bigint>;
      const { rows, width } = rowsOf(tensor);
      for (const c of checks) {
        if (c.index >= width) continue;
        let outside = 0;
        for (let r = 0; r < rows; r++) {
          const value = Number(data[r * width + c.index]);
          if (value >= c.min && value <= c.max) continue;
          if (this.mode === 'reject') {
            throw new RejectedInputError(
              'out_of_range',
              `input '${tensor.name}': feature '${c.feature}' (index ${c.index}) is ${shown(value)} in row ${r}, outside its training range [${c.min}, ${c.max}] (--input-policy reject)`,
            );
          }
          outside++;
        }
        if (outside > 0) {
          this.#counter.labels({ model: this.#model, feature: c.label }).inc(outside);
          flagged.add(c.feature);
        }
      }
    }
    return [...flagged];
  }
}
