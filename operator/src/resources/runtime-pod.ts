// Pieces every pod of the runtime image shares, whether it serves
// (deployment.ts) or scores a dataset (batch/job.ts): the hardened security
// contexts, the container resources with the operator defaults, and the
// model volume with the storage initializer that fetches into it. Pure.
import type { V1Container, V1PodSecurityContext, V1SecurityContext, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import type { ModelSpec } from '../api/types.ts';
import type { BuildConfig } from '../settings.ts';
import { FALLBACK_INITIALIZER_NAME, FALLBACK_VOLUME, MODEL_VOLUME, STORAGE_INITIALIZER_NAME, TMP_VOLUME } from '../names.ts';
import { SCRATCH_SIZE_LIMIT, storageSizing } from './model-volume.ts';
import { parseQuantity } from './quantity.ts';
import { FALLBACK_DIR, FETCH_DIR, PVC_MOUNT, parseStorageUri, type Storage } from './storage.ts';
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
  /** What the runtime's --fallback-model-path names, when a fallback model is asked for. */
  fallbackModelPath: string | undefined;
  /** The model volume, a fallback model's volume and /tmp. */
  volumes: V1Volume[];
  /** The initializers' own volumes (a projected token), listed after every other volume of the pod. */
  initVolumes: V1Volume[];
  /** Mounts of the runtime container (the models read-only, /tmp). */
  mounts: V1VolumeMount[];
  /** The fetches, for every scheme but pvc://: the primary's, then the fallback model's. */
  initContainers: V1Container[];
  resources: ContainerResources;
}

/** Where one model goes in the pod: its volume, its mount for each kind of storage, its fetch's name. */
type Located = { volume: string; roots: { pvc: string; fetch: string }; initializer: string };
const PRIMARY: Located = { volume: MODEL_VOLUME, roots: { pvc: PVC_MOUNT, fetch: FETCH_DIR }, initializer: STORAGE_INITIALIZER_NAME };
const FALLBACK: Located = { volume: FALLBACK_VOLUME, roots: { pvc: FALLBACK_DIR, fetch: FALLBACK_DIR }, initializer: FALLBACK_INITIALIZER_NAME };

/** One model's volume and the runtime's read-only mount of it. */
function modelVolume(storage: Storage, at: Located, sizeLimit: string): { volume: V1Volume; mount: V1VolumeMount } {
  const mountPath = at.roots[storage.kind];
  return {
    volume: storage.kind === 'pvc'
      ? { name: at.volume, persistentVolumeClaim: { claimName: storage.claim, readOnly: true } }
      : { name: at.volume, emptyDir: { sizeLimit } },
    mount: { name: at.volume, mountPath, readOnly: true },
  };
}

/**
 * Where the runtime finds the model: a pvc:// claim mounted read-only, or an
 * emptyDir (bounded) the storage initializer fetches into, with /tmp beside it
 * because the root filesystem is read-only. A fallback model (`fallbackUri`)
 * gets its own volume the same way, at /mnt/fallback, and its own fetch with
 * the model's credentials and the operator's fetch policy: a tenant's
 * fallback URI is held to exactly what its primary URI is.
 */
export function modelStorage(model: ModelSpec, image: string, config: BuildConfig, fallbackUri?: string): ModelStorage {
  const primary = parseStorageUri(model.storageUri, PRIMARY.roots);
  const fallback = fallbackUri !== undefined ? parseStorageUri(fallbackUri, FALLBACK.roots) : undefined;
  const fetched = [primary, fallback].filter((s) => s?.kind === 'fetch').length;
  const sizing = storageSizing(model.resources?.limits?.['ephemeral-storage'], fetched, config.modelVolumeSizeLimit);
  const resources = resourcesFor(model.resources, config, sizing.ephemeralLimit);
  const own = modelVolume(primary, PRIMARY, sizing.modelSizeLimit);
  const second = fallback !== undefined ? modelVolume(fallback, FALLBACK, sizing.modelSizeLimit) : undefined;
  const volumes: V1Volume[] = [own.volume, ...(second !== undefined ? [second.volume] : []), { name: TMP_VOLUME, emptyDir: { sizeLimit: SCRATCH_SIZE_LIMIT } }];
  const mounts: V1VolumeMount[] = [own.mount, ...(second !== undefined ? [second.mount] : []), { name: TMP_VOLUME, mountPath: '/tmp' }];
  const storageConfig = {
    ...config.storage,
    // A model larger than its volume would get the pod evicted mid-fetch; the fetch stops first, saying why.
    maxModelBytes: Math.min(config.storage.maxModelBytes, parseQuantity(sizing.modelSizeLimit) ?? Number.MAX_SAFE_INTEGER),
  };
  const base = {
    image,
    imagePullPolicy: 'IfNotPresent',
    securityContext: CONTAINER_SECURITY,
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '1Gi', 'ephemeral-storage': resources.limits['ephemeral-storage'] ?? sizing.ephemeralLimit } },
  };
  const initContainers: V1Container[] = [];
  const initVolumes: V1Volume[] = [];
  for (const [storage, at] of [[primary, PRIMARY], [fallback, FALLBACK]] as const) {
    if (storage?.kind !== 'fetch') continue;
    const dest = at.roots.fetch;
    const initializer = buildStorageInitializer(storage.uri, model, storageConfig, base, [
      { name: at.volume, mountPath: dest },
      { name: TMP_VOLUME, mountPath: '/tmp' },
    ], { name: at.initializer, dest });
    initContainers.push(initializer.container);
    // Both fetches share one projected token volume.
    for (const v of initializer.volumes) if (!initVolumes.some((w) => w.name === v.name)) initVolumes.push(v);
  }
  return { modelPath: primary.modelPath, fallbackModelPath: fallback?.modelPath, volumes, initVolumes, mounts, initContainers, resources };
}
