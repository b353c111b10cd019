// Revisions of a predictor. A revision is named after a hash of the defaulted
// predictor spec, so the name is stable (the same spec always maps to the same
// revision, which is what lets a reverted spec return to its old revision
// without a new rollout) and every spec change yields a new one.
// canaryTrafficPercent, rollout and rollbackWindowSeconds are excluded: moving
// traffic, or how it is moved, is not a new revision.
import { createHash } from 'node:crypto';
import type { DefaultedPredictor } from '../api/types.ts';
import { canonicalJson } from '../canonical-json.ts';
import { childName } from '../names.ts';

/** Pod, Deployment, Service and HPA label naming the revision. */
export const REVISION_LABEL = 'serving.modelship.io/revision';
/**
 * The revision's predictor spec, kept on its Deployment and Service: after
 * the InferenceService is edited, this is the only record of how to rebuild
 * the previous revision.
 */
export const SPEC_ANNOTATION = 'serving.modelship.io/predictor-spec';

/** 7 hex digits keep `<45-char name>-predictor-<hash>` within a 63-character DNS label. */
const HASH_LENGTH = 7;

export function revisionSpec(predictor: DefaultedPredictor): DefaultedPredictor {
  const { canaryTrafficPercent: _percent, rollout: _rollout, rollbackWindowSeconds: _window, ...rest } = predictor;
  return rest;
}

/** Pod, Deployment and Service label naming the variant of a variant's or the shadow's revision (absent for the main predictor). */
export const VARIANT_LABEL = 'serving.modelship.io/variant';
/** Pod label of the revisions sharing traffic in Service mode with variants: what the shared Service selects. */
export const SPLIT_LABEL = 'serving.modelship.io/split';
/** The variant name of the shadow's revision. */
export const SHADOW_VARIANT = 'shadow';

/**
 * A variant's revisions hash its name with its spec, so a variant with the
 * main predictor's spec (an A/A test) still runs its own pods; the main
 * predictor's hash is unchanged from before variants existed.
 */
export function revisionName(isvcName: string, predictor: DefaultedPredictor, variant?: string): string {
  const spec = revisionSpec(predictor);
  const hash = createHash('sha256').update(canonicalJson(variant === undefined ? spec : { variant, spec })).digest('hex').slice(0, HASH_LENGTH);
  return childName(isvcName, `predictor-${hash}`);
}

/** The predictor a revision was built from, or undefined when the annotation is missing or unreadable. */
export function readRevisionSpec(annotations: Record<string, string> | undefined): DefaultedPredictor | undefined {
  const raw = annotations?.[SPEC_ANNOTATION];
  if (raw === undefined) return undefined;
  try {
    const parsed = JSON.parse(raw) as unknown;
    if (parsed === null || typeof parsed !== 'object' || !('model' in parsed)) return undefined;
    return parsed as DefaultedPredictor;
  } catch {
    return undefined;
  }
}

export function writeRevisionSpec(predictor: DefaultedPredictor): string {
  return canonicalJson(revisionSpec(predictor));
}
