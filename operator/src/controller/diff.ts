// Decides whether an owned object must be written. Two checks, both needed:
// a hash of the desired object, stamped on the child, changes when our intent
// changes (including a field we stopped setting, which server-side apply then
// removes); and a subset comparison of desired against observed catches drift
// (someone edited a field we own). Server-added defaults are ignored because
// only fields we set are compared; quantities compare by value ("1000m" = "1").
import { createHash } from 'node:crypto';
import type { KubeObject } from '../kube/client.ts';
import { canonicalJson } from '../canonical-json.ts';
import { sameQuantity } from '../resources/quantity.ts';

export const HASH_ANNOTATION = 'serving.modelship.io/desired-hash';

const QUANTITY_PARENTS = new Set(['requests', 'limits', 'averageValue', 'sizeLimit']);

/** Returns a copy of the desired object carrying the hash of its content. */
export function withDesiredHash<T extends KubeObject>(desired: T): T {
  const hash = createHash('sha256').update(canonicalJson(desired)).digest('hex').slice(0, 16);
  return { ...desired, metadata: { ...desired.metadata, annotations: { ...(desired.metadata?.annotations ?? {}), [HASH_ANNOTATION]: hash } } };
}

/** True when every field set in `desired` has the same value in `observed`. */
export function isSubset(desired: unknown, observed: unknown, key = ''): boolean {
  if (desired === undefined) return true;
  if (Array.isArray(desired)) {
    if (!Array.isArray(observed) || observed.length !== desired.length) return false;
    return desired.every((d, i) => isSubset(d, observed[i], key));
  }
  if (desired !== null && typeof desired === 'object') {
    if (observed === null || typeof observed !== 'object' || Array.isArray(observed)) return false;
    const o = observed as Record<string, unknown>;
    return Object.entries(desired).every(([k, v]) => isSubset(v, o[k], QUANTITY_PARENTS.has(key) ? key : k));
  }
  if (desired === observed) return true;
  return QUANTITY_PARENTS.has(key) && sameQuantity(desired, observed);
}

export type ApplyReason = 'create' | 'update' | 'drift';

/** Why the desired object (already hashed) must be applied, or undefined when nothing needs writing. */
export function applyReason(desired: KubeObject, observed: KubeObject | undefined): ApplyReason | undefined {
  if (observed === undefined) return 'create';
  const want = desired.metadata?.annotations?.[HASH_ANNOTATION];
  if (observed.metadata?.annotations?.[HASH_ANNOTATION] !== want) return 'update';
  return isSubset(desired, observed) ? undefined : 'drift';
}
