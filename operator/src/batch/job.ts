// The indexed Job of a batch run and the CronJob of a schedule. Pure: the
// defaulted spec with its resolved model in, objects out. Kubernetes does the
// scheduling: one pod per shard (completion index = shard index, which the
// runtime reads from JOB_COMPLETION_INDEX), retries per index, and the
// runtime's markers make a retried shard skip what is already written.
import type { V1Container, V1CronJob, V1EnvVar, V1Job, V1JobSpec, V1PodTemplateSpec, V1Toleration } from '@kubernetes/client-node';
import type { DefaultedBatchSpec } from '../api/batch-types.ts';
import type { ModelSpec } from '../api/types.ts';
import type { BuildConfig } from '../settings.ts';
import { BATCH_CONTAINER_NAME, batchCronJobName, batchJobName } from '../names.ts';
import { TERMINATION_LOG_PATH } from '../resources/deployment.ts';
import { placementFor } from '../resources/placement.ts';
import { CONTAINER_SECURITY, POD_SECURITY, modelStorage } from '../resources/runtime-pod.ts';
import { storageSecretEnv } from '../resources/storage-initializer.ts';
import { batchChildMeta, batchLabels } from './labels.ts';

/** What the builders take: the object's identity, its defaulted spec and the model it scores with. */
export interface BatchRun {
  meta: { name: string; namespace: string; uid?: string | undefined };
  spec: DefaultedBatchSpec;
  /** spec.model, or the model block of the InferenceService revision resolved for this run. */
  model: ModelSpec;
  /** What the status shows as the model (a URI, or <InferenceService>/<revision>). */
  description: string;
  revision?: string | undefined;
}

/** On a run's Job: the model it scores with, so status reads it from the Job itself. */
export const MODEL_ANNOTATION = 'serving.modelship.io/model';
export const MODEL_URI_ANNOTATION = 'serving.modelship.io/model-uri';
export const REVISION_ANNOTATION = 'serving.modelship.io/revision';

function runAnnotations(run: BatchRun): Record<string, string> {
  return {
    [MODEL_ANNOTATION]: run.description,
    [MODEL_URI_ANNOTATION]: run.model.storageUri,
    ...(run.revision !== undefined ? { [REVISION_ANNOTATION]: run.revision } : {}),
  };
}

/**
 * Exit codes of `runtime batch` (runtime/src/batch/command.ts) that a retry
 * cannot change: 2 bad flags, 3 the shard finished but its failed rows exceed
 * --max-failed-rows-percent. 1 (storage, model, input errors) is retried.
 */
export const FINAL_EXIT_CODES = [2, 3];
/** Env var holding the Job's name in a scheduled run's pods (each run writes under its own prefix). */
export const JOB_NAME_ENV = 'MODELSHIP_BATCH_JOB_NAME';
const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
/** A shard pod that wrote its summary has nothing left to flush; a killed one resumes from its markers. */
const TERMINATION_GRACE_SECONDS = 30;

const joinPrefix = (prefix: string, child: string): string => `${prefix.replace(/\/+$/, '')}/${child}/`;

/**
 * Where a run writes. A one-off run writes where the spec says (a retry or a
 * re-created Job resumes there from the markers); each run of a schedule
 * writes under <output>/<job name>/, or the second night would find the
 * first night's markers and score nothing.
 */
export function outputUri(spec: DefaultedBatchSpec, jobName?: string): string {
  if (spec.schedule === undefined) return spec.output.storageUri;
  return joinPrefix(spec.output.storageUri, jobName ?? `$(${JOB_NAME_ENV})`);
}

function batchArgs(run: BatchRun, modelPath: string, executionProviders: string): string[] {
  const { spec } = run;
  const input = spec.input;
  const args = [
    'batch',
    '--model-path', modelPath,
    '--input', input.storageUri,
    '--input-format', input.format,
    '--output', outputUri(spec),
    '--output-format', spec.output.format ?? input.format,
    '--shard-count', String(spec.shards),
    // onnxruntime's threads follow the container's CPU limit (the runtime reads its cgroup).
    '--execution-providers', executionProviders,
    // The summary the status sums; named, so it is the path the container's message file is at.
    '--termination-log-path', TERMINATION_LOG_PATH,
  ];
  if (spec.batchSize !== undefined) args.push('--batch-size', String(spec.batchSize));
  if (input.idColumn !== undefined) args.push('--id-column', input.idColumn);
  if (input.passthroughColumns !== undefined && input.passthroughColumns.length > 0) args.push('--passthrough-columns', input.passthroughColumns.join(','));
  const map = Object.entries(input.inputMap ?? {});
  // The CRD forbids ',', '=' and ';' in names, so the joined value parses back unambiguously.
  if (map.length > 0) args.push('--input-map', map.map(([name, columns]) => `${name}=${columns.join(',')}`).join(';'));
  if (spec.output.outputs !== undefined && spec.output.outputs.length > 0) args.push('--outputs', spec.output.outputs.join(','));
  if (spec.maxFailedRowsPercent !== undefined) args.push('--max-failed-rows-percent', String(spec.maxFailedRowsPercent));
  return args;
}

