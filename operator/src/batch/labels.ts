// Labels and the owner reference of a BatchInference's children (Job,
// CronJob, shard pods). The batch label maps a Job or pod back to its
// BatchInference; the operator's informers select on managed-by plus it.
import type { V1OwnerReference } from '@kubernetes/client-node';
import { BATCH_API_VERSION, BATCH_KIND } from '../api/batch-schema.ts';
import type { BatchInference } from '../api/batch-types.ts';
import { MANAGED_BY, MANAGED_SELECTOR } from '../resources/labels.ts';

export const BATCH_LABEL = 'serving.modelship.io/batchinference';
/** Jobs, CronJobs and shard pods of BatchInferences. */
export const BATCH_SELECTOR = `${MANAGED_SELECTOR},${BATCH_LABEL}`;

type Meta = Pick<BatchInference['metadata'], 'name' | 'namespace' | 'uid'>;

export function batchLabels(bi: Meta): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'modelship-batch',
    'app.kubernetes.io/instance': bi.name,
    'app.kubernetes.io/component': 'batch',
    'app.kubernetes.io/part-of': 'modelship',
    'app.kubernetes.io/managed-by': MANAGED_BY,
    [BATCH_LABEL]: bi.name,
  };
}

export function batchOwnerReference(bi: Meta): V1OwnerReference {
  return { apiVersion: BATCH_API_VERSION, kind: BATCH_KIND, name: bi.name, uid: bi.uid ?? '', controller: true, blockOwnerDeletion: true };
}

export function batchChildMeta(bi: Meta, name: string): { name: string; namespace: string; labels: Record<string, string>; ownerReferences: V1OwnerReference[] } {
  return { name, namespace: bi.namespace, labels: batchLabels(bi), ownerReferences: [batchOwnerReference(bi)] };
}
