// Pieces every pod of the runtime image shares, whether it serves
// (deployment.ts) or scores a dataset (batch/job.ts): the hardened security
// contexts, the container resources with the operator defaults, and the
// model volume with the storage initializer that fetches into it. Pure.
import type { V1Container, V1PodSecurityContext, V1SecurityContext, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import type { ModelSpec } from '../api/types.ts';
import type { BuildConfig } from '../settings.ts';
import { MODEL_VOLUME, TMP_VOLUME } from '../names.ts';
import { SCRATCH_SIZE_LIMIT, storageSizing } from './model-volume.ts';
import { parseQuantity } from './quantity.ts';
import { FETCH_DIR, PVC_MOUNT, parseStorageUri } from './storage.ts';
import { buildStorageInitializer } from './storage-initializer.ts';

export const RUNTIME_USER = 1000;

export const CONTAINER_SECURITY: V1SecurityContext = {
  runAsNonRoot: true,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

export const POD_SECURITY: V1PodSecurityContext = {
  runAsNonRoot: true,
  runAsUser: RUNTIME_USER,
  runAsGroup: RUNTIME_USER,
  fsGroup: RUNTIME_USER,
  seccompProfile: { type: 'RuntimeDefault' },
};

export interface ContainerResources { requests: Record<string, string>; limits: Record<string, string> }

/** The model's resources over the operator defaults; a request above a default limit raises that limit. */
export function resourcesFor(spec: ModelSpec['resources'], config: BuildConfig, ephemeralLimit: string): ContainerResources {
  const own = spec ?? {};
  const str = (m: Record<string, number | string> | undefined): Record<string, string> =>
    Object.fromEntries(Object.entries(m ?? {}).map(([k, v]) => [k, String(v)]));
  const requests = { ...config.defaultResources.requests, ...str(own.requests) };
  const limits: Record<string, string> = { ...config.defaultResources.limits, 'ephemeral-storage': ephemeralLimit, ...str(own.limits) };
  // A request above the default limit would be rejected; raise the limit to match.
  for (const [name, value] of Object.entries(requests)) {
    const limit = limits[name];
    if (own.limits?.[name] === undefined && limit !== undefined && (parseQuantity(value) ?? 0) > (parseQuantity(limit) ?? 0)) limits[name] = value;
  }
  return { requests, limits };
}

export interface ModelStorage {
  /** What the runtime's --model-path names. */
  modelPath: string;
  /** The model volume and /tmp. */
  volumes: V1Volume[];
  /** The initializer's own volumes (a projected token), listed after every other volume of the pod. */
  initVolumes: V1Volume[];
  /** Mounts of the runtime container (the model read-only, /tmp). */
  mounts: V1VolumeMount[];
  /** The fetch, for every scheme but pvc://. */
  initContainers: V1Container[];
  resources: ContainerResources;
}

/**
 * Where the runtime finds the model: a pvc:// claim mounted read-only, or an
 * emptyDir (bounded) the storage initializer fetches into, with /tmp beside it
 * because the root filesystem is read-only.
 */
export function modelStorage(model: ModelSpec, image: string, config: BuildConfig): ModelStorage {
  const storage = parseStorageUri(model.storageUri);
  const sizing = storageSizing(model.resources?.limits?.['ephemeral-storage'], storage.kind === 'fetch', config.modelVolumeSizeLimit);
  const resources = resourcesFor(model.resources, config, sizing.ephemeralLimit);
  const volumes: V1Volume[] = [
    storage.kind === 'pvc'
      ? { name: MODEL_VOLUME, persistentVolumeClaim: { claimName: storage.claim, readOnly: true } }
      : { name: MODEL_VOLUME, emptyDir: { sizeLimit: sizing.modelSizeLimit } },
    { name: TMP_VOLUME, emptyDir: { sizeLimit: SCRATCH_SIZE_LIMIT } },
  ];
  const mounts: V1VolumeMount[] = [
    { name: MODEL_VOLUME, mountPath: storage.kind === 'pvc' ? PVC_MOUNT : FETCH_DIR, readOnly: true },
    { name: TMP_VOLUME, mountPath: '/tmp' },
  ];
  if (storage.kind === 'pvc') return { modelPath: storage.modelPath, volumes, initVolumes: [], mounts, initContainers: [], resources };
  const initializer = buildStorageInitializer(storage.uri, model, {
    ...config.storage,
    // A model larger than its volume would get the pod evicted mid-fetch; the fetch stops first, saying why.
    maxModelBytes: Math.min(config.storage.maxModelBytes, parseQuantity(sizing.modelSizeLimit) ?? Number.MAX_SAFE_INTEGER),
  }, {
    image,
    imagePullPolicy: 'IfNotPresent',
    securityContext: CONTAINER_SECURITY,
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '1Gi', 'ephemeral-storage': resources.limits['ephemeral-storage'] ?? sizing.ephemeralLimit } },
  }, [
    { name: MODEL_VOLUME, mountPath: FETCH_DIR },
    { name: TMP_VOLUME, mountPath: '/tmp' },
  ]);
  return { modelPath: storage.modelPath, volumes, initVolumes: initializer.volumes, mounts, initContainers: [initializer.container], resources };
}
