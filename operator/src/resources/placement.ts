// GPU versus CPU: which image and execution providers a predictor runs with
// and which nodes it may land on. GPU nodes carry an nvidia.com/gpu:NoSchedule
// taint, so only pods given the toleration here can land there; CPU pods
// never get it.
import type { V1Toleration } from '@kubernetes/client-node';
import type { DefaultedPredictor } from '../api/types.ts';
import type { BuildConfig } from '../settings.ts';
import { parseQuantity } from './quantity.ts';

export const GPU_RESOURCE = 'nvidia.com/gpu';

export function gpuCount(predictor: Pick<DefaultedPredictor, 'model'>): number {
  const resources = predictor.model.resources;
  const asked = resources?.limits?.[GPU_RESOURCE] ?? resources?.requests?.[GPU_RESOURCE];
  return parseQuantity(asked) ?? 0;
}

export interface Placement {
  image: string;
  executionProviders: string;
  nodeSelector: Record<string, string> | undefined;
  tolerations: V1Toleration[] | undefined;
}

function withTag(image: string, tag: string | undefined): string {
  if (tag === undefined || tag === '') return image;
  const at = image.indexOf('@');
  const bare = at >= 0 ? image.slice(0, at) : image;
  const colon = bare.lastIndexOf(':');
  const repo = colon > bare.lastIndexOf('/') ? bare.slice(0, colon) : bare;
  return `${repo}:${tag}`;
}

/** Any pod spec with a model and placement fields: a predictor or a batch run. */
export type PlacementInput = Pick<DefaultedPredictor, 'model' | 'nodeSelector' | 'tolerations' | 'acceleratorType'>;

export function placementFor(predictor: PlacementInput, config: BuildConfig): Placement {
  const userSelector = predictor.nodeSelector ?? {};
  const userTolerations = (predictor.tolerations ?? []) as V1Toleration[];
  if (gpuCount(predictor) <= 0) {
    return {
      image: withTag(config.runtimeImage, predictor.model.runtimeVersion),
      executionProviders: 'cpu',
      nodeSelector: Object.keys(userSelector).length > 0 ? { ...userSelector } : undefined,
      tolerations: userTolerations.length > 0 ? userTolerations : undefined,
    };
  }
  const accelerator = predictor.acceleratorType === undefined ? {} : { [config.placement.acceleratorLabel]: predictor.acceleratorType };
  const key = config.placement.gpuTolerationKey;
  const hasGpuToleration = userTolerations.some((t) => t.key === key && (t.effect === undefined || t.effect === 'NoSchedule'));
  return {
    image: withTag(config.gpuRuntimeImage, predictor.model.runtimeVersion),
    executionProviders: 'cuda,cpu',
    // The user's selector wins over the operator's defaults for the same key.
    nodeSelector: { ...config.placement.gpuNodeSelector, ...accelerator, ...userSelector },
    tolerations: hasGpuToleration ? userTolerations : [...userTolerations, { key, operator: 'Exists', effect: 'NoSchedule' }],
  };
}