export function buildBatchPodTemplate(run: BatchRun, config: BuildConfig): V1PodTemplateSpec {
  const { spec, meta } = run;
  const placement = placementFor({ model: run.model, nodeSelector: spec.nodeSelector, tolerations: spec.tolerations }, config);
  const storage = modelStorage(run.model, placement.image, config);
  const env: V1EnvVar[] = [
    // An empty value is omitted: the API server drops `value: ""`.
    ...(run.model.env ?? []).map((e) => (e.value ? { name: e.name, value: e.value } : { name: e.name })),
    ...(spec.storageSecretRef !== undefined ? storageSecretEnv(spec.storageSecretRef.name) : []),
    ...(spec.schedule !== undefined ? [{ name: JOB_NAME_ENV, valueFrom: { fieldRef: { fieldPath: `metadata.labels['${JOB_NAME_LABEL}']` } } }] : []),
  ];
  const container: V1Container = {
    name: BATCH_CONTAINER_NAME,
    image: placement.image,
    imagePullPolicy: 'IfNotPresent',
    args: batchArgs(run, storage.modelPath, placement.executionProviders),
    ...(env.length > 0 ? { env } : {}),
    resources: storage.resources,
    securityContext: CONTAINER_SECURITY,
    // The runtime writes its summary JSON ({rowsScored, rowsFailed, seconds})
    // to the termination log, which the status sums; a crash that wrote
    // nothing leaves the end of its log as the reason instead.
    terminationMessagePath: TERMINATION_LOG_PATH,
    terminationMessagePolicy: 'FallbackToLogsOnError',
    volumeMounts: storage.mounts,
  };
  return {
    metadata: { labels: { ...(spec.labels ?? {}), ...batchLabels(meta) }, ...(spec.annotations !== undefined ? { annotations: { ...spec.annotations } } : {}) },
    spec: {
      restartPolicy: 'Never',
      ...(spec.serviceAccountName !== undefined ? { serviceAccountName: spec.serviceAccountName } : { automountServiceAccountToken: false }),
      ...(spec.imagePullSecrets !== undefined ? { imagePullSecrets: spec.imagePullSecrets } : {}),
      ...(placement.nodeSelector !== undefined ? { nodeSelector: placement.nodeSelector } : {}),
      ...(placement.tolerations !== undefined ? { tolerations: placement.tolerations as V1Toleration[] } : {}),
      securityContext: POD_SECURITY,
      terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS,
      ...(storage.initContainers.length > 0 ? { initContainers: storage.initContainers } : {}),
      containers: [container],
      volumes: [...storage.volumes, ...storage.initVolumes],
    },
  };
}

export function buildBatchJobSpec(run: BatchRun, config: BuildConfig): V1JobSpec {
  const { spec } = run;
  return {
    completionMode: 'Indexed',
    completions: spec.shards,
    parallelism: spec.parallelism ?? spec.shards,
    backoffLimitPerIndex: spec.retry.backoffLimitPerIndex,
    ...(spec.retry.maxFailedIndexes !== undefined ? { maxFailedIndexes: spec.retry.maxFailedIndexes } : {}),
    ...(spec.retry.activeDeadlineSeconds !== undefined ? { activeDeadlineSeconds: spec.retry.activeDeadlineSeconds } : {}),
    podFailurePolicy: {
      rules: [
        // A bad flag, or too many bad rows, fails the same way every time: give up on the shard at once.
        { action: 'FailIndex', onExitCodes: { containerName: BATCH_CONTAINER_NAME, operator: 'In', values: FINAL_EXIT_CODES } },
        // Evicted, preempted or drained: not the shard's fault, so no retry is spent on it.
        { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
      ],
    },
    template: buildBatchPodTemplate(run, config),
  };
}

export function buildBatchJob(run: BatchRun, config: BuildConfig): V1Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { ...batchChildMeta(run.meta, batchJobName(run.meta.name)), annotations: runAnnotations(run) },
    spec: buildBatchJobSpec(run, config),
  };
}

/** undefined when the spec has no schedule. */
export function buildBatchCronJob(run: BatchRun, config: BuildConfig): V1CronJob | undefined {
  const { spec, meta } = run;
  if (spec.schedule === undefined) return undefined;
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: batchChildMeta(meta, batchCronJobName(meta.name)),
    spec: {
      schedule: spec.schedule,
      ...(spec.timeZone !== undefined ? { timeZone: spec.timeZone } : {}),
      suspend: spec.suspend ?? false,
      // A run still scoring when the next is due keeps going; the next one waits for the schedule after.
      concurrencyPolicy: 'Forbid',
      successfulJobsHistoryLimit: spec.successfulRunsHistoryLimit,
      failedJobsHistoryLimit: spec.failedRunsHistoryLimit,
      jobTemplate: { metadata: { labels: batchLabels(meta), annotations: runAnnotations(run) }, spec: buildBatchJobSpec(run, config) },
    },
  };
}
