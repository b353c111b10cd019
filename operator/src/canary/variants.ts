// Named variants (A/B/N) and the shadow, on top of the main predictor's plan.
// Pure, like plan.ts, and property-tested with it.
//
// Rules (after KServe's spec.canary[]):
// - Each variant runs one revision, named after a hash of its name and spec;
//   a variant edited runs its new revision at once and the old one is retired
//   (no canary inside a variant: its share waits for the new one to be Ready).
// - A variant takes its trafficPercent of all requests once Ready (the same
//   readiness rule as the main revisions: Ready at full size to gain a share,
//   kept while one pod is ready). Until then its share stays with the main
//   predictor, whose own split (canaryTrafficPercent between its rolled-out
//   and latest revisions) is scaled to what the variants leave.
// - When no main revision can serve, the Ready variants with a share take all
//   traffic in their proportions (and TrafficReady says so): the same "no
//   needless outage" rule as a canary taking over from a broken rolled-out
//   revision.
// - The shadow runs one revision with no share; copies of `percent` of the
//   requests go to it once it is Ready.
// - Service mode: every revision with an intended share runs a fixed number
//   of pods apportioned over all of them (the shared Service spreads
//   connections evenly over ready pods), and the effective percents are the
//   pods' ratio among the revisions that may serve.
import type { DefaultedInferenceService, DefaultedPredictor } from '../api/types.ts';
import { apportionShares, scaleShares } from './apportion.ts';
import type { PlanInput, PlannedRevision, TrafficCondition, TrafficPlan } from './plan.ts';
import { candidate, fixed, minSize, notReadyWhy, type Candidate } from './candidate.ts';
import { revisionName, SHADOW_VARIANT } from './revision.ts';
import type { RevisionExtras } from './revision-resources.ts';
import { MAIN_VARIANT } from './pinning.ts';
import { servicePorts } from '../resources/service.ts';

/** What copies requests to the shadow in each traffic mode. */
export const SHADOW_MECHANISM = { gatewayApi: 'gatewayApi', istio: 'istio', service: 'runtime' } as const;

export interface VariantInput {
  name: string;
  /** trafficPercent from the spec. */
  percent: number;
  predictor: DefaultedPredictor;
}

/** The planner's view of a defaulted spec's variants and shadow. */
export function variantInputs(isvc: DefaultedInferenceService): Pick<PlanInput, 'variants' | 'shadow'> {
  const { variants, shadow } = isvc.spec;
  return {
    ...(variants !== undefined && variants.length > 0 ? { variants: variants.map((v) => ({ name: v.name, percent: v.trafficPercent, predictor: v.predictor })) } : {}),
    ...(shadow !== undefined ? { shadow } : {}),
  };
}

interface VariantCandidate {
  variant: VariantInput;
  c: Candidate;
}

