// What the informer caches keep of each object: only the fields the
// reconciler reads. The operator runs with a 128 MB heap and caches every
// InferenceService and every predictor pod, so a full pod (its spec, a
// tenant's labels and annotations, managedFields) or an InferenceService's
// last-applied-configuration (a second copy of its spec) would multiply the
// cost per object. Pure transforms, applied as objects enter a cache.
import type { V1ContainerStatus, V1OwnerReference, V1Pod, V1PodCondition } from '@kubernetes/client-node';
import type { KubeObject } from '../kube/client.ts';
import { REVISION_LABEL } from '../canary/revision.ts';
import { ISVC_LABEL } from '../resources/labels.ts';
import { BATCH_LABEL } from '../batch/labels.ts';
import { BATCH_CONTAINER_NAME } from '../names.ts';
import { COMPLETION_INDEX_ANNOTATION, JOB_NAME_LABEL } from './batch-status.ts';

/** kubectl apply's copy of the whole object; never read here. */
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** Every cached kind: without managedFields and kubectl's last-applied copy. */
export function trimObject<T extends KubeObject>(object: T): T {
  const meta = object.metadata;
  if (meta === undefined) return object;
  const { managedFields: _m, ...rest } = meta;
  if (rest.annotations?.[LAST_APPLIED] !== undefined) {
    const { [LAST_APPLIED]: _l, ...annotations } = rest.annotations;
    rest.annotations = annotations;
  }
  return { ...object, metadata: rest };
}

const pick = <T extends object, K extends keyof T>(o: T | undefined, keys: readonly K[]): Pick<T, K> | undefined => {
  if (o === undefined) return undefined;
  const out = {} as Pick<T, K>;
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
};

const CONDITION_FIELDS = ['type', 'status', 'reason', 'message'] as const satisfies ReadonlyArray<keyof V1PodCondition>;
const CONTAINER_FIELDS = ['name', 'ready', 'restartCount', 'state', 'lastState'] as const satisfies ReadonlyArray<keyof V1ContainerStatus>;

/**
 * A predictor pod as the status and traffic code read it (controller/status.ts,
 * canary/observe.ts): identity, our two labels, deletion, and the status
 * phase, conditions and container states. No spec, no tenant labels or annotations.
 */
export function trimPod(pod: V1Pod): V1Pod {
  const m = pod.metadata ?? {};
  const labels = Object.fromEntries([ISVC_LABEL, REVISION_LABEL].flatMap((k) => (m.labels?.[k] === undefined ? [] : [[k, m.labels[k]]])));
  const s = pod.status ?? {};
  const status: V1Pod['status'] = {
    ...pick(s, ['phase', 'reason', 'message']),
    ...(s.conditions !== undefined ? { conditions: s.conditions.map((c) => pick(c, CONDITION_FIELDS) as V1PodCondition) } : {}),
    ...(s.initContainerStatuses !== undefined ? { initContainerStatuses: s.initContainerStatuses.map((c) => pick(c, CONTAINER_FIELDS) as V1ContainerStatus) } : {}),
    ...(s.containerStatuses !== undefined ? { containerStatuses: s.containerStatuses.map((c) => pick(c, CONTAINER_FIELDS) as V1ContainerStatus) } : {}),
  };
  return {
    metadata: { ...pick(m, ['name', 'namespace', 'uid', 'resourceVersion', 'deletionTimestamp']), labels },
    status,
  };
}

const BATCH_LABEL_KEYS = [BATCH_LABEL, JOB_NAME_LABEL];
const COMPLETION_INDEX = COMPLETION_INDEX_ANNOTATION;

/**
 * A batch shard pod as controller/batch-status.ts reads it: identity, the
 * BatchInference and Job labels, the completion index, the phase and the
 * batch container's terminated state (exit code, finish time, and the
 * termination message, which the kubelet caps at 4096 bytes).
 */
export function trimBatchPod(pod: V1Pod): V1Pod {
  const m = pod.metadata ?? {};
  const labels = Object.fromEntries(BATCH_LABEL_KEYS.flatMap((k) => (m.labels?.[k] === undefined ? [] : [[k, m.labels[k]]])));
  const index = m.annotations?.[COMPLETION_INDEX];
  const owner = m.ownerReferences?.find((r) => r.controller === true && r.kind === 'Job');
  const batch = pod.status?.containerStatuses?.find((c) => c.name === BATCH_CONTAINER_NAME);
  const terminated = batch?.state?.terminated;
  return {
    metadata: {
      ...pick(m, ['name', 'namespace', 'uid', 'resourceVersion', 'deletionTimestamp']), labels,
      ...(index !== undefined ? { annotations: { [COMPLETION_INDEX]: index } } : {}),
      // Labels are anyone's to set; the Job's controller reference is what ties a pod to a run.
      ...(owner !== undefined ? { ownerReferences: [pick(owner, ['apiVersion', 'kind', 'name', 'uid', 'controller'])] as V1OwnerReference[] } : {}),
    },
    status: {
      ...pick(pod.status, ['phase']),
      ...(terminated !== undefined ? { containerStatuses: [{ name: BATCH_CONTAINER_NAME, state: { terminated: pick(terminated, ['exitCode', 'finishedAt', 'message', 'reason']) } } as V1ContainerStatus] } : {}),
    },
  };
}

/** A Job as the batch status reads it: no pod template (the largest part), which it never reads. */
export function trimJob<T extends KubeObject & { spec?: { completions?: number; template?: unknown } }>(job: T): T {
  const trimmed = trimObject(job);
  if (trimmed.spec === undefined) return trimmed;
  const { template: _t, ...spec } = trimmed.spec;
  return { ...trimmed, spec } as T;
}
