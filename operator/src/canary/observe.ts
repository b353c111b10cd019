// What the reconciler observed, in the planner's terms, and the plan turned
// back into status: revisions are read from the owned Deployments and
// Services carrying a revision label (their recorded spec) and from the
// predictor pods (readiness, load failures); the last status says which
// revision is rolled out and who had which share.
import type { V1Pod } from '@kubernetes/client-node';
import type { InferenceServiceStatus, PredictorStatus } from '../api/types.ts';
import { podModelState } from '../pod-state.ts';
import type { KubeObject } from '../kube/client.ts';
import type { ObservedRevision, PreviousStatus, TrafficPlan } from './plan.ts';
import { readRevisionSpec, REVISION_LABEL } from './revision.ts';

export const revisionOf = (o: KubeObject): string | undefined => o.metadata?.labels?.[REVISION_LABEL];

/** Revisions from owned children (the first object with a readable spec wins) and their pods. */
export function observeRevisions(children: readonly KubeObject[], pods: readonly V1Pod[]): ObservedRevision[] {
  const byName = new Map<string, ObservedRevision>();
  for (const child of children) {
    const name = revisionOf(child);
    if (name === undefined) continue;
    const known = byName.get(name);
    const predictor = known?.predictor ?? readRevisionSpec(child.metadata?.annotations);
    byName.set(name, { name, predictor, readyPods: 0 });
  }
  for (const pod of pods) {
    const name = revisionOf(pod);
    if (name === undefined || pod.metadata?.deletionTimestamp !== undefined) continue;
    // Pods may be seen before their Deployment reaches the cache.
    let revision = byName.get(name);
    if (revision === undefined) byName.set(name, (revision = { name, predictor: undefined, readyPods: 0 }));
    const state = podModelState(pod);
    if (state.state === 'Loaded') revision.readyPods++;
    if (state.state === 'FailedToLoad' && revision.failure === undefined && state.failure !== undefined) revision.failure = state.failure;
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

export function previousStatus(status: InferenceServiceStatus | undefined): PreviousStatus {
  const p = status?.components?.predictor;
  const percents: Record<string, number> = {};
  for (const t of p?.traffic ?? []) if (t.revisionName !== undefined) percents[t.revisionName] = t.percent ?? 0;
  return {
    ...(p?.latestRolledoutRevision !== undefined ? { latestRolledoutRevision: p.latestRolledoutRevision } : {}),
    ...(p?.previousRolledoutRevision !== undefined ? { previousRolledoutRevision: p.previousRolledoutRevision } : {}),
    ...(p?.rollbackWindow !== undefined ? { rollbackWindow: p.rollbackWindow } : {}),
    percents,
  };
}

/** status.components.predictor: the plan's revisions and traffic, each entry with the URL of its own Service. */
export function predictorStatus(plan: TrafficPlan, url: string, revisionUrl: (revision: string) => string): PredictorStatus {
  return {
    url,
    ...plan.status,
    traffic: plan.status.traffic.map((t) => ({ ...t, url: revisionUrl(t.revisionName ?? '') })),
    ...(plan.status.shadow !== undefined ? { shadow: { ...plan.status.shadow, url: revisionUrl(plan.status.shadow.revisionName ?? '') } } : {}),
  };
}

/** Pods of the revisions with a share: the model that is serving now. */
export function servingPods(plan: TrafficPlan, pods: readonly V1Pod[]): V1Pod[] {
  const serving = new Set(plan.revisions.filter((r) => r.percent > 0).map((r) => r.name));
  return pods.filter((p) => serving.has(revisionOf(p) ?? ''));
}

export function latestPods(plan: TrafficPlan, pods: readonly V1Pod[]): V1Pod[] {
  return pods.filter((p) => revisionOf(p) === plan.latest);
}