/** `planMain` is plan.ts's planner of the main predictor alone (passed in: plan.ts imports this module). */
export function planWithVariants(input: PlanInput, planMain: (input: PlanInput) => TrafficPlan): TrafficPlan {
  const service = input.mode === 'service';
  // Service mode apportions over every revision below, so the main plan is made with exact percents.
  const main = planMain(service ? { ...input, mode: 'gatewayApi' } : input);
  const observed = new Map(input.observed.map((o) => [o.name, o]));
  const variants: VariantCandidate[] = (input.variants ?? []).map((variant) => {
    const name = revisionName(input.isvcName, variant.predictor, variant.name);
    return { variant, c: candidate(name, variant.predictor, observed.get(name), input.previous) };
  });
  const shadowSpec = input.shadow;
  const shadow = shadowSpec === undefined ? undefined : candidate(revisionName(input.isvcName, shadowSpec.predictor, SHADOW_VARIANT), shadowSpec.predictor, observed.get(revisionName(input.isvcName, shadowSpec.predictor, SHADOW_VARIANT)), input.previous);

  // Shares: eligible variants first, the main predictor's split scaled to the rest.
  const mainSum = main.revisions.reduce((a, r) => a + r.percent, 0);
  const serving = variants.filter((v) => v.c.eligible && v.variant.percent > 0);
  let mainPercents: number[];
  let variantPercents: number[];
  if (mainSum > 0) {
    variantPercents = serving.map((v) => v.variant.percent);
    mainPercents = scaleShares(main.revisions.map((r) => r.percent), 100 - variantPercents.reduce((a, b) => a + b, 0));
  } else {
    variantPercents = scaleShares(serving.map((v) => v.variant.percent), serving.length > 0 ? 100 : 0);
    mainPercents = main.revisions.map(() => 0);
  }
  const percentOf = new Map(serving.map((v, i) => [v.c.name, variantPercents[i] ?? 0]));
  let revisions: PlannedRevision[] = [
    ...main.revisions.map((r, i) => ({ ...r, percent: mainPercents[i] ?? 0 })),
    ...variants.map(({ variant, c }): PlannedRevision => ({ name: c.name, spec: c.spec, scaling: c.spec, percent: percentOf.get(c.name) ?? 0, latest: false, ready: c.ready, variant: variant.name })),
    ...(shadow === undefined ? [] : [{ name: shadow.name, spec: shadow.spec, scaling: shadow.spec, percent: 0, latest: false, ready: shadow.ready, variant: SHADOW_VARIANT }]),
  ];
  let serviceNote = '';
  if (service) ({ revisions, note: serviceNote } = apportionRevisions(revisions, input, main, variants));

  const keep = new Set(revisions.map((r) => r.name));
  const withShare = revisions.filter((r) => r.percent > 0).map((r) => r.name);
  // The shared Service must never select the shadow or a header-only variant:
  // with one revision sharing it selects that revision, with several (Service
  // mode) the pods labelled as the split's, elsewhere (a route splits) the main one.
  const mainShare = revisions.filter((r) => r.variant === undefined && r.percent > 0).sort((a, b) => b.percent - a.percent)[0]?.name;
  const selectSplit = service && withShare.length > 1;
  const serviceSelects = withShare.length === 1 || selectSplit ? withShare : mainShare !== undefined ? [mainShare] : withShare.length > 0 ? withShare.slice(0, 1) : main.serviceSelects.slice(0, 1);
  const shadowPercent = shadow !== undefined && shadow.eligible && withShare.length > 0 ? shadowSpec?.percent ?? 0 : 0;
  const summary = [
    ...variants.map(({ variant, c }) => `${variant.name}=${percentOf.get(c.name) ?? 0}${c.eligible ? '' : '(not ready)'}`),
    ...(shadow === undefined ? [] : [`shadow=${shadowPercent}${shadow.eligible ? '' : '(not ready)'}`]),
  ].join(' ');
  return {
    ...main,
    revisions,
    retire: input.observed.map((o) => o.name).filter((n) => !keep.has(n)).sort(),
    serviceSelects,
    ...(selectSplit ? { selectSplit } : {}),
    status: {
      ...main.status,
      traffic: revisions.map((r) => ({
        revisionName: r.name,
        percent: r.percent,
        latestRevision: r.variant === undefined && r.latest,
        tag: r.variant ?? (r.latest ? 'latest' : 'prev'),
        ...(r.variant !== undefined ? { variant: r.variant, ready: r.ready || (percentOf.get(r.name) ?? 0) > 0 } : {}),
      })),
      variants: summary,
      ...(shadow !== undefined ? { shadow: { revisionName: shadow.name, percent: shadowPercent, mechanism: SHADOW_MECHANISM[input.mode] } } : {}),
    },
    condition: condition(main, mainSum, variants, shadow, serviceNote),
    ...(shadow !== undefined ? { shadow: { revision: shadow.name, percent: shadowPercent } } : {}),
  };
}

function condition(main: TrafficPlan, mainSum: number, variants: readonly VariantCandidate[], shadow: Candidate | undefined, serviceNote: string): TrafficCondition {
  const notes: string[] = [];
  const waiting = variants.filter((v) => !v.c.eligible);
  for (const { variant, c } of waiting) {
    const share = variant.percent > 0 ? `; its ${variant.percent}% stays with the main predictor` : '';
    notes.push(`variant ${variant.name} (revision ${c.name}) gets no traffic until it is ready: ${notReadyWhy(c)}${share}`);
  }
  if (shadow !== undefined && !shadow.eligible) notes.push(`the shadow (revision ${shadow.name}) gets no copies until it is ready: ${notReadyWhy(shadow)}`);
  const serving = variants.filter((v) => v.c.eligible && v.variant.percent > 0);
  if (mainSum === 0 && serving.length > 0) {
    return {
      status: 'False',
      reason: 'MainNotReady',
      message: `no revision of the main predictor can serve (${main.condition.message}): variants ${serving.map((v) => v.variant.name).join(', ')} take all traffic in their proportions${notes.map((n) => `; ${n}`).join('')}${serviceNote}`,
    };
  }
  const failed = [...variants.map((v) => v.c), ...(shadow !== undefined ? [shadow] : [])].some((c) => c.failure !== undefined);
  const message = `${main.condition.message}${serving.map((v) => `; ${v.variant.percent}% to variant ${v.variant.name} (revision ${v.c.name})`).join('')}${notes.map((n) => `; ${n}`).join('')}${serviceNote}`;
  // A broken variant leaves the main predictor serving: the InferenceService stays Ready, the reason says what is wrong.
  return main.condition.status === 'True' && failed ? { status: 'True', reason: 'VariantFailed', message } : { ...main.condition, message };
}

/**
 * Service mode: pods apportioned over every revision meant to have a share
 * (the main split as requested, each variant's trafficPercent), whether or
 * not it is Ready yet, so its pods come up at the size its share needs; the
 * shares are then the pods' ratio among the revisions that may serve.
 */
