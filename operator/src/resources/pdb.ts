// Desired PodDisruptionBudget of the model server pods. A node drain or a
// cluster autoscaler scale-down evicts pods through the eviction API; without
// a budget it may take every replica of a model at once. maxUnavailable 1
// lets drains proceed one pod at a time (a minAvailable budget would block a
// drain for good when the only pod cannot be replaced), and unhealthy pods
// (a model that never loads) may always be evicted, so a broken model never
// holds a node. The budget exists only while more than one pod may run.
import type { V1PodDisruptionBudget } from '@kubernetes/client-node';
import type { DefaultedInferenceService, DefaultedPredictor } from '../api/types.ts';
import { deploymentName } from '../names.ts';
import { autoscaled } from './hpa.ts';
import { childMeta, selectorLabels } from './labels.ts';

/** The most pods the predictor may run: maxReplicas when an autoscaler owns the count, else minReplicas. */
export function mostPods(predictor: DefaultedPredictor): number {
  return autoscaled(predictor) ? (predictor.maxReplicas ?? predictor.minReplicas) : predictor.minReplicas;
}

/** undefined when at most one pod runs: a budget would then protect nothing. */
export function buildPdb(isvc: DefaultedInferenceService): V1PodDisruptionBudget | undefined {
  if (mostPods(isvc.spec.predictor) <= 1) return undefined;
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: childMeta(isvc.metadata, deploymentName(isvc.metadata.name)),
    spec: {
      maxUnavailable: 1,
      selector: { matchLabels: selectorLabels(isvc.metadata) },
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
    },
  };
}
