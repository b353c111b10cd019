import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BatchInferenceSpec } from '../api/batch-types.ts';
import { defaultBatchSpec } from '../api/batch-validation.ts';
import { DEFAULT_BUILD_CONFIG } from '../settings.ts';
import { BATCH_LABEL } from './labels.ts';
import { FINAL_EXIT_CODES, JOB_NAME_ENV, MODEL_URI_ANNOTATION, REVISION_ANNOTATION, buildBatchCronJob, buildBatchJob, outputUri, type BatchRun } from './job.ts';

const model = { modelFormat: { name: 'onnx' as const }, storageUri: 's3://models/iris.onnx', storageSecretRef: { name: 'model-creds' } };

function run(patch: Partial<BatchInferenceSpec> = {}): BatchRun {
  const r = defaultBatchSpec({
    spec: {
      model,
      input: { storageUri: 's3://data/iris.parquet', format: 'parquet', idColumn: 'id', passthroughColumns: ['region', 'day'], inputMap: { input: ['a', 'b', 'c', 'd'] } },
      output: { storageUri: 's3://out/iris/', outputs: ['label', 'probabilities'] },
      storageSecretRef: { name: 'data-creds' },
      shards: 4,
      parallelism: 2,
      batchSize: 512,
      maxFailedRowsPercent: 1.5,
      ...patch,
    },
  });
  if (!r.ok) throw new Error(r.errors.join('; '));
  return { meta: { name: 'score', namespace: 'ml', uid: 'uid-1' }, spec: r.spec, model: r.spec.model!, description: r.spec.model!.storageUri };
}

const flag = (args: string[], name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);

test('an indexed Job: one completion per shard, parallelism, per-index backoff, owned by the BatchInference', () => {
  const job = buildBatchJob(run({ retry: { backoffLimitPerIndex: 5, maxFailedIndexes: 1, activeDeadlineSeconds: 3600 } }), DEFAULT_BUILD_CONFIG);
  assert.equal(job.metadata!.name, 'score');
  assert.equal(job.metadata!.namespace, 'ml');
  assert.deepEqual(job.metadata!.ownerReferences, [{ apiVersion: 'serving.modelship.io/v1alpha1', kind: 'BatchInference', name: 'score', uid: 'uid-1', controller: true, blockOwnerDeletion: true }]);
  assert.equal(job.metadata!.labels![BATCH_LABEL], 'score');
  assert.equal(job.metadata!.annotations![MODEL_URI_ANNOTATION], 's3://models/iris.onnx', 'the Job records the model it scores with');
  const spec = job.spec!;
  assert.equal(spec.completionMode, 'Indexed');
  assert.equal(spec.completions, 4);
  assert.equal(spec.parallelism, 2);
  assert.equal(spec.backoffLimitPerIndex, 5);
  assert.equal(spec.maxFailedIndexes, 1);
  assert.equal(spec.activeDeadlineSeconds, 3600);
  assert.equal(spec.backoffLimit, undefined, 'per-index backoff replaces the global one');
  assert.equal(spec.template.spec!.restartPolicy, 'Never');
  assert.equal(spec.template.metadata!.labels![BATCH_LABEL], 'score', 'shard pods map back to their BatchInference');
});

test('parallelism defaults to every shard at once; the retry default is 3 per shard', () => {
  const spec = buildBatchJob(run({ parallelism: undefined }), DEFAULT_BUILD_CONFIG).spec!;
  assert.equal(spec.parallelism, 4);
  assert.equal(spec.backoffLimitPerIndex, 3);
  assert.equal(spec.maxFailedIndexes, undefined);
});

