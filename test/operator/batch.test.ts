// BatchInference on the real control plane (kube-apiserver, etcd and the
// kube-controller-manager, whose Job, CronJob and garbage collectors run),
// with the operator running under the RBAC it ships: the API server refuses
// invalid manifests with a useful message (the CRD's schema and CEL rules, as
// generated from operator/src/api/batch-schema.ts); a run becomes an indexed
// Job whose shard pods the test completes (no kubelet here: it plays its
// part, as reconcile.test.ts does), the status follows them to Complete,
// nothing is written afterwards, deleting the run collects its Job; a
// schedule becomes a CronJob.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1CronJob, V1Job, V1Pod } from '@kubernetes/client-node';
import { KubeApiError, type KubeObject } from '../../operator/src/kube/client.ts';
import { BATCH_INFERENCES, CRON_JOBS, EVENTS, JOBS, PODS } from '../../operator/src/kube/resources.ts';
import type { BatchInference } from '../../operator/src/api/batch-types.ts';
import { createNamespace, eventually, startOperator, startTestCluster, writesBetween, type OperatorProcess, type TestCluster } from './support.ts';

let tc: TestCluster;
let op: OperatorProcess;

before(async () => {
  tc = await startTestCluster({ controllerManager: true });
  op = await startOperator(tc.operatorKubeconfig, 'op-batch');
  await eventually('the operator to lead', async () => ((await op.isLeader()) ? true : undefined), { timeoutMs: 30_000 });
});

after(async () => {
  await op?.kill('SIGTERM');
  await tc?.stop();
});

function batch(namespace: string, name: string, spec: Record<string, unknown> = {}): BatchInference {
  return {
    apiVersion: 'serving.modelship.io/v1alpha1',
    kind: 'BatchInference',
    metadata: { name, namespace },
    spec: {
      model: { modelFormat: { name: 'onnx' }, storageUri: 's3://models/iris.onnx' },
      input: { storageUri: 's3://data/iris.parquet', format: 'parquet' },
      output: { storageUri: 's3://out/iris/' },
      ...spec,
    } as never,
  };
}

const many = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i));
const model = { modelFormat: { name: 'onnx' }, storageUri: 's3://models/iris.onnx' };

