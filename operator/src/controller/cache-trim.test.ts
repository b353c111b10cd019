import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import { createLogger } from '../../../common/src/logger.ts';
import { revisionOf } from '../canary/observe.ts';
import { DEFAULT_BUILD_CONFIG } from '../settings.ts';
import { FakeKubeClient } from '../../../test/operator/unit-support/fake-client.ts';
import { FakeClock } from '../../../test/operator/unit-support/fake-clock.ts';
import { PODS } from '../kube/resources.ts';
import { createMetrics } from '../metrics.ts';
import { trimObject, trimPod } from './cache-trim.ts';
import { Controller } from './controller.ts';
import { podModelState } from '../pod-state.ts';

const now = '2026-01-01T00:00:00Z' as never;

/** A predictor pod as the API server returns it, with a tenant's labels and annotations. */
function fullPod(name: string, status: V1Pod['status'], labels: Record<string, string> = {}): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name, namespace: 'ns', uid: `uid-${name}`, resourceVersion: '7',
      labels: {
        ...Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`tenant.example.com/l${i}`, 'x'.repeat(60)])),
        'app.kubernetes.io/managed-by': 'modelship-operator',
        'serving.modelship.io/inferenceservice': 'iris',
        'serving.modelship.io/revision': 'iris-predictor-abc',
        ...labels,
      },
      annotations: { note: 'y'.repeat(1000) },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u' }],
      managedFields: [{ manager: 'kubelet', operation: 'Update', fieldsV1: { f: 'z'.repeat(2000) } }],
    },
    spec: { containers: [{ name: 'model-server', image: 'runtime', args: Array.from({ length: 20 }, (_, i) => `--flag-${i}`), env: [{ name: 'E', value: 'v'.repeat(1000) }] }] },
    status,
  };
}