test('the pod failure policy: bad flags (2) or too many bad rows (3) fail the shard at once, a disruption costs no retry', () => {
  const rules = buildBatchJob(run(), DEFAULT_BUILD_CONFIG).spec!.podFailurePolicy!.rules;
  assert.deepEqual(rules[0], { action: 'FailIndex', onExitCodes: { containerName: 'batch', operator: 'In', values: [2, 3] } });
  assert.deepEqual(FINAL_EXIT_CODES, [2, 3], 'runtime/src/batch/command.ts: 2 bad flags, 3 too many failed rows');
  assert.deepEqual(rules[1], { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] });
});

test('the container runs the runtime image\'s batch subcommand with the agreed flags', () => {
  const pod = buildBatchJob(run(), DEFAULT_BUILD_CONFIG).spec!.template.spec!;
  const c = pod.containers[0]!;
  assert.equal(c.name, 'batch');
  assert.equal(c.image, DEFAULT_BUILD_CONFIG.runtimeImage);
  const args = c.args!;
  assert.equal(args[0], 'batch');
  assert.equal(flag(args, '--model-path'), '/mnt/models/iris.onnx');
  assert.equal(flag(args, '--input'), 's3://data/iris.parquet');
  assert.equal(flag(args, '--input-format'), 'parquet');
  assert.equal(flag(args, '--output'), 's3://out/iris/');
  assert.equal(flag(args, '--output-format'), 'parquet', 'the input format when output.format is unset');
  assert.equal(flag(args, '--shard-count'), '4');
  assert.equal(flag(args, '--shard-index'), undefined, 'the runtime reads JOB_COMPLETION_INDEX');
  assert.equal(flag(args, '--execution-providers'), 'cpu');
  assert.equal(flag(args, '--batch-size'), '512');
  assert.equal(flag(args, '--id-column'), 'id');
  assert.equal(flag(args, '--passthrough-columns'), 'region,day');
  assert.equal(flag(args, '--input-map'), 'input=a,b,c,d');
  assert.equal(flag(args, '--outputs'), 'label,probabilities');
  assert.equal(flag(args, '--max-failed-rows-percent'), '1.5');
  assert.equal(c.terminationMessagePolicy, 'FallbackToLogsOnError');
  assert.equal(flag(args, '--termination-log-path'), c.terminationMessagePath, 'the summary lands in the file the kubelet reads');
});

test('unset optional flags are not passed (the runtime keeps its defaults)', () => {
  const r = run({ batchSize: undefined, maxFailedRowsPercent: undefined, input: { storageUri: 's3://d/x.csv', format: 'csv' }, output: { storageUri: 's3://o/', format: 'jsonl' } });
  const args = buildBatchJob(r, DEFAULT_BUILD_CONFIG).spec!.template.spec!.containers[0]!.args!;
  for (const f of ['--batch-size', '--id-column', '--passthrough-columns', '--input-map', '--outputs', '--max-failed-rows-percent']) assert.equal(flag(args, f), undefined, f);
  assert.equal(flag(args, '--output-format'), 'jsonl');
});

test('the model is fetched by the same storage initializer as a predictor, into a bounded emptyDir', () => {
  const pod = buildBatchJob(run(), DEFAULT_BUILD_CONFIG).spec!.template.spec!;
  const init = pod.initContainers![0]!;
  assert.equal(init.name, 'storage-initializer');
  assert.deepEqual(init.args!.slice(0, 5), ['fetch', '--source', 's3://models/iris.onnx', '--dest', '/mnt/models']);
  assert.ok(init.env!.every((e) => e.valueFrom?.secretKeyRef?.name === 'model-creds'), 'the model Secret reaches the fetch only');
  const model = pod.volumes!.find((v) => v.name === 'model')!;
  assert.ok(model.emptyDir?.sizeLimit !== undefined);
  const batch = pod.containers[0]!;
  assert.deepEqual(batch.volumeMounts!.find((m) => m.name === 'model'), { name: 'model', mountPath: '/mnt/models', readOnly: true });
  const dataEnv = batch.env!.filter((e) => e.valueFrom?.secretKeyRef !== undefined);
  assert.ok(dataEnv.length > 0 && dataEnv.every((e) => e.valueFrom!.secretKeyRef!.name === 'data-creds' && e.valueFrom!.secretKeyRef!.optional === true));
  assert.ok(dataEnv.some((e) => e.name === 'AWS_ACCESS_KEY_ID'));
});