const invalid: Array<[string, Record<string, unknown>, RegExp, string?]> = [
  ['neither model nor inferenceServiceRef', { model: undefined }, /exactly one of model and inferenceServiceRef must be set/],
  ['both model and inferenceServiceRef', { model, inferenceServiceRef: { name: 'iris' } }, /exactly one of model and inferenceServiceRef must be set/],
  ['an unknown input format', { input: { storageUri: 's3://data/x', format: 'xlsx' } }, /input\.format: Unsupported value: "xlsx"/],
  ['an unknown output format', { output: { storageUri: 's3://out/x', format: 'avro' } }, /output\.format: Unsupported value: "avro"/],
  ['an input on a web server', { input: { storageUri: 'https://host/data.csv', format: 'csv' } }, /input\.storageUri must start with s3:\/\/ or gs:\/\//],
  ['.. in the output prefix', { output: { storageUri: 's3://out/../other' } }, /output\.storageUri must not contain a '\.\.' path segment/],
  ['zero shards', { shards: 0 }, /shards.*greater than or equal to 1/],
  ['1001 shards', { shards: 1001 }, /shards.*less than or equal to 1000/],
  ['parallelism above shards', { shards: 2, parallelism: 3 }, /parallelism must not exceed shards/],
  ['maxFailedRowsPercent above 100', { maxFailedRowsPercent: 101 }, /maxFailedRowsPercent.*less than or equal to 100/],
  ['negative maxFailedRowsPercent', { maxFailedRowsPercent: -1 }, /maxFailedRowsPercent.*greater than or equal to 0/],
  ['maxFailedIndexes above shards', { shards: 2, retry: { maxFailedIndexes: 3 } }, /retry\.maxFailedIndexes must not exceed shards/],
  ['a sentence for a schedule', { schedule: 'every night at two' }, /schedule must be five cron fields or a macro/],
  ['a shell command for a schedule', { schedule: '0 2 * * *; rm -rf /' }, /schedule must be five cron fields or a macro/],
  ['four cron fields', { schedule: '0 2 * *' }, /schedule must be five cron fields or a macro/],
  ['timeZone without a schedule', { timeZone: 'Europe/Paris' }, /timeZone needs a schedule/],
  ['a column with a comma', { input: { storageUri: 's3://data/x.csv', format: 'csv', passthroughColumns: ['a,b'] } }, /passthroughColumns must not contain ','/],
  ['an input map key with =', { input: { storageUri: 's3://data/x.csv', format: 'csv', inputMap: { 'in=put': ['a'] } } }, /inputMap keys must not contain/],
  ['an empty column list', { input: { storageUri: 's3://data/x.csv', format: 'csv', inputMap: { input: [] } } }, /should have at least 1 items|must have at least 1 items/],
  ['257 passthrough columns', { input: { storageUri: 's3://data/x.csv', format: 'csv', passthroughColumns: many(257, (i) => `c${i}`) } }, /Too many: 257: must have at most 256 items/],
  ['a 2049-character input URI', { input: { storageUri: `s3://data/${'x'.repeat(2040)}`, format: 'csv' } }, /input\.storageUri: Too long: may not be (longer than|more than) 2048/],
  ['65 pod labels', { labels: Object.fromEntries(many(65, (i) => `k${i}`).map((k) => [k, 'v'])) }, /labels: Too many: 65: must have at most 64 items/],
  ['a 101-retry backoff', { retry: { backoffLimitPerIndex: 101 } }, /backoffLimitPerIndex.*less than or equal to 100/],
  ['an inferenceServiceRef name too long', { model: undefined, inferenceServiceRef: { name: 'x'.repeat(46) } }, /inferenceServiceRef\.name: Too long/],
  ['a model that is not ONNX', { model: { modelFormat: { name: 'pytorch' }, storageUri: 's3://m/x' } }, /Unsupported value: "pytorch"/],
  ['name too long for its Job', {}, /metadata.name must be at most 45 characters/, 'x'.repeat(46)],
  ['name that is not a DNS label', {}, /must be a DNS-1035 label/, '9lives'],
];

test(`${invalid.length} invalid BatchInference manifests are refused by the API server with a useful message`, async () => {
  await createNamespace(tc.admin, 'invalid-batch');
  for (const [what, spec, message, name] of invalid) {
    const manifest = batch('invalid-batch', name ?? 'bad', spec);
    const err = await tc.admin.create(BATCH_INFERENCES, manifest).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof KubeApiError, `${what}: accepted`);
    assert.equal(err.status, 422, `${what}: ${err.message}`);
    assert.match(err.message, message, what);
  }
  assert.equal((await tc.admin.list(BATCH_INFERENCES, { namespace: 'invalid-batch' })).items.length, 0);
});

test('a run is immutable, a schedule is editable, and neither can become the other', async () => {
  await createNamespace(tc.admin, 'edit-batch');
  const run = await tc.admin.create(BATCH_INFERENCES, batch('edit-batch', 'once', { shards: 2 }));
  const edited = { ...run, spec: { ...run.spec, shards: 3 } };
  const err = await tc.admin.update(BATCH_INFERENCES, edited).then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof KubeApiError && err.status === 422 && /spec of a run without a schedule is immutable/.test(err.message), String(err));
  const toSchedule = { ...run, spec: { ...run.spec, schedule: '@daily' } };
  const err2 = await tc.admin.update(BATCH_INFERENCES, toSchedule).then(() => undefined, (e: unknown) => e);
  assert.ok(err2 instanceof KubeApiError && /schedule cannot be added or removed/.test(err2.message), String(err2));

  const nightly = await tc.admin.create(BATCH_INFERENCES, batch('edit-batch', 'nightly', { schedule: '0 2 * * *', timeZone: 'Europe/Paris' }));
  const updated = await tc.admin.update(BATCH_INFERENCES, { ...nightly, spec: { ...nightly.spec, schedule: '30 3 * * 1-5', shards: 4 } });
  assert.equal(updated.spec.schedule, '30 3 * * 1-5');
  assert.equal(updated.spec.shards, 4);
  assert.equal(updated.spec.successfulRunsHistoryLimit, 3, 'the API server applied the schema default');
  const err3 = await tc.admin.update(BATCH_INFERENCES, { ...updated, spec: { ...updated.spec, schedule: undefined } } as KubeObject as BatchInference).then(() => undefined, (e: unknown) => e);
  assert.ok(err3 instanceof KubeApiError && /schedule cannot be added or removed/.test(err3.message), String(err3));
});

