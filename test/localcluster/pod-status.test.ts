import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildPodStatus, crashBackoffMs, podPhase, terminalSnapshot, type ContainerSnapshot, type PodSnapshot } from './pod-status.ts';

const t0 = new Date('2026-01-01T00:00:00Z');
const t1 = new Date('2026-01-01T00:00:10Z');
const t2 = new Date('2026-01-01T00:00:20Z');

const running = (over: Partial<ContainerSnapshot> = {}): ContainerSnapshot => ({
  name: 'model-server', image: 'img', state: { kind: 'running', startedAt: t0 }, restartCount: 0, ready: false, started: true, ...over,
});
const pod = (over: Partial<PodSnapshot> = {}): PodSnapshot => ({
  podIP: '127.20.0.1', startTime: t0, initContainers: [], containers: [running()], initialized: true, ...over,
});
const cond = (status: ReturnType<typeof buildPodStatus>, type: string) => status.conditions?.find((c) => c.type === type);

test('a running, unready container: Running, Ready False with the kubelet reason', () => {
  const s = buildPodStatus(pod(), t1);
  assert.equal(s.phase, 'Running');
  assert.equal(s.podIP, '127.20.0.1');
  assert.deepEqual(s.podIPs, [{ ip: '127.20.0.1' }]);
  assert.equal(cond(s, 'PodScheduled')?.status, 'True');
  assert.equal(cond(s, 'Initialized')?.status, 'True');
  assert.equal(cond(s, 'Ready')?.status, 'False');
  assert.equal(cond(s, 'Ready')?.reason, 'ContainersNotReady');
  assert.equal(cond(s, 'ContainersReady')?.message, 'containers with unready status: [model-server]');
  assert.deepEqual(s.containerStatuses?.[0]?.state, { running: { startedAt: t0 } });
});

test('Ready keeps its transition time while unchanged and moves it on a change', () => {
  const first = buildPodStatus(pod({ containers: [running({ ready: true })] }), t1);
  assert.equal(cond(first, 'Ready')?.status, 'True');
  const same = buildPodStatus(pod({ containers: [running({ ready: true })] }), t2, first);
  assert.deepEqual(cond(same, 'Ready')?.lastTransitionTime, t1);
  const flipped = buildPodStatus(pod(), t2, first);
  assert.deepEqual(cond(flipped, 'Ready')?.lastTransitionTime, t2);
});

test('crash loop: waiting CrashLoopBackOff, restartCount and lastState terminated with exit code', () => {
  const last = { kind: 'terminated' as const, exitCode: 1, reason: 'Error', message: 'model failed to load', startedAt: t0, finishedAt: t1 };
  const s = buildPodStatus(pod({
    containers: [running({ state: { kind: 'waiting', reason: 'CrashLoopBackOff', message: 'back-off 10s' }, restartCount: 2, lastTerminated: last, started: false })],
  }), t2);
  assert.equal(s.phase, 'Running');
  const c = s.containerStatuses?.[0];
  assert.equal(c?.restartCount, 2);
  assert.deepEqual(c?.state, { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s' } });
  assert.deepEqual(c?.lastState, { terminated: { exitCode: 1, reason: 'Error', message: 'model failed to load', startedAt: t0, finishedAt: t1 } });
});

test('init containers gate Initialized and the phase', () => {
  const init = running({ name: 'storage-initializer' });
  const s = buildPodStatus(pod({ initialized: false, initContainers: [init], containers: [running({ state: { kind: 'waiting', reason: 'PodInitializing' } })] }), t1);
  assert.equal(s.phase, 'Pending');
  assert.equal(cond(s, 'Initialized')?.status, 'False');
  assert.equal(cond(s, 'Initialized')?.message, 'containers with incomplete status: [storage-initializer]');
  assert.equal(s.initContainerStatuses?.length, 1);
});

test('an unsupported pod stays Pending and says why', () => {
  const s = buildPodStatus(pod({
    podIP: undefined,
    unsupported: { reason: 'UnsupportedImage', message: 'nginx cannot run here' },
    containers: [running({ state: { kind: 'waiting', reason: 'UnsupportedImage', message: 'nginx cannot run here' }, started: false })],
  }), t1);
  assert.equal(s.phase, 'Pending');
  assert.equal(s.reason, 'UnsupportedImage');
  assert.equal(s.podIP, undefined);
  assert.equal(podPhase(pod({ finished: 'Failed' })), 'Failed');
});

test('crash back-off: immediate, then doubling to the cap', () => {
  assert.deepEqual([0, 1, 2, 3, 4, 5, 10].map((n) => crashBackoffMs(n, 10_000, 60_000)), [0, 10_000, 20_000, 40_000, 60_000, 60_000, 60_000]);
});

test('a pod stopped for deletion turns terminal: Failed unless every container exited 0; one that never ran is ContainerStatusUnknown', () => {
  const exited = (exitCode: number) => running({ state: { kind: 'terminated', exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', startedAt: t0, finishedAt: t1 } });
  const clean = buildPodStatus(terminalSnapshot(pod({ containers: [exited(0)] }), t2), t2);
  assert.equal(clean.phase, 'Succeeded');
  const killed = buildPodStatus(terminalSnapshot(pod({ containers: [exited(143)] }), t2), t2);
  assert.equal(killed.phase, 'Failed');
  assert.equal(killed.containerStatuses?.[0]?.state?.terminated?.exitCode, 143);
  assert.equal(cond(killed, 'Ready')?.status, 'False');
  const waiting = terminalSnapshot(pod({ containers: [exited(0), running({ name: 'b', state: { kind: 'waiting', reason: 'CrashLoopBackOff' } })] }), t2);
  assert.equal(podPhase(waiting), 'Failed');
  assert.deepEqual(buildPodStatus(waiting, t2).containerStatuses?.[1]?.state, {
    terminated: { exitCode: 137, reason: 'ContainerStatusUnknown', message: 'The container could not be located when the pod was terminated', startedAt: t2, finishedAt: t2 },
  });
  assert.equal(podPhase(terminalSnapshot(pod({ initialized: false, containers: [exited(0)] }), t2)), 'Failed', 'init containers never completed');
  const done = pod({ containers: [exited(0)], finished: 'Failed' });
  assert.equal(terminalSnapshot(done, t2), done, 'an already finished pod keeps its phase');
});
