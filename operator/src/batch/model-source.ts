// Which model a run scores with. With spec.model, that block. With
// inferenceServiceRef, the revision the InferenceService has rolled out
// (status.components.predictor.latestRolledoutRevision: the one that took all
// the traffic last) and the model block recorded on that revision's
// Deployment (canary/revision.ts), so "score with what production serves" is
// exactly the artifact and settings production serves. Pure.
import type { V1Deployment } from '@kubernetes/client-node';
import type { DefaultedBatchSpec } from '../api/batch-types.ts';
import type { InferenceService, ModelSpec } from '../api/types.ts';
import { readRevisionSpec } from '../canary/revision.ts';

export type ModelSource =
  | { ok: true; model: ModelSpec; revision?: string; description: string }
  | { ok: false; reason: 'InferenceServiceNotFound' | 'NoRolledOutRevision' | 'RevisionNotFound'; message: string };

export interface ModelLookup {
  inferenceService(name: string): InferenceService | undefined;
  /** The Deployment of a revision (named after the revision). */
  revisionDeployment(name: string): V1Deployment | undefined;
}

/**
 * `pinned`: the revision a run already started with (recorded in status), so
 * a re-created Job resumes with the same model even after a promotion.
 */
export function resolveModel(spec: Pick<DefaultedBatchSpec, 'model' | 'inferenceServiceRef'>, lookup: ModelLookup, pinned?: string): ModelSource {
  if (spec.model !== undefined) return { ok: true, model: spec.model, description: spec.model.storageUri };
  const name = spec.inferenceServiceRef?.name ?? '';
  const isvc = lookup.inferenceService(name);
  if (isvc === undefined) return { ok: false, reason: 'InferenceServiceNotFound', message: `InferenceService ${name} does not exist in this namespace` };
  const revision = pinned ?? isvc.status?.components?.predictor?.latestRolledoutRevision;
  if (revision === undefined) return { ok: false, reason: 'NoRolledOutRevision', message: `InferenceService ${name} has not rolled out a revision yet` };
  const predictor = readRevisionSpec(lookup.revisionDeployment(revision)?.metadata?.annotations);
  if (predictor === undefined) return { ok: false, reason: 'RevisionNotFound', message: `revision ${revision} of InferenceService ${name} has no Deployment recording its spec` };
  return { ok: true, model: predictor.model, revision, description: `${name}/${revision}` };
}