test('pods run non-root with a read-only root filesystem, no capabilities and resources set', () => {
  const pod = buildBatchJob(run(), DEFAULT_BUILD_CONFIG).spec!.template.spec!;
  assert.equal(pod.securityContext!.runAsNonRoot, true);
  assert.equal(pod.automountServiceAccountToken, false);
  for (const c of [...pod.initContainers!, ...pod.containers]) {
    assert.equal(c.securityContext!.readOnlyRootFilesystem, true, c.name);
    assert.equal(c.securityContext!.allowPrivilegeEscalation, false, c.name);
    assert.deepEqual(c.securityContext!.capabilities, { drop: ['ALL'] }, c.name);
    assert.ok(c.resources!.limits!['memory'] !== undefined, c.name);
  }
});

test('a GPU model gets the GPU image and toleration, as a predictor does', () => {
  const r = run();
  r.model = { ...r.model, resources: { limits: { 'nvidia.com/gpu': 1 } } };
  const pod = buildBatchJob(r, DEFAULT_BUILD_CONFIG).spec!.template.spec!;
  assert.equal(pod.containers[0]!.image, DEFAULT_BUILD_CONFIG.gpuRuntimeImage);
  assert.equal(flag(pod.containers[0]!.args!, '--execution-providers'), 'cuda,cpu');
  assert.ok(pod.tolerations!.some((t) => t.key === DEFAULT_BUILD_CONFIG.placement.gpuTolerationKey));
});

test('a schedule: a CronJob (Forbid, history limits, time zone) whose runs each write under their own prefix', () => {
  const r = run({ schedule: '0 2 * * *', timeZone: 'Europe/Paris', successfulRunsHistoryLimit: 7, failedRunsHistoryLimit: 2 });
  const cron = buildBatchCronJob(r, DEFAULT_BUILD_CONFIG)!;
  assert.equal(cron.metadata!.name, 'score');
  assert.equal(cron.metadata!.ownerReferences![0]!.kind, 'BatchInference');
  const spec = cron.spec!;
  assert.equal(spec.schedule, '0 2 * * *');
  assert.equal(spec.timeZone, 'Europe/Paris');
  assert.equal(spec.concurrencyPolicy, 'Forbid');
  assert.equal(spec.successfulJobsHistoryLimit, 7);
  assert.equal(spec.failedJobsHistoryLimit, 2);
  assert.equal(spec.suspend, false);
  assert.equal(spec.jobTemplate.metadata!.labels![BATCH_LABEL], 'score', 'the runs\' Jobs map back to the BatchInference');
  assert.equal(buildBatchCronJob({ ...r, revision: 'iris-predictor-abc' }, DEFAULT_BUILD_CONFIG)!.spec!.jobTemplate.metadata!.annotations![REVISION_ANNOTATION], 'iris-predictor-abc', 'each run records its revision');
  const c = spec.jobTemplate.spec!.template.spec!.containers[0]!;
  assert.equal(flag(c.args!, '--output'), `s3://out/iris/$(${JOB_NAME_ENV})/`);
  assert.deepEqual(c.env!.find((e) => e.name === JOB_NAME_ENV)!.valueFrom, { fieldRef: { fieldPath: "metadata.labels['batch.kubernetes.io/job-name']" } });
  assert.equal(outputUri(r.spec, 'score-29390520'), 's3://out/iris/score-29390520/');
  assert.equal(buildBatchCronJob(run(), DEFAULT_BUILD_CONFIG), undefined, 'no schedule, no CronJob');
  assert.equal(outputUri(run().spec, 'score'), 's3://out/iris/', 'a one-off run writes where the spec says');
});
