// Header pinning, shared by the HTTPRoute, GRPCRoute and VirtualService
// builders: with variants or a shadow, a request whose variant header
// (spec.routing.variantHeader, default x-modelship-variant) names a variant,
// `shadow` or `main` reaches that revision (or the main predictor's split)
// whatever the weights, so a tester or an A/B framework can pin users.
// Without variants nothing is added: routes stay as they were.
import { DEFAULT_VARIANT_HEADER } from '../api/schema.ts';
import type { DefaultedInferenceService } from '../api/types.ts';
import type { PlannedRevision } from './plan.ts';
import { SHADOW_VARIANT } from './revision.ts';

export const MAIN_VARIANT = 'main';

export interface Pin {
  /** The header value. */
  value: string;
  /** Revisions and their weights (whole numbers; at least one positive when anything can serve). */
  backends: Array<{ revision: PlannedRevision; weight: number }>;
}

export function variantHeader(isvc: DefaultedInferenceService): string {
  return isvc.spec.routing?.variantHeader ?? DEFAULT_VARIANT_HEADER;
}

/** One pin per variant (and the shadow), then `main`; none when the plan has no variants. */
export function variantPins(revisions: readonly PlannedRevision[]): Pin[] {
  const variants = revisions.filter((r) => r.variant !== undefined);
  if (variants.length === 0) return [];
  const main = revisions.filter((r) => r.variant === undefined);
  const mainServing = main.filter((r) => r.percent > 0);
  // Pinned to main while it serves: its own split; else its latest revision (which answers 503 until Ready).
  const mainBackends = mainServing.length > 0 ? mainServing.map((revision) => ({ revision, weight: revision.percent })) : main.filter((r) => r.latest).map((revision) => ({ revision, weight: 1 }));
  return [
    ...variants.map((revision) => ({ value: revision.variant ?? '', backends: [{ revision, weight: 1 }] })),
    { value: MAIN_VARIANT, backends: mainBackends },
  ];
}

/** The shadow revision when copies go to it now. */
export function mirrorTarget(revisions: readonly PlannedRevision[], shadowPercent: number): PlannedRevision | undefined {
  return shadowPercent > 0 ? revisions.find((r) => r.variant === SHADOW_VARIANT) : undefined;
}

/** Revisions that take part in the weighted split (the shadow never does). */
export const weighted = (revisions: readonly PlannedRevision[]): PlannedRevision[] => revisions.filter((r) => r.variant !== SHADOW_VARIANT);
