// A predictor pod's model state (Pending, Loading, Loaded, FailedToLoad and
// why), read from its container statuses. A leaf shared by the canary
// observer (ready pods per revision) and the status setters.
import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import type { FailureInfo, ModelStatus } from './api/types.ts';

export type ModelState = NonNullable<NonNullable<ModelStatus['states']>['activeModelState']>;

// Waiting reasons that mean the container will not come up without a change.
const FAILED_WAITING = new Set(['CrashLoopBackOff', 'ImagePullBackOff', 'ErrImagePull', 'InvalidImageName', 'CreateContainerConfigError', 'CreateContainerError', 'RunContainerError']);

function containerFailure(pod: V1Pod, status: V1ContainerStatus): FailureInfo | undefined {
  const waiting = status.state?.waiting;
  const terminated = status.state?.terminated ?? (waiting !== undefined ? status.lastState?.terminated : undefined);
  const failedExit = terminated !== undefined && terminated.exitCode !== 0;
  if (!failedExit && !(waiting?.reason !== undefined && FAILED_WAITING.has(waiting.reason))) return undefined;
  const location = `pod/${pod.metadata?.name ?? ''}/${status.name}`;
  if (failedExit) {
    return {
      // The terminated state carries the cause (Error, OOMKilled) and, with
      // FallbackToLogsOnError, the runtime's last log lines.
      reason: terminated.reason ?? waiting?.reason ?? 'Error',
      message: (terminated.message ?? waiting?.message ?? '').trim() || `exited with code ${terminated.exitCode}`,
      exitCode: terminated.exitCode,
      location,
      ...(terminated.finishedAt !== undefined ? { time: new Date(terminated.finishedAt).toISOString() } : {}),
    };
  }
  return { reason: waiting?.reason ?? 'Failed', message: waiting?.message ?? '', location };
}

export type PodState = { state: ModelState; failure?: FailureInfo; pendingMessage?: string };

export function podModelState(pod: V1Pod): PodState {
  const status = pod.status ?? {};
  for (const c of [...(status.initContainerStatuses ?? []), ...(status.containerStatuses ?? [])]) {
    const failure = containerFailure(pod, c);
    if (failure !== undefined) return { state: 'FailedToLoad', failure };
  }
  if (status.phase === 'Failed') return { state: 'FailedToLoad', failure: { reason: status.reason ?? 'PodFailed', message: status.message ?? '', location: `pod/${pod.metadata?.name ?? ''}` } };
  const conditions = status.conditions ?? [];
  if (conditions.some((c) => c.type === 'Ready' && c.status === 'True')) return { state: 'Loaded' };
  const scheduled = conditions.find((c) => c.type === 'PodScheduled');
  if (scheduled?.status === 'True') return { state: 'Loading' };
  return { state: 'Pending', pendingMessage: scheduled?.message };
}
