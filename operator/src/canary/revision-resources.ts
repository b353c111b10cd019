// The objects of one revision: its Deployment, its own Service (the stable
// address that reaches this revision only, so a canary can be tried before
// it gets traffic) and its HPA. They reuse the operator's builders and add
// the revision's name, label and recorded spec, so each revision scales on
// its own and can be rebuilt after the InferenceService spec moved on.
import type { V1Deployment, V1PodDisruptionBudget, V1Service, V2HorizontalPodAutoscaler } from '@kubernetes/client-node';
import type { DefaultedInferenceService } from '../api/types.ts';
import type { BuildConfig } from '../settings.ts';
import { buildDeployment } from '../resources/deployment.ts';
import { buildHpa } from '../resources/hpa.ts';
import { buildPdb } from '../resources/pdb.ts';
import { buildScaledObject, type ScaledObject } from '../resources/scaledobject.ts';
import { buildService, serviceUrl } from '../resources/service.ts';
import { selectorLabels } from '../resources/labels.ts';
import type { PlannedRevision } from './plan.ts';
import { REVISION_LABEL, SHADOW_VARIANT, SPEC_ANNOTATION, SPLIT_LABEL, VARIANT_LABEL, writeRevisionSpec } from './revision.ts';
import { MAIN_VARIANT } from './pinning.ts';
import { CONTAINER_NAME } from '../names.ts';

type Meta = DefaultedInferenceService['metadata'];

const revisionLabels = (revision: PlannedRevision) => ({ [REVISION_LABEL]: revision.name });
/** Labels beyond the selector: the variant (bounded by the CRD: at most five names per InferenceService) and split membership. */
const variantLabels = (revision: PlannedRevision) => ({
  ...(revision.variant !== undefined ? { [VARIANT_LABEL]: revision.variant } : {}),
});
const podLabels = (revision: PlannedRevision) => ({ ...variantLabels(revision), ...(revision.splitMember === true ? { [SPLIT_LABEL]: 'true' } : {}) });
const specAnnotation = (revision: PlannedRevision) => ({ [SPEC_ANNOTATION]: writeRevisionSpec(revision.spec) });

function withRevisionMeta<T extends { metadata?: { name?: string; labels?: Record<string, string>; annotations?: Record<string, string> } }>(object: T, revision: PlannedRevision, recordSpec: boolean): T {
  return {
    ...object,
    metadata: {
      ...object.metadata,
      name: revision.name,
      labels: { ...(object.metadata?.labels ?? {}), ...revisionLabels(revision), ...variantLabels(revision) },
      ...(recordSpec ? { annotations: { ...(object.metadata?.annotations ?? {}), ...specAnnotation(revision) } } : {}),
    },
  };
}

/** What an InferenceService with variants adds to each revision's runtime. */
export interface RevisionExtras {
  /** Label metrics, logs and traces with the revision and variant (--revision, --variant). */
  readonly identify: boolean;
  /** Service mode with a shadow: the serving revisions copy requests to it themselves. */
  readonly mirror?: { readonly url: string; readonly percent: number };
  /** A variant header other than the default. */
  readonly header?: string;
  /** Service mode: where each variant (and main) is reached, for the runtimes to forward pinned requests. */
  readonly routes?: Readonly<Record<string, string>>;
  /** Service mode: the same for gRPC, host:port of each variant's grpc Service port. */
  readonly grpcRoutes?: Readonly<Record<string, string>>;
  /** Service mode with a shadow: host:port of the shadow's grpc Service port, for gRPC copies. */
  readonly grpcMirror?: string;
}

function extraArgs(revision: PlannedRevision, existing: readonly string[], extras: RevisionExtras | undefined): string[] {
  if (extras === undefined) return [];
  const args: string[] = [];
  if (extras.identify) {
    if (!existing.includes('--revision')) args.push('--revision', revision.name);
    args.push('--variant', revision.variant ?? MAIN_VARIANT);
  }
  if (extras.header !== undefined) args.push('--variant-header', extras.header);
  if (revision.variant === SHADOW_VARIANT) return args;
  if (extras.mirror !== undefined) args.push('--mirror-url', extras.mirror.url, '--mirror-percent', String(extras.mirror.percent));
  if (extras.grpcMirror !== undefined) args.push('--mirror-grpc-target', extras.grpcMirror);
  const others = (table: Readonly<Record<string, string>> | undefined) => Object.entries(table ?? {}).filter(([name]) => name !== (revision.variant ?? MAIN_VARIANT));
  const routes = others(extras.routes);
  if (routes.length > 0) args.push('--variant-routes', routes.map(([name, url]) => `${name}=${url}`).join(','));
  const grpcRoutes = others(extras.grpcRoutes);
  if (grpcRoutes.length > 0) args.push('--variant-grpc-routes', grpcRoutes.map(([name, target]) => `${name}=${target}`).join(','));
  return args;
}

