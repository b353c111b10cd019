// Generated from operator/src/api/batch-schema.ts by `make gen-operator`. Do not edit.

import type { Condition, LocalObjectReference, ModelSpec, Toleration } from './types.gen.ts';

/** What to score, with which model, where to write it, how to split and retry the work and, optionally, when to run again. */
export interface BatchInferenceSpec {
  /** The model, as in an InferenceService predictor (format, storageUri, credentials, resources, GPU). */
  model?: ModelSpec;
  /** Score with what an InferenceService in this namespace serves: the revision it has rolled out when the run starts (recorded in status.revision), with that revision's model block. */
  inferenceServiceRef?: InferenceServiceReference;
  /** The dataset to score: one file or every file under a prefix, in one format. */
  input: BatchInputSpec;
  /** Where predictions go: part-<shard> files, _markers/ and errors/ under one prefix. */
  output: BatchOutputSpec;
  /** Pieces the dataset is split into: the Job's completions, one pod per shard. */
  shards?: number;
  /** Shards scored at the same time; unset: all of them. */
  parallelism?: number;
  /** Rows handed to the model in one onnxruntime run; unset: 256, the runtime default. */
  batchSize?: number;
  /** Percent of a shard's rows that may fail (written to errors/) before the shard fails; unset: 0, so any bad row fails its shard (the runtime default). */
  maxFailedRowsPercent?: number;
  /** How failed shards are retried (Kubernetes' per-index backoff); a retried shard skips work its marker says is done. */
  retry?: BatchRetrySpec;
  /** Secret with the credentials of the input and output storage (the keys model storageSecretRef takes: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_ENDPOINT_URL, ...); without it the pod service account. */
  storageSecretRef?: DataSecretReference;
  /** Cron schedule (e.g. "0 2 * * *"): the operator creates a CronJob that starts a run each time, never two at once; unset: one run now. */
  schedule?: string;
  /** IANA time zone of the schedule (e.g. Europe/Paris); unset: the controller manager's zone. */
  timeZone?: string;
  /** For a schedule: start no new run while true. */
  suspend?: boolean;
  /** For a schedule: finished successful runs (Jobs and their pods) kept. */
  successfulRunsHistoryLimit?: number;
  /** For a schedule: failed runs (Jobs and their pods) kept. */
  failedRunsHistoryLimit?: number;
  /** ServiceAccount the shard pods run as (e.g. one bound to cloud storage credentials). */
  serviceAccountName?: string;
  /** Node labels the shard pods must match. */
  nodeSelector?: Record<string, string>;
  /** Tolerations added to the shard pods (GPU models also get the operator-configured GPU toleration). */
  tolerations?: Array<Toleration>;
  /** Secrets used to pull the runtime image from a private registry. */
  imagePullSecrets?: Array<LocalObjectReference>;
  /** Labels added to the shard pods. */
  labels?: Record<string, string>;
  /** Annotations added to the shard pods. */
  annotations?: Record<string, string>;
}

/** Observed state of the run (or, with a schedule, of its latest run), written by the operator. */
export interface BatchInferenceStatus {
  /** The metadata.generation the operator last reconciled successfully. */
  observedGeneration?: number;
  /** Running, Complete and Failed, with reasons and messages. */
  conditions?: Array<Condition>;
  /** One word for kubectl get: Pending, Running, Complete, Failed, Scheduled (waiting for the next run) or Invalid. */
  phase?: "Pending" | "Running" | "Complete" | "Failed" | "Scheduled" | "Invalid";
  /** The model scored with: its storageUri, or <InferenceService>/<revision> for an inferenceServiceRef. */
  model?: string;
  /** For inferenceServiceRef: the revision the InferenceService served when the run started. */
  revision?: string;
  /** storageUri of the model the run scores with. */
  modelUri?: string;
  /** The Job of the run (the latest one with a schedule). */
  jobName?: string;
  /** For a schedule: the CronJob that starts the runs. */
  cronJobName?: string;
  /** Shards of the run (the Job's completions). */
  shards?: number;
  /** Shards done: their part files and markers are written. */
  shardsSucceeded?: number;
  /** Shards that failed after their retries. */
  shardsFailed?: number;
  /** shardsSucceeded/shards, for kubectl get. */
  progress?: string;
  /** Rows scored by the finished shards. */
  rowsScored?: number;
  /** Rows the finished shards wrote to errors/ instead of scoring. */
  rowsFailed?: number;
  /** Rows scored per second of the run so far (finished shards over wall time). */
  rowsPerSecond?: number;
  /** When the run's Job started. */
  startTime?: string;
  /** When the run finished (completed or failed). */
  completionTime?: string;
  /** For a schedule: when the CronJob last started a run. */
  lastScheduleTime?: string;
  /** Prefix holding the part files, markers and errors of the run. */
  outputUri?: string;
}

/** The dataset to score: one file or every file under a prefix, in one format. */
export interface BatchInputSpec {
  /** A file (s3://bucket/data.parquet) or a prefix whose files are scored (s3://bucket/day=2026-11-29/); shards split the files, or the row ranges of a single file. */
  storageUri: string;
  /** Format of the input files: jsonl (one JSON object per line), csv (with a header row) or parquet. */
  format: "jsonl" | "csv" | "parquet";
  /** Model input name -> the columns that form its feature vector, in order (e.g. input: [sepal_length, sepal_width, petal_length, petal_width]); unset: every non-id, non-passthrough column feeds the model's single input. */
  inputMap?: Record<string, Array<string>>;
  /** Column copied to every output row as its key, so predictions join back to the input; unset: the row number. */
  idColumn?: string;
  /** Input columns copied unchanged into the output rows. */
  passthroughColumns?: Array<string>;
}

/** Where predictions go: part-<shard> files, _markers/ and errors/ under one prefix. */
export interface BatchOutputSpec {
  /** Prefix the shards write under: <prefix>/part-<shard>.<format>, <prefix>/_markers/part-<shard>.json, <prefix>/errors/part-<shard>.jsonl. */
  storageUri: string;
  /** Format of the prediction files; unset: the input format. */
  format?: "jsonl" | "csv" | "parquet";
  /** Model outputs written to the prediction files; unset: every output. */
  outputs?: Array<string>;
}

/** How failed shards are retried (Kubernetes' per-index backoff); a retried shard skips work its marker says is done. */
export interface BatchRetrySpec {
  /** Retries of each shard before the shard counts as failed. */
  backoffLimitPerIndex?: number;
  /** Failed shards tolerated before the whole run stops; unset: every shard runs to the end and the run fails if any shard failed. */
  maxFailedIndexes?: number;
  /** Longest a run may take, retries included, before Kubernetes stops it. */
  activeDeadlineSeconds?: number;
}

/** Secret with the credentials of the input and output storage (the keys model storageSecretRef takes: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_ENDPOINT_URL, ...); without it the pod service account. */
export interface DataSecretReference {
  /** Name of the Secret in the BatchInference namespace. */
  name: string;
}

/** Score with what an InferenceService in this namespace serves: the revision it has rolled out when the run starts (recorded in status.revision), with that revision's model block. */
export interface InferenceServiceReference {
  /** Name of the InferenceService in the same namespace. */
  name: string;
}
