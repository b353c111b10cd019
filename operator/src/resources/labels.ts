// Labels and owner references shared by every child object. The selector is a
// strict subset of the labels so that adding a label never orphans pods
// (Deployment selectors are immutable).
import type { V1OwnerReference } from '@kubernetes/client-node';
import { API_VERSION, KIND } from '../api/schema.ts';
import type { InferenceService } from '../api/types.ts';

export const ISVC_LABEL = 'serving.modelship.io/inferenceservice';
export const COMPONENT_LABEL = 'serving.modelship.io/component';
export const MANAGED_BY = 'modelship-operator';
/** Informers watch only objects carrying this label and value. */
export const MANAGED_SELECTOR = `app.kubernetes.io/managed-by=${MANAGED_BY}`;

type Meta = Pick<InferenceService['metadata'], 'name' | 'namespace' | 'uid'>;

export function selectorLabels(isvc: Meta): Record<string, string> {
  return { [ISVC_LABEL]: isvc.name, [COMPONENT_LABEL]: 'predictor' };
}

export function childLabels(isvc: Meta): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'modelship-predictor',
    'app.kubernetes.io/instance': isvc.name,
    'app.kubernetes.io/component': 'predictor',
    'app.kubernetes.io/part-of': 'modelship',
    'app.kubernetes.io/managed-by': MANAGED_BY,
    ...selectorLabels(isvc),
  };
}

export function ownerReference(isvc: Meta): V1OwnerReference {
  return { apiVersion: API_VERSION, kind: KIND, name: isvc.name, uid: isvc.uid ?? '', controller: true, blockOwnerDeletion: true };
}

export function childMeta(isvc: Meta, name: string): { name: string; namespace: string; labels: Record<string, string>; ownerReferences: V1OwnerReference[] } {
  return { name, namespace: isvc.namespace, labels: childLabels(isvc), ownerReferences: [ownerReference(isvc)] };
}
