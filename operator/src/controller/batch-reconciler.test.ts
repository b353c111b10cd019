import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1CronJob, V1Job } from '@kubernetes/client-node';
import { FakeKubeClient } from '../../../test/operator/unit-support/fake-client.ts';
import { FakeClock } from '../../../test/operator/unit-support/fake-clock.ts';
import { batchFixture, batchReconciler, shardPod } from '../../../test/operator/unit-support/batch-fixtures.ts';
import type { BatchInference } from '../api/batch-types.ts';
import type { InferenceService } from '../api/types.ts';
import { SPEC_ANNOTATION } from '../canary/revision.ts';
import { KubeApiError, type KubeObject } from '../kube/client.ts';
import { BATCH_INFERENCES, CRON_JOBS, DEPLOYMENTS, EVENTS, INFERENCE_SERVICES, JOBS, PODS } from '../kube/resources.ts';
import { REVISION_ANNOTATION } from '../batch/job.ts';

const KEY = 'ml/score';
const get = (client: FakeKubeClient) => client.peek<BatchInference>(BATCH_INFERENCES, 'ml', 'score')!;
const condition = (bi: BatchInference, type: string) => bi.status?.conditions?.find((c) => c.type === type);
const events = (client: FakeKubeClient) => client.all<KubeObject & { reason: string }>(EVENTS).map((e) => e.reason);

function finish(client: FakeKubeClient, job: V1Job, status: V1Job['status']): V1Job {
  return client.seed(JOBS, { ...job, status }, 'MODIFIED');
}

test('a run: one Job, then status from the Job and the shard summaries, then nothing once finished', async () => {
  const client = new FakeKubeClient();
  const clock = new FakeClock();
  const r = batchReconciler(client, clock);
  client.seed(BATCH_INFERENCES, batchFixture());
  await r.reconcile(KEY);
  const job = client.peek<V1Job>(JOBS, 'ml', 'score')!;
  assert.equal(job.spec!.completions, 4);
  assert.equal(get(client).status!.phase, 'Running', 'the Job exists and has not finished');
  assert.equal(get(client).status!.startTime, undefined, 'no start time before the Job controller sets one');
  assert.equal(get(client).status!.jobName, 'score');

  // Idempotent: a second pass over the same state writes nothing.
  const writes = client.writes();
  await r.reconcile(KEY);
  assert.equal(client.writes(), writes, 'no write when nothing changed');
  assert.equal(client.all(JOBS).length, 1);

  const started = finish(client, job, { startTime: new Date('2026-11-29T02:00:00Z'), active: 4 });
  await r.reconcile(KEY);
  assert.equal(get(client).status!.phase, 'Running');
  assert.equal(condition(get(client), 'Running')!.status, 'True');
  assert.ok(events(client).includes('BatchStarted'));

  client.seed(PODS, shardPod(started, 0, { rowsScored: 250_000, rowsFailed: 3, seconds: 40 }, '2026-11-29T02:00:40Z'));
  client.seed(PODS, shardPod(started, 1, { rowsScored: 250_000, rowsFailed: 0, seconds: 50 }, '2026-11-29T02:00:50Z'));
  // A retried index: the newest succeeded pod counts, once.
  client.seed(PODS, shardPod(started, 1, { rowsScored: 249_000, rowsFailed: 0, seconds: 45 }, '2026-11-29T02:00:30Z', 'old'));
  finish(client, started, { ...started.status, completedIndexes: '0-1', active: 2 });
  await r.reconcile(KEY);
  let s = get(client).status!;
  assert.equal(s.progress, '2/4');
  assert.equal(s.shardsSucceeded, 2);
  assert.equal(s.rowsScored, 500_000);
  assert.equal(s.rowsFailed, 3);
  assert.equal(s.rowsPerSecond, 10_000, '500000 rows over the 50 s to the last finished shard');

  client.seed(PODS, shardPod(started, 2, { rowsScored: 250_000, rowsFailed: 0, seconds: 60 }, '2026-11-29T02:01:00Z'));
  client.seed(PODS, shardPod(started, 3, { rowsScored: 250_000, rowsFailed: 1, seconds: 70 }, '2026-11-29T02:01:10Z'));
  const done = finish(client, started, {
    ...started.status, active: 0, completedIndexes: '0-3', completionTime: new Date('2026-11-29T02:01:40Z'),
    conditions: [{ type: 'Complete', status: 'True', lastTransitionTime: new Date('2026-11-29T02:01:40Z') }],
  });
  await r.reconcile(KEY);
  s = get(client).status!;
  assert.equal(s.phase, 'Complete');
  assert.equal(s.rowsScored, 1_000_000);
  assert.equal(s.rowsFailed, 4);
  assert.equal(s.rowsPerSecond, 10_000);
  assert.equal(s.completionTime, '2026-11-29T02:01:40.000Z');
  assert.equal(s.outputUri, 's3://out/iris/');
  assert.equal(condition(get(client), 'Complete')!.status, 'True');
  assert.equal(condition(get(client), 'Complete')!.observedGeneration, 1);
  assert.equal(condition(get(client), 'Running')!.status, 'False');
  assert.equal(events(client).filter((e) => e === 'BatchComplete').length, 1);

  // Finished: pods going away (or anything else) changes nothing and costs no write.
  const finishedWrites = client.writes();
  for (const pod of client.all(PODS)) client.seed(PODS, pod, 'DELETED');
  client.seed(JOBS, done, 'DELETED');
  clock.advance(3_600_000);
  await r.reconcile(KEY);
  await r.reconcile(KEY);
  assert.equal(client.writes(), finishedWrites, 'zero writes once finished');
  assert.equal(client.all(JOBS).length, 0, 'a finished run is never started again');
  assert.equal(get(client).status!.rowsScored, 1_000_000);
});

