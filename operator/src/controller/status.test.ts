import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import { podModelState } from '../pod-state.ts';
import { computeModelStatus, computeStatus, setCondition } from './status.ts';

const pod = (status: V1Pod['status'], deleting = false): V1Pod => ({
  metadata: { name: 'p', ...(deleting ? { deletionTimestamp: new Date() } : {}) }, status,
});
const scheduled = { type: 'PodScheduled', status: 'True' };

test('setCondition keeps lastTransitionTime unless the status flips', () => {
  let conditions = setCondition([], { type: 'Ready', status: 'False', reason: 'A' }, 't1');
  conditions = setCondition(conditions, { type: 'Ready', status: 'False', reason: 'B' }, 't2');
  assert.equal(conditions[0]!.lastTransitionTime, 't1');
  assert.equal(conditions[0]!.reason, 'B');
  conditions = setCondition(conditions, { type: 'Ready', status: 'True' }, 't3');
  assert.equal(conditions[0]!.lastTransitionTime, 't3');
  assert.equal(conditions.length, 1);
});

test('pod model state from pod and container state', () => {
  const cases: Array<[string, V1Pod['status'], string, string?]> = [
    ['unscheduled', { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', message: '0/2 nodes are available' }] }, 'Pending'],
    ['fetching', { phase: 'Pending', conditions: [scheduled], initContainerStatuses: [{ name: 'storage-initializer', ready: false, restartCount: 0, image: '', imageID: '', state: { running: {} } }] }, 'Loading'],
    ['fetch failed', { phase: 'Pending', conditions: [scheduled], initContainerStatuses: [{ name: 'storage-initializer', ready: false, restartCount: 1, image: '', imageID: '', state: { terminated: { exitCode: 2, reason: 'Error', message: 'NoSuchKey' } } }] }, 'FailedToLoad', 'NoSuchKey'],
    ['image pull', { phase: 'Pending', conditions: [scheduled], containerStatuses: [{ name: 'model-server', ready: false, restartCount: 0, image: '', imageID: '', state: { waiting: { reason: 'ImagePullBackOff', message: 'no such image' } } }] }, 'FailedToLoad', 'no such image'],
    ['oom', { phase: 'Running', conditions: [scheduled], containerStatuses: [{ name: 'model-server', ready: false, restartCount: 1, image: '', imageID: '', state: { terminated: { exitCode: 137, reason: 'OOMKilled' } } }] }, 'FailedToLoad', 'exited with code 137'],
    ['ready', { phase: 'Running', conditions: [scheduled, { type: 'Ready', status: 'True' }] }, 'Loaded'],
    ['running, not ready', { phase: 'Running', conditions: [scheduled, { type: 'Ready', status: 'False' }] }, 'Loading'],
  ];
  for (const [name, status, state, message] of cases) {
    const s = podModelState(pod(status));
    assert.equal(s.state, state, name);
    if (message !== undefined) assert.equal(s.failure?.message, message, name);
  }
});

test('model status over pods: any Loaded wins; failed copies are counted; deleting pods ignored', () => {
  const ready = pod({ conditions: [scheduled, { type: 'Ready', status: 'True' }] });
  const crashed = pod({ containerStatuses: [{ name: 'm', ready: false, restartCount: 2, image: '', imageID: '', state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1 } } }] });
  const { model } = computeModelStatus([ready, crashed, pod({}, true)]);
  assert.equal(model.states!.activeModelState, 'Loaded');
  assert.deepEqual(model.copies, { failedCopies: 1, totalCopies: 2 });
  assert.equal(computeModelStatus([]).model.states!.activeModelState, 'Pending');
});

test('the scheduler message explains a pending predictor', () => {
  const status = computeStatus({
    isvc: { metadata: { name: 'g', namespace: 'ml' } }, generation: 4, deployment: {}, service: {},
    pods: [pod({ conditions: [{ type: 'PodScheduled', status: 'False', message: '0/1 nodes: untolerated taint' }] })],
    clusterDomain: 'cluster.local', now: 't',
  });
  const predictor = status.conditions!.find((c) => c.type === 'PredictorReady')!;
  assert.equal(predictor.reason, 'PodsPending');
  assert.equal(predictor.message, '0/1 nodes: untolerated taint');
  assert.equal(status.observedGeneration, 4);
  assert.deepEqual(status.components!.predictor!.traffic, [{ percent: 100, latestRevision: true }]);
});