export function buildRevisionDeployment(meta: Meta, revision: PlannedRevision, config: BuildConfig, extras?: RevisionExtras): V1Deployment {
  const base = buildDeployment({ metadata: meta, spec: { predictor: revision.scaling } }, config, revision.name);
  const spec = base.spec!;
  const pod = spec.template.spec!;
  const containers = pod.containers.map((c) => (c.name === CONTAINER_NAME ? { ...c, args: [...(c.args ?? []), ...extraArgs(revision, c.args ?? [], extras)] } : c));
  return withRevisionMeta({
    ...base,
    spec: {
      ...spec,
      selector: { matchLabels: { ...spec.selector.matchLabels, ...revisionLabels(revision) } },
      template: {
        ...spec.template,
        metadata: { ...spec.template.metadata, labels: { ...spec.template.metadata?.labels, ...revisionLabels(revision), ...podLabels(revision) } },
        spec: { ...pod, containers },
      },
    },
  }, revision, true);
}

/** The revision's own Service, named after the revision. */
export function buildRevisionService(meta: Meta, revision: PlannedRevision): V1Service {
  const base = buildService({ metadata: meta, spec: { predictor: revision.spec } });
  return withRevisionMeta({ ...base, spec: { ...base.spec, selector: { ...selectorLabels(meta), ...revisionLabels(revision) } } }, revision, true);
}

export function revisionUrl(meta: Pick<Meta, 'namespace'>, revision: string, clusterDomain: string): string {
  return serviceUrl({ name: revision, namespace: meta.namespace }, clusterDomain);
}

/** undefined when the revision's scaling leaves no room to scale (or Service mode fixed its replicas). */
export function buildRevisionHpa(meta: Meta, revision: PlannedRevision): V2HorizontalPodAutoscaler | undefined {
  const base = buildHpa({ metadata: meta, spec: { predictor: revision.scaling } });
  if (base === undefined) return undefined;
  return withRevisionMeta({ ...base, spec: { ...base.spec!, scaleTargetRef: { ...base.spec!.scaleTargetRef, name: revision.name } } }, revision, false);
}

/** The revision's disruption budget over its own pods; undefined while it runs at most one. */
export function buildRevisionPdb(meta: Meta, revision: PlannedRevision): V1PodDisruptionBudget | undefined {
  const base = buildPdb({ metadata: meta, spec: { predictor: revision.scaling } });
  if (base === undefined) return undefined;
  return withRevisionMeta({ ...base, spec: { ...base.spec, selector: { matchLabels: { ...selectorLabels(meta), ...revisionLabels(revision) } } } }, revision, false);
}

/** The KEDA alternative to buildRevisionHpa: same name, scales the revision's Deployment on its own pods' metrics. */
export function buildRevisionScaledObject(meta: Meta, revision: PlannedRevision, prometheusUrl: string): ScaledObject | undefined {
  const base = buildScaledObject({ metadata: meta, spec: { predictor: revision.scaling } }, prometheusUrl, revision.name);
  return base === undefined ? undefined : withRevisionMeta(base, revision, false);
}

/**
 * The InferenceService's own Service (its URL in status): it selects the pods
 * of the revisions that have a share. With two, kube-proxy spreads
 * connections over their ready pods, which is the split in Service mode
 * (where the planner apportioned the pod counts) and the in-cluster fallback
 * in the other modes.
 */
export function buildSharedService(isvc: DefaultedInferenceService, selects: readonly string[], bySplitLabel = false): V1Service {
  const base = buildService(isvc);
  const only = selects.length === 1 ? selects[0] : undefined;
  const narrow: Record<string, string> = only !== undefined ? { [REVISION_LABEL]: only } : bySplitLabel ? { [SPLIT_LABEL]: 'true' } : {};
  return { ...base, spec: { ...base.spec, selector: { ...selectorLabels(isvc.metadata), ...narrow } } };
}