const arg = (args: string[] | undefined, flag: string) => {
  const i = (args ?? []).indexOf(flag);
  return i < 0 ? undefined : args![i + 1];
};

async function getBatch(ns: string, name: string): Promise<BatchInference | undefined> {
  return await tc.admin.get<BatchInference>(BATCH_INFERENCES, ns, name);
}

/** The kubelet's part: the batch container of a shard pod exits 0 with the runtime's summary as its termination message. */
async function completeShard(pod: V1Pod, summary: { rowsScored: number; rowsFailed: number; seconds: number }): Promise<void> {
  const now = new Date().toISOString();
  const fresh = (await tc.admin.get<V1Pod>(PODS, pod.metadata!.namespace!, pod.metadata!.name!))!;
  await tc.admin.updateStatus(PODS, {
    ...fresh,
    status: {
      ...fresh.status,
      phase: 'Succeeded',
      conditions: [{ type: 'PodScheduled', status: 'True' }, { type: 'Ready', status: 'False' }],
      containerStatuses: [{
        name: 'batch', image: 'ghcr.io/modelship/runtime:0.1.0', imageID: '', ready: false, restartCount: 0,
        state: { terminated: { exitCode: 0, reason: 'Completed', message: JSON.stringify(summary), startedAt: now as never, finishedAt: now as never } },
      }],
    },
  });
}

async function shardPods(ns: string, job: string, count: number): Promise<V1Pod[]> {
  return await eventually(`${count} running shard pod(s) of ${job}`, async () => {
    const pods = (await tc.admin.list<V1Pod>(PODS, { namespace: ns, labelSelector: `batch.kubernetes.io/job-name=${job}` })).items
      .filter((p) => p.status?.phase !== 'Succeeded' && p.metadata?.deletionTimestamp === undefined);
    return pods.length >= count ? pods : undefined;
  }, { timeoutMs: 30_000 });
}