function apportionRevisions(revisions: PlannedRevision[], input: PlanInput, main: TrafficPlan, variants: readonly VariantCandidate[]): { revisions: PlannedRevision[]; note: string } {
  const variantIntent = variants.reduce((a, v) => a + v.variant.percent, 0);
  const canary = input.predictor.canaryTrafficPercent;
  // A revision kept warm in a rollback window is meant to have nothing.
  const live = main.revisions.filter((r) => r.warm !== true);
  const mainIntent = live.length === 2 && canary !== undefined && canary > 0 && canary < 100
    ? [100 - canary, canary]
    : live.some((r) => r.percent > 0) ? live.map((r) => r.percent) : live.map((_, i) => (i === 0 ? 100 : 0));
  const intentOf = new Map<string, number>();
  scaleShares(mainIntent, 100 - variantIntent).forEach((p, i) => intentOf.set(live[i]?.name ?? '', p));
  for (const v of variants) intentOf.set(v.c.name, v.variant.percent);
  // A revision serving now that is meant to have no share (a rolled-out
  // revision covering for a canary that is not Ready) needs pods and the label too.
  const wanted = new Map(revisions.map((r) => [r.name, (intentOf.get(r.name) ?? 0) > 0 ? intentOf.get(r.name) ?? 0 : r.percent]));
  const total = [...wanted.values()].reduce((a, b) => a + b, 0);
  const split = revisions.filter((r) => (wanted.get(r.name) ?? 0) > 0);
  if (split.length < 2) return { revisions, note: '' };
  const counts = apportionShares(split.map((r) => ({ percent: (100 * (wanted.get(r.name) ?? 0)) / total, min: minSize(r.spec) })), input.maxApportionedReplicas);
  const countOf = new Map(split.map((r, i) => [r.name, counts[i] ?? minSize(r.spec)]));
  const sharing = revisions.filter((r) => r.percent > 0);
  const effective = scaleShares(sharing.map((r) => countOf.get(r.name) ?? minSize(r.scaling)), sharing.length > 0 ? 100 : 0);
  const effectiveOf = new Map(sharing.map((r, i) => [r.name, effective[i] ?? 0]));
  const out = revisions.map((r) => {
    const n = countOf.get(r.name);
    return { ...r, percent: effectiveOf.get(r.name) ?? 0, ...(n !== undefined ? { scaling: fixed(r.spec, n), splitMember: true } : {}) };
  });
  const pods = split.map((r) => `${countOf.get(r.name)} ${r.variant ?? (r.latest ? 'latest' : 'prev')}`).join(' + ');
  return { revisions: out, note: `; service mode apportions pods: ${pods} (granularity 1/${counts.reduce((a, b) => a + b, 0)})` };
}

/**
 * What every revision's runtime gets when the InferenceService has variants
 * or a shadow: its revision and variant as labels, and in Service mode (no
 * router to mirror or read the variant header) the shadow's address and
 * share and every variant's address, set from the spec rather than
 * readiness so readiness never restarts the serving pods (copies sent before
 * the shadow is Ready fail and are counted; a request pinned to a variant
 * that is not Ready gets 503 from it).
 */
export function revisionExtras(plan: TrafficPlan, mode: PlanInput['mode'], isvc: DefaultedInferenceService, urlOf: (revision: string) => string): RevisionExtras | undefined {
  if (!plan.revisions.some((r) => r.variant !== undefined)) return undefined;
  const shadow = isvc.spec.shadow;
  const mirror = mode === 'service' && plan.shadow !== undefined && shadow !== undefined ? { url: urlOf(plan.shadow.revision), percent: shadow.percent } : undefined;
  // gRPC reaches a revision at its Service's grpc port (8081, or 80 with protocolVersion grpc-v2).
  const specOf = new Map(plan.revisions.map((r) => [r.name, r.spec]));
  const grpcOf = (revision: string) => `${new URL(urlOf(revision)).hostname}:${servicePorts(specOf.get(revision) ?? isvc.spec.predictor).grpc}`;
  const header = isvc.spec.routing?.variantHeader;
  // Pinned to main: the rolled-out revision (stable while a canary of main runs), else the latest.
  const main = plan.status.latestRolledoutRevision ?? plan.latest;
  const routes = mode === 'service'
    ? Object.fromEntries([...plan.revisions.filter((r) => r.variant !== undefined).map((r) => [r.variant ?? '', urlOf(r.name)]), [MAIN_VARIANT, urlOf(main)]])
    : undefined;
  const grpcRoutes = mode === 'service'
    ? Object.fromEntries([...plan.revisions.filter((r) => r.variant !== undefined).map((r) => [r.variant ?? '', grpcOf(r.name)]), [MAIN_VARIANT, grpcOf(main)]])
    : undefined;
  return {
    identify: true,
    ...(mirror !== undefined ? { mirror, grpcMirror: grpcOf(plan.shadow!.revision) } : {}),
    ...(header !== undefined ? { header } : {}),
    ...(routes !== undefined ? { routes } : {}),
    ...(grpcRoutes !== undefined ? { grpcRoutes } : {}),
  };
}