test('a failed run reports the Job\'s reason and a Warning Event', async () => {
  const client = new FakeKubeClient();
  const r = batchReconciler(client, new FakeClock());
  client.seed(BATCH_INFERENCES, batchFixture({ shards: 2 }));
  await r.reconcile(KEY);
  const job = client.peek<V1Job>(JOBS, 'ml', 'score')!;
  finish(client, job, {
    startTime: new Date('2026-11-29T02:00:00Z'), completedIndexes: '0', failedIndexes: '1',
    conditions: [{ type: 'Failed', status: 'True', reason: 'FailedIndexes', message: 'Job has failed indexes', lastTransitionTime: new Date('2026-11-29T02:05:00Z') }],
  });
  await r.reconcile(KEY);
  const s = get(client).status!;
  assert.equal(s.phase, 'Failed');
  assert.equal(s.shardsFailed, 1);
  assert.equal(condition(get(client), 'Failed')!.reason, 'FailedIndexes');
  assert.match(condition(get(client), 'Failed')!.message!, /1 shards failed/);
  assert.equal(s.completionTime, '2026-11-29T02:05:00.000Z');
  assert.ok(events(client).includes('BatchFailed'));
});

test('pods that merely carry our labels (not the Job\'s own) add no rows', async () => {
  const client = new FakeKubeClient();
  const r = batchReconciler(client, new FakeClock());
  client.seed(BATCH_INFERENCES, batchFixture({ shards: 1 }));
  await r.reconcile(KEY);
  const job = finish(client, client.peek<V1Job>(JOBS, 'ml', 'score')!, { startTime: new Date('2026-11-29T02:00:00Z'), active: 1 });
  const forged = shardPod(job, 0, { rowsScored: 10 ** 12, rowsFailed: 0, seconds: 1 }, '2026-11-29T02:00:01Z', 'forged');
  forged.metadata!.ownerReferences = [];
  client.seed(PODS, forged);
  await r.reconcile(KEY);
  assert.equal(get(client).status!.rowsScored, 0);
});

test('a Job of the same name that is not ours is reported, never taken over', async () => {
  const client = new FakeKubeClient();
  const r = batchReconciler(client, new FakeClock());
  client.seed(JOBS, { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'score', namespace: 'ml' }, spec: { template: {} } } as V1Job);
  client.seed(BATCH_INFERENCES, batchFixture());
  await r.reconcile(KEY);
  assert.equal(condition(get(client), 'Running')!.reason, 'ChildConflict');
  assert.equal(client.peek<V1Job>(JOBS, 'ml', 'score')!.metadata!.ownerReferences, undefined, 'the foreign Job is untouched');
});

test('an invalid or policy-breaking spec gets a status saying why and no Job', async () => {
  const client = new FakeKubeClient();
  const r = batchReconciler(client, new FakeClock());
  client.seed(BATCH_INFERENCES, batchFixture({ shards: 2, parallelism: 5 }));
  await r.reconcile(KEY);
  assert.equal(get(client).status!.phase, 'Invalid');
  assert.match(condition(get(client), 'Failed')!.message!, /parallelism: must not exceed shards/);
  assert.ok(events(client).includes('InvalidSpec'));
  client.seed(BATCH_INFERENCES, { ...batchFixture({ serviceAccountName: 'cluster-admin' }), metadata: { name: 'sa', namespace: 'ml', generation: 1 } });
  await r.reconcile('ml/sa');
  const sa = client.peek<BatchInference>(BATCH_INFERENCES, 'ml', 'sa')!;
  assert.equal(condition(sa, 'Running')!.reason, 'PolicyViolation');
  assert.match(condition(sa, 'Running')!.message!, /spec\.serviceAccountName cluster-admin/);
  assert.equal(client.all(JOBS).length, 0);
});

