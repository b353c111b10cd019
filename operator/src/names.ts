// Names of everything the operator creates, in one place, with the DNS length
// limits checked here rather than discovered as API errors later.
import { createHash } from 'node:crypto';

/** DNS-1035 label limit, which Service names must meet (and the tightest we hit). */
export const DNS_LABEL_MAX = 63;

/**
 * `<base>-<suffix>`, shortened with a stable hash when it would exceed the
 * DNS label limit. The CRD caps InferenceService names so that this does not
 * happen for valid objects; the hash only protects objects stored before that.
 */
export function childName(base: string, suffix: string): string {
  const name = suffix === '' ? base : `${base}-${suffix}`;
  if (name.length <= DNS_LABEL_MAX) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  const room = DNS_LABEL_MAX - hash.length - 1 - (suffix === '' ? 0 : suffix.length + 1);
  const head = base.slice(0, room).replace(/-+$/, '');
  return suffix === '' ? `${head}-${hash}` : `${head}-${hash}-${suffix}`;
}

export const deploymentName = (isvc: string): string => childName(isvc, 'predictor');
export const hpaName = (isvc: string): string => childName(isvc, 'predictor');
/** The Service keeps the InferenceService's own name, so the URL is http://<name>.<ns>.svc... */
export const serviceName = (isvc: string): string => childName(isvc, '');

/** A run's Job and a schedule's CronJob keep the BatchInference's name (the CRD caps it at 45 characters). */
export const batchJobName = (bi: string): string => childName(bi, '');
export const batchCronJobName = (bi: string): string => childName(bi, '');
/** The container of a batch shard pod: the runtime's `batch` subcommand. */
export const BATCH_CONTAINER_NAME = 'batch';

/** Names of the containers and volumes inside the predictor pod. */
export const CONTAINER_NAME = 'model-server';
export const STORAGE_INITIALIZER_NAME = 'storage-initializer';
/** The second fetch, of spec.predictor.fallback.storageUri. */
export const FALLBACK_INITIALIZER_NAME = 'fallback-initializer';
export const MODEL_VOLUME = 'model';
export const FALLBACK_VOLUME = 'fallback-model';
export const TMP_VOLUME = 'tmp';
export const LOGGER_VOLUME = 'logger';

export const FIELD_MANAGER = 'modelship-operator';
/** Holds a Deployment's replicas while an HPA takes them over (see Reconciler#handOverReplicas). */
export const HANDOVER_FIELD_MANAGER = 'modelship-operator-handover';
export const LEASE_NAME = 'modelship-operator-leader';
