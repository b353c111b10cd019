// The Pod status a kubelet would report, built from what the node agent
// observed of its processes. Pure, so every state the operator reads (phase,
// conditions, containerStatuses with restartCount and lastState) is tested
// without running anything. Transition times are kept from the previous status
// while a condition's value does not change, as the kubelet does.
import type { V1ContainerStatus, V1PodCondition, V1PodStatus } from '@kubernetes/client-node';

export type ContainerState =
  | { kind: 'waiting'; reason: string; message?: string }
  | { kind: 'running'; startedAt: Date }
  | { kind: 'terminated'; exitCode: number; signal?: string; reason: string; message?: string; startedAt: Date; finishedAt: Date };

export interface ContainerSnapshot {
  name: string;
  image: string;
  state: ContainerState;
  /** The previous run, once the container has restarted. */
  lastTerminated?: Extract<ContainerState, { kind: 'terminated' }>;
  restartCount: number;
  ready: boolean;
  /** Startup probe passed (or there is none) while running. */
  started: boolean;
}

export interface PodSnapshot {
  podIP: string | undefined;
  startTime: Date;
  initContainers: ContainerSnapshot[];
  containers: ContainerSnapshot[];
  /** All init containers completed. */
  initialized: boolean;
  /** Set when the pod can never run here (unsupported image or volume). */
  unsupported?: { reason: string; message: string };
  /** restartPolicy Never/OnFailure ended the pod. */
  finished?: 'Succeeded' | 'Failed';
}

function containerStatus(c: ContainerSnapshot): V1ContainerStatus {
  const state = c.state;
  const terminated = (t: Extract<ContainerState, { kind: 'terminated' }>) => ({
    exitCode: t.exitCode,
    reason: t.reason,
    ...(t.message !== undefined ? { message: t.message } : {}),
    startedAt: t.startedAt,
    finishedAt: t.finishedAt,
    ...(t.signal !== undefined ? { signal: signalNumber(t.signal) } : {}),
  });
  return {
    name: c.name,
    image: c.image,
    imageID: '',
    ready: c.ready,
    started: state.kind === 'running' && c.started,
    restartCount: c.restartCount,
    state: state.kind === 'waiting'
      ? { waiting: { reason: state.reason, ...(state.message !== undefined ? { message: state.message } : {}) } }
      : state.kind === 'running'
        ? { running: { startedAt: state.startedAt } }
        : { terminated: terminated(state) },
    lastState: c.lastTerminated !== undefined ? { terminated: terminated(c.lastTerminated) } : {},
  };
}

const SIGNALS: Record<string, number> = { SIGKILL: 9, SIGTERM: 15, SIGINT: 2, SIGABRT: 6, SIGSEGV: 11 };
const signalNumber = (name: string): number => SIGNALS[name] ?? 0;

export function podPhase(s: PodSnapshot): string {
  if (s.finished !== undefined) return s.finished;
  if (s.unsupported !== undefined || !s.initialized) return 'Pending';
  // Running once every container has been started; a restarting container keeps the pod Running.
  const everStarted = s.containers.every((c) => c.state.kind !== 'waiting' || c.restartCount > 0);
  return everStarted ? 'Running' : 'Pending';
}

function condition(type: string, ok: boolean, now: Date, previous: readonly V1PodCondition[] | undefined, reason?: string, message?: string): V1PodCondition {
  const status = ok ? 'True' : 'False';
  const before = previous?.find((c) => c.type === type);
  return {
    type,
    status,
    lastTransitionTime: before?.status === status && before.lastTransitionTime !== undefined ? before.lastTransitionTime : now,
    ...(!ok && reason !== undefined ? { reason, message } : {}),
  };
}

export function buildPodStatus(s: PodSnapshot, now: Date, previous?: V1PodStatus): V1PodStatus {
  const prev = previous?.conditions;
  const notReady = s.containers.filter((c) => !c.ready).map((c) => c.name);
  const incomplete = s.initContainers.filter((c) => c.state.kind !== 'terminated' || c.state.exitCode !== 0).map((c) => c.name);
  const containersReady = notReady.length === 0 && s.finished === undefined;
  const conditions = [
    condition('PodScheduled', true, now, prev),
    condition('Initialized', s.initialized, now, prev, 'ContainersNotInitialized', `containers with incomplete status: [${incomplete.join(' ')}]`),
    condition('ContainersReady', containersReady, now, prev, 'ContainersNotReady', `containers with unready status: [${notReady.join(' ')}]`),
    condition('Ready', containersReady, now, prev, 'ContainersNotReady', `containers with unready status: [${notReady.join(' ')}]`),
  ];
  return {
    phase: podPhase(s),
    conditions,
    hostIP: '127.0.0.1',
    hostIPs: [{ ip: '127.0.0.1' }],
    ...(s.podIP !== undefined ? { podIP: s.podIP, podIPs: [{ ip: s.podIP }] } : {}),
    startTime: s.startTime,
    ...(s.unsupported !== undefined ? { reason: s.unsupported.reason, message: s.unsupported.message } : {}),
    ...(s.initContainers.length > 0 ? { initContainerStatuses: s.initContainers.map(containerStatus) } : {}),
    containerStatuses: s.containers.map(containerStatus),
  };
}

/** What the kubelet reports for a container it finds no trace of once the pod is terminated. */
const NOT_LOCATED = { exitCode: 137, reason: 'ContainerStatusUnknown', message: 'The container could not be located when the pod was terminated' };

/**
 * A pod whose containers have all been stopped because it is being deleted:
 * as a kubelet (1.27 and later) does before the final delete, the pod gets a
 * terminal phase, Succeeded when every container exited 0 and Failed
 * otherwise, and a container that never ran (or was waiting to restart) is
 * reported terminated with ContainerStatusUnknown. A Job with a
 * podFailurePolicy counts a deleted pod, and replaces it, only once it is
 * terminal. A pod already finished is returned as it is.
 */
export function terminalSnapshot(s: PodSnapshot, now: Date): PodSnapshot {
  if (s.finished !== undefined) return s;
  const stopped = (c: ContainerSnapshot): ContainerSnapshot => {
    if (c.state.kind === 'terminated') return { ...c, ready: false, started: false };
    const startedAt = c.state.kind === 'running' ? c.state.startedAt : now;
    return { ...c, ready: false, started: false, state: { kind: 'terminated', ...NOT_LOCATED, startedAt, finishedAt: now } };
  };
  const initContainers = s.initContainers.map(stopped);
  const containers = s.containers.map(stopped);
  const succeeded = s.initialized && containers.every((c) => c.state.kind === 'terminated' && c.state.exitCode === 0);
  return { ...s, initContainers, containers, finished: succeeded ? 'Succeeded' : 'Failed' };
}

/**
 * Kubelet's crash-loop back-off: the first restart is immediate, then the
 * delay doubles from `baseMs` up to `capMs` (10 s and 300 s in a kubelet).
 */
export function crashBackoffMs(previousCrashes: number, baseMs: number, capMs: number): number {
  if (previousCrashes <= 0) return 0;
  return Math.min(capMs, baseMs * 2 ** Math.min(previousCrashes - 1, 30));
}