function servingIsvc(client: FakeKubeClient, revision: string | undefined, uri: string): void {
  const isvc: InferenceService = {
    apiVersion: 'serving.modelship.io/v1alpha1', kind: 'InferenceService', metadata: { name: 'iris', namespace: 'ml' },
    spec: { predictor: { model: { modelFormat: { name: 'onnx' }, storageUri: uri } } },
    ...(revision === undefined ? {} : { status: { components: { predictor: { latestRolledoutRevision: revision } } } }),
  };
  client.seed(INFERENCE_SERVICES, isvc, 'MODIFIED');
  if (revision !== undefined) {
    client.seed(DEPLOYMENTS, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: revision, namespace: 'ml', annotations: { [SPEC_ANNOTATION]: JSON.stringify({ model: { modelFormat: { name: 'onnx' }, storageUri: uri } }) } } });
  }
}

test('inferenceServiceRef: waits for a rolled-out revision, then scores with it and records it', async () => {
  const client = new FakeKubeClient();
  const r = batchReconciler(client, new FakeClock());
  client.seed(BATCH_INFERENCES, batchFixture({ model: undefined, inferenceServiceRef: { name: 'iris' } }));
  const next = await r.reconcile(KEY);
  assert.equal(condition(get(client), 'Running')!.reason, 'InferenceServiceNotFound');
  assert.ok(next !== undefined && next.requeueAfterMs > 0, 'looked at again later');
  servingIsvc(client, undefined, 's3://models/iris-v1.onnx');
  await r.reconcile(KEY);
  assert.equal(condition(get(client), 'Running')!.reason, 'NoRolledOutRevision');
  servingIsvc(client, 'iris-predictor-aaaaaaa', 's3://models/iris-v1.onnx');
  await r.reconcile(KEY);
  const job = client.peek<V1Job>(JOBS, 'ml', 'score')!;
  assert.equal(job.metadata!.annotations![REVISION_ANNOTATION], 'iris-predictor-aaaaaaa');
  assert.deepEqual(job.spec!.template.spec!.initContainers![0]!.args!.slice(0, 3), ['fetch', '--source', 's3://models/iris-v1.onnx']);
  const s = get(client).status!;
  assert.equal(s.revision, 'iris-predictor-aaaaaaa');
  assert.equal(s.model, 'iris/iris-predictor-aaaaaaa');
});

test('a schedule: one CronJob, applied again only when the spec or the served revision changes', async () => {
  const client = new FakeKubeClient();
  const r = batchReconciler(client, new FakeClock());
  servingIsvc(client, 'iris-predictor-aaaaaaa', 's3://models/iris-v1.onnx');
  client.seed(BATCH_INFERENCES, batchFixture({ model: undefined, inferenceServiceRef: { name: 'iris' }, schedule: '0 2 * * *' }));
  await r.reconcile(KEY);
  const cron = client.peek<V1CronJob>(CRON_JOBS, 'ml', 'score')!;
  assert.equal(cron.spec!.concurrencyPolicy, 'Forbid');
  assert.equal(client.applies.filter((a) => a.plural === 'cronjobs').length, 1);
  assert.equal(client.applies[0]!.force, false, 'a first write is never forced');
  assert.equal(get(client).status!.phase, 'Scheduled');
  const writes = client.writes();
  await r.reconcile(KEY);
  assert.equal(client.writes(), writes, 'no write when nothing changed');

  // A promotion: the next runs score with the new revision.
  servingIsvc(client, 'iris-predictor-bbbbbbb', 's3://models/iris-v2.onnx');
  await r.reconcile(KEY);
  const updated = client.peek<V1CronJob>(CRON_JOBS, 'ml', 'score')!;
  assert.equal(updated.spec!.jobTemplate.metadata!.annotations![REVISION_ANNOTATION], 'iris-predictor-bbbbbbb');

  // A run of the CronJob: status follows the newest Job the CronJob owns.
  const run: V1Job = {
    apiVersion: 'batch/v1', kind: 'Job',
    metadata: {
      name: 'score-29390520', namespace: 'ml', labels: updated.spec!.jobTemplate.metadata!.labels!, annotations: updated.spec!.jobTemplate.metadata!.annotations!,
      creationTimestamp: new Date('2026-11-29T02:00:00Z'), ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'score', uid: updated.metadata!.uid!, controller: true }],
    },
    spec: { completions: 4, template: {} },
    status: { startTime: new Date('2026-11-29T02:00:01Z'), active: 4 },
  };
  client.seed(JOBS, run);
  await r.reconcile(KEY);
  const s = get(client).status!;
  assert.equal(s.phase, 'Running');
  assert.equal(s.jobName, 'score-29390520');
  assert.equal(s.outputUri, 's3://out/iris/score-29390520/');
  assert.equal(s.revision, 'iris-predictor-bbbbbbb');
});

test('a 409 on the status write is retried from a fresh read', async () => {
  const client = new FakeKubeClient();
  const r = batchReconciler(client, new FakeClock());
  client.seed(BATCH_INFERENCES, batchFixture());
  client.failNext('update', 'batchinferences', new KubeApiError(409, 'Conflict', 'modified'));
  await r.reconcile(KEY);
  assert.equal(get(client).status!.jobName, 'score');
});