test('a run: an indexed Job, shards completed one by one, status to Complete, then no writes; deleting it collects the Job', async () => {
  await createNamespace(tc.admin, 'runs');
  await tc.admin.create(BATCH_INFERENCES, batch('runs', 'score', {
    shards: 4, parallelism: 2, batchSize: 256,
    input: { storageUri: 's3://data/iris.parquet', format: 'parquet', idColumn: 'id', inputMap: { input: ['a', 'b', 'c', 'd'] } },
  }));
  const job = await eventually('the Job', async () => await tc.admin.get<V1Job>(JOBS, 'runs', 'score'), { timeoutMs: 30_000 });
  const bi = (await getBatch('runs', 'score'))!;
  assert.deepEqual(job.metadata!.ownerReferences!.map((r) => [r.kind, r.uid, r.controller]), [['BatchInference', bi.metadata.uid, true]]);
  assert.equal(job.spec!.completionMode, 'Indexed');
  assert.equal(job.spec!.completions, 4);
  assert.equal(job.spec!.parallelism, 2);
  assert.equal(job.spec!.backoffLimitPerIndex, 3);
  const c = job.spec!.template.spec!.containers[0]!;
  assert.equal(c.args![0], 'batch');
  assert.equal(arg(c.args, '--shard-count'), '4');
  assert.equal(arg(c.args, '--input-map'), 'input=a,b,c,d');
  assert.equal(c.securityContext!.readOnlyRootFilesystem, true);

  // The Job controller runs two shards at a time; the test finishes each pair.
  let rows = 0;
  for (let round = 0; round < 2; round++) {
    const pods = await shardPods('runs', 'score', 2);
    for (const pod of pods.slice(0, 2)) {
      const n = 1000 + Number(pod.metadata!.annotations!['batch.kubernetes.io/job-completion-index']);
      rows += n;
      await completeShard(pod, { rowsScored: n, rowsFailed: 1, seconds: 2 });
    }
    if (round === 0) {
      await eventually('2/4 in status', async () => ((await getBatch('runs', 'score'))?.status?.progress === '2/4' ? true : undefined), { timeoutMs: 30_000 });
    }
  }
  const done = await eventually('the run Complete', async () => {
    const o = await getBatch('runs', 'score');
    return o?.status?.phase === 'Complete' ? o : undefined;
  }, { timeoutMs: 60_000 });
  const s = done.status!;
  assert.equal(s.progress, '4/4');
  assert.equal(s.rowsScored, rows);
  assert.equal(s.rowsFailed, 4);
  assert.ok((s.rowsPerSecond ?? 0) > 0);
  assert.equal(s.outputUri, 's3://out/iris/');
  assert.equal(s.observedGeneration, 1);
  const complete = s.conditions!.find((x) => x.type === 'Complete')!;
  assert.equal(complete.status, 'True');
  assert.equal(complete.reason, 'RunComplete');
  await eventually('a BatchComplete Event', async () => {
    const events = (await tc.admin.list<KubeObject & { reason?: string; involvedObject?: { name?: string } }>(EVENTS, { namespace: 'runs' })).items;
    return events.some((e) => e.reason === 'BatchComplete' && e.involvedObject?.name === 'score') ? true : undefined;
  }, { timeoutMs: 10_000 });

  // Finished: nothing more is written, whatever happens to its pods.
  const before = await op.metrics();
  for (const pod of (await tc.admin.list<V1Pod>(PODS, { namespace: 'runs' })).items) await tc.admin.delete(PODS, 'runs', pod.metadata!.name!);
  await new Promise((r) => setTimeout(r, 5000));
  assert.deepEqual(writesBetween(before, await op.metrics()), [], 'no write once finished');
  assert.equal((await getBatch('runs', 'score'))!.status!.rowsScored, rows);

  await tc.admin.delete(BATCH_INFERENCES, 'runs', 'score');
  await eventually('the Job collected with its BatchInference', async () => ((await tc.admin.get(JOBS, 'runs', 'score')) === undefined ? true : undefined), { timeoutMs: 60_000 });
});

test('a schedule becomes a CronJob (Forbid, history limits, time zone) owned by the BatchInference', async () => {
  await createNamespace(tc.admin, 'nightly');
  await tc.admin.create(BATCH_INFERENCES, batch('nightly', 'nightly', { schedule: '0 2 * * *', timeZone: 'Europe/Paris', successfulRunsHistoryLimit: 5, shards: 2 }));
  const cron = await eventually('the CronJob', async () => await tc.admin.get<V1CronJob>(CRON_JOBS, 'nightly', 'nightly'), { timeoutMs: 30_000 });
  assert.equal(cron.spec!.schedule, '0 2 * * *');
  assert.equal(cron.spec!.timeZone, 'Europe/Paris');
  assert.equal(cron.spec!.concurrencyPolicy, 'Forbid');
  assert.equal(cron.spec!.successfulJobsHistoryLimit, 5);
  assert.equal(cron.spec!.jobTemplate.spec!.completionMode, 'Indexed');
  assert.equal(cron.metadata!.ownerReferences![0]!.kind, 'BatchInference');
  const status = await eventually('Scheduled in status', async () => {
    const o = await getBatch('nightly', 'nightly');
    return o?.status?.phase === 'Scheduled' ? o.status : undefined;
  }, { timeoutMs: 30_000 });
  assert.equal(status.cronJobName, 'nightly');
  // An edit of the schedule reaches the CronJob.
  const current = (await getBatch('nightly', 'nightly'))!;
  await tc.admin.update(BATCH_INFERENCES, { ...current, spec: { ...current.spec, schedule: '30 3 * * *' } });
  await eventually('the new schedule on the CronJob', async () => ((await tc.admin.get<V1CronJob>(CRON_JOBS, 'nightly', 'nightly'))?.spec?.schedule === '30 3 * * *' ? true : undefined), { timeoutMs: 30_000 });
});
