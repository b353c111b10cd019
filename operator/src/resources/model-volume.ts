// Local disk of a model server pod. A fetched model lands in an emptyDir on
// the node's disk; without bounds one large (or hostile) storageUri fills the
// node and gets other tenants' pods evicted. The model volume gets a
// sizeLimit and every container an ephemeral-storage limit, so the kubelet
// evicts only the pod that overflows and the scheduler reserves the disk.
import { parseQuantity } from './quantity.ts';

/** /tmp of the runtime and the fetch (the root filesystem is read-only); also covers container logs. */
export const SCRATCH_SIZE_LIMIT = '1Gi';

const MI = 2 ** 20;

export interface StorageSizing {
  /** sizeLimit of the model emptyDir (unused for pvc models). */
  modelSizeLimit: string;
  /** Default ephemeral-storage limit of the containers: the model plus scratch. */
  ephemeralLimit: string;
}

/**
 * `specLimit` is the spec's own ephemeral-storage limit, which sizes both (the
 * per-model override: it then bounds the pod's whole disk, every fetched model
 * and scratch together); otherwise the operator's setting for each of the
 * `fetched` models (the primary and a fallback model, each in its own
 * emptyDir) plus scratch space, or scratch alone when no model is fetched.
 */
export function storageSizing(specLimit: number | string | undefined, fetched: number, configured: string): StorageSizing {
  if (specLimit !== undefined) return { modelSizeLimit: String(specLimit), ephemeralLimit: String(specLimit) };
  const bytes = fetched * (parseQuantity(configured) ?? 0) + (parseQuantity(SCRATCH_SIZE_LIMIT) ?? 0);
  return { modelSizeLimit: configured, ephemeralLimit: `${Math.ceil(bytes / MI)}Mi` };
}