const STATUSES: Array<[string, V1Pod['status']]> = [
  ['loaded', { phase: 'Running', podIP: '10.0.0.1', conditions: [{ type: 'PodScheduled', status: 'True' }, { type: 'Ready', status: 'True', lastTransitionTime: now }] }],
  ['loading', { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True' }] }],
  ['pending', { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/2 nodes are available' }] }],
  ['crashing', {
    phase: 'Running',
    conditions: [{ type: 'Ready', status: 'False' }],
    containerStatuses: [{
      name: 'model-server', image: 'runtime', imageID: 'sha256:x', ready: false, restartCount: 3,
      state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off' } },
      lastState: { terminated: { exitCode: 1, reason: 'Error', message: 'failed to load', startedAt: now, finishedAt: now } },
    }],
  }],
  ['fetch failed', {
    phase: 'Pending',
    initContainerStatuses: [{ name: 'storage-initializer', image: 'runtime', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 2, reason: 'Error', message: '403', finishedAt: now } } }],
  }],
  ['failed', { phase: 'Failed', reason: 'Evicted', message: 'ephemeral storage' }],
];

test('a trimmed pod reads the same to the status and traffic code, at a fraction of the size', () => {
  for (const [what, status] of STATUSES) {
    const pod = fullPod(what.replace(' ', '-'), status);
    const trimmed = trimPod(structuredClone(pod));
    assert.deepEqual(podModelState(trimmed), podModelState(pod), what);
    assert.equal(revisionOf(trimmed), revisionOf(pod), what);
    assert.deepEqual(trimmed.metadata, {
      name: pod.metadata!.name, namespace: 'ns', uid: pod.metadata!.uid, resourceVersion: '7',
      labels: { 'serving.modelship.io/inferenceservice': 'iris', 'serving.modelship.io/revision': 'iris-predictor-abc' },
    }, what);
    assert.equal(trimmed.spec, undefined, what);
    assert.ok(JSON.stringify(trimmed).length * 10 < JSON.stringify(pod).length, `${what}: ${JSON.stringify(trimmed).length} bytes`);
  }
  const deleting = fullPod('going', STATUSES[0]![1]);
  deleting.metadata!.deletionTimestamp = now;
  assert.equal(trimPod(deleting).metadata!.deletionTimestamp, now);
});

test('every cached kind loses managedFields and kubectl last-applied copy, keeps the rest, and the input is not changed', () => {
  const isvc = {
    metadata: {
      name: 'iris', namespace: 'ns', resourceVersion: '3',
      annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"spec":{}}', 'serving.modelship.io/traffic-mode': 'service' },
      managedFields: [{ manager: 'kubectl' }],
    },
    spec: { predictor: {} },
  };
  const before = structuredClone(isvc);
  const trimmed = trimObject(isvc);
  assert.deepEqual(trimmed, { metadata: { name: 'iris', namespace: 'ns', resourceVersion: '3', annotations: { 'serving.modelship.io/traffic-mode': 'service' } }, spec: { predictor: {} } });
  assert.deepEqual(isvc, before);
});

test('the controller watches only predictor pods (managed-by and the InferenceService label) and caches them trimmed', async () => {
  const client = new FakeKubeClient();
  const logger = createLogger({ component: 'test', silent: true });
  const ours = fullPod('ours', STATUSES[0]![1]);
  // A tenant's pod with our InferenceService label (and nothing else of ours) must not enter the cache.
  const foreign = fullPod('foreign', STATUSES[0]![1]);
  delete foreign.metadata!.labels!['app.kubernetes.io/managed-by'];
  client.seed(PODS, ours);
  client.seed(PODS, foreign);
  const controller = new Controller({
    client, logger, clock: new FakeClock(), metrics: createMetrics(),
    events: { record: async () => {} },
    config: { ...DEFAULT_BUILD_CONFIG, workers: 1, resyncSeconds: 600, watchNamespace: '' },
  });
  controller.startInformers();
  for (let i = 0; i < 50 && !controller.synced; i++) await new Promise((r) => setImmediate(r));
  assert.ok(controller.synced);
  assert.deepEqual(controller.pods.list().map((p) => p.metadata!.name), ['ours']);
  assert.equal(controller.pods.get('ns', 'ours')!.spec, undefined);
  await controller.stopInformers();
});

test('a batch shard pod keeps only what the batch status reads', async () => {
  const { trimBatchPod } = await import('./cache-trim.ts');
  const pod = trimBatchPod({
    metadata: {
      name: 'score-0-abc', namespace: 'ml', uid: 'u', resourceVersion: '5',
      labels: { 'serving.modelship.io/batchinference': 'score', 'batch.kubernetes.io/job-name': 'score', tenant: 'x'.repeat(60) },
      annotations: { 'batch.kubernetes.io/job-completion-index': '0', big: 'y'.repeat(10_000) },
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'score', uid: 'job-uid', controller: true, blockOwnerDeletion: true }],
      managedFields: [{ manager: 'x' }],
    },
    spec: { containers: [{ name: 'batch', image: 'i', args: ['batch', '--input', 's3://secret-bucket/x'] }] },
    status: {
      phase: 'Succeeded',
      containerStatuses: [{ name: 'batch', ready: false, restartCount: 0, image: 'i', imageID: 'i', state: { terminated: { exitCode: 0, message: '{"rowsScored":1}', finishedAt: new Date(0), containerID: 'c' } } }],
    },
  });
  assert.equal(pod.spec, undefined);
  assert.deepEqual(pod.metadata!.labels, { 'serving.modelship.io/batchinference': 'score', 'batch.kubernetes.io/job-name': 'score' });
  assert.deepEqual(pod.metadata!.annotations, { 'batch.kubernetes.io/job-completion-index': '0' });
  assert.deepEqual(pod.metadata!.ownerReferences, [{ apiVersion: 'batch/v1', kind: 'Job', name: 'score', uid: 'job-uid', controller: true }]);
  assert.deepEqual(pod.status!.containerStatuses![0]!.state!.terminated, { exitCode: 0, message: '{"rowsScored":1}', finishedAt: new Date(0) });
  assert.equal(JSON.stringify(pod).length < 600, true);
});
