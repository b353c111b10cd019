// The single source of the BatchInference API: a run (or a schedule of runs)
// that scores a dataset with the runtime's `batch` subcommand on an indexed
// Job. The CRD in crds/, batch-types.gen.ts and the ajv validator derive from
// it through the same generator as InferenceService (generate.ts).
//
// Everything here is tenant input: strings and lists are bounded, so that one
// object cannot cost the operator's cache megabytes, and every value that
// reaches the pod's command line is checked by the API server first.
import {
  GROUP, MAX_NAME_LENGTH, VERSION, boundedKeys, conditionSchema, localObjectReference, model, nameRules,
  storagePathRules, stringMap, toleration, type JsonSchema,
} from './schema.ts';

export { GROUP, VERSION };
export const BATCH_KIND = 'BatchInference';
export const BATCH_PLURAL = 'batchinferences';
export const BATCH_SINGULAR = 'batchinference';
export const BATCH_SHORT_NAMES = ['bi'];
export const BATCH_CATEGORIES = ['modelship'];
export const BATCH_API_VERSION = `${GROUP}/${VERSION}`;

/** File formats `runtime batch` reads and writes. */
export const BATCH_FORMATS = ['jsonl', 'csv', 'parquet'] as const;
/** Most shards (Job completions) of one run: each shard is a pod and a status entry. */
export const MAX_SHARDS = 1000;
/** Most columns named in one mapping list (inputs, passthrough, outputs). */
const MAX_COLUMNS = 256;

const columnName = (description: string): JsonSchema => ({ type: 'string', minLength: 1, maxLength: 256, description });
const columnList = (description: string, itemDescription: string): JsonSchema => ({
  type: 'array', maxItems: MAX_COLUMNS, items: columnName(itemDescription), description,
});

// Column and output names reach the runtime as comma-separated flag values.
const noSeparators = (field: string): JsonSchema => ({
  rule: "!self.exists(c, c.contains(',') || c.contains('=') || c.contains(';'))",
  message: `${field} must not contain ',', '=' or ';'`,
});

const dataUri = (field: string, description: string): JsonSchema => ({
  type: 'string',
  minLength: 1,
  maxLength: 2048,
  description,
  'x-kubernetes-validations': [
    { rule: "self.matches('^(s3|gs)://[^/]+(/.*)?$')", message: `${field} must start with s3:// or gs:// followed by a bucket name` },
    ...storagePathRules(field),
  ],
});

const format = (description: string): JsonSchema => ({ type: 'string', enum: [...BATCH_FORMATS], description });

const input: JsonSchema = {
  type: 'object',
  title: 'BatchInputSpec',
  description: 'The dataset to score: one file or every file under a prefix, in one format.',
  required: ['storageUri', 'format'],
  properties: {
    storageUri: dataUri('input.storageUri', 'A file (s3://bucket/data.parquet) or a prefix whose files are scored (s3://bucket/day=2026-11-29/); shards split the files, or the row ranges of a single file.'),
    format: format('Format of the input files: jsonl (one JSON object per line), csv (with a header row) or parquet.'),
    inputMap: {
      type: 'object',
      maxProperties: 16,
      description: 'Model input name -> the columns that form its feature vector, in order (e.g. input: [sepal_length, sepal_width, petal_length, petal_width]); unset: every non-id, non-passthrough column feeds the model\'s single input.',
      additionalProperties: { ...columnList('Columns of this model input, in feature order.', 'A column of the input files.'), minItems: 1, 'x-kubernetes-validations': [noSeparators('inputMap columns')] },
      'x-kubernetes-validations': [
        ...boundedKeys(256),
        { rule: "self.all(k, !k.contains(',') && !k.contains('=') && !k.contains(';'))", message: "inputMap keys must not contain ',', '=' or ';'" },
      ],
    },
    idColumn: { ...columnName('Column copied to every output row as its key, so predictions join back to the input; unset: the row number.'), 'x-kubernetes-validations': [{ rule: "!self.contains(',')", message: "idColumn must not contain ','" }] },
    passthroughColumns: {
      ...columnList('Input columns copied unchanged into the output rows.', 'An input column to copy.'),
      'x-kubernetes-validations': [noSeparators('passthroughColumns')],
    },
  },
};

const output: JsonSchema = {
  type: 'object',
  title: 'BatchOutputSpec',
  description: 'Where predictions go: part-<shard> files, _markers/ and errors/ under one prefix.',
  required: ['storageUri'],
  properties: {
    storageUri: dataUri('output.storageUri', 'Prefix the shards write under: <prefix>/part-<shard>.<format>, <prefix>/_markers/part-<shard>.json, <prefix>/errors/part-<shard>.jsonl.'),
    format: { ...format('Format of the prediction files; unset: the input format.') },
    outputs: {
      ...columnList('Model outputs written to the prediction files; unset: every output.', 'Name of a model output.'),
      'x-kubernetes-validations': [noSeparators('outputs')],
    },
  },
};

const inferenceServiceRef: JsonSchema = {
  type: 'object',
  title: 'InferenceServiceReference',
  description: 'Score with what an InferenceService in this namespace serves: the revision it has rolled out when the run starts (recorded in status.revision), with that revision\'s model block.',
  required: ['name'],
  properties: { name: { type: 'string', minLength: 1, maxLength: MAX_NAME_LENGTH, description: 'Name of the InferenceService in the same namespace.' } },
};

const retry: JsonSchema = {
  type: 'object',
  title: 'BatchRetrySpec',
  description: "How failed shards are retried (Kubernetes' per-index backoff); a retried shard skips work its marker says is done.",
  properties: {
    backoffLimitPerIndex: { type: 'integer', minimum: 0, maximum: 100, default: 3, description: 'Retries of each shard before the shard counts as failed.' },
    maxFailedIndexes: {
      type: 'integer', minimum: 0, maximum: MAX_SHARDS,
      description: 'Failed shards tolerated before the whole run stops; unset: every shard runs to the end and the run fails if any shard failed.',
    },
    activeDeadlineSeconds: { type: 'integer', minimum: 1, maximum: 2592000, description: 'Longest a run may take, retries included, before Kubernetes stops it.' },
  },
};

// Five space-separated fields of cron characters, or one of the macros the
// CronJob controller accepts. The controller parses it; this keeps an
// obviously wrong value (a sentence, a shell command) out of the object.
const CRON_PATTERN = '^(@(yearly|annually|monthly|weekly|daily|midnight|hourly)|([0-9*/,?LW#A-Za-z-]+[ ]+){4}[0-9*/,?LW#A-Za-z-]+)$';

const spec: JsonSchema = {
  type: 'object',
  title: 'BatchInferenceSpec',
  description: 'What to score, with which model, where to write it, how to split and retry the work and, optionally, when to run again.',
  required: ['input', 'output'],
  properties: {
    model: { ...model, description: 'The model, as in an InferenceService predictor (format, storageUri, credentials, resources, GPU).' },
    inferenceServiceRef,
    input,
    output,
    shards: { type: 'integer', minimum: 1, maximum: MAX_SHARDS, default: 1, description: 'Pieces the dataset is split into: the Job\'s completions, one pod per shard.' },
    parallelism: { type: 'integer', minimum: 1, maximum: MAX_SHARDS, description: 'Shards scored at the same time; unset: all of them.' },
    batchSize: { type: 'integer', minimum: 1, maximum: 65536, description: 'Rows handed to the model in one onnxruntime run; unset: 256, the runtime default.' },
    maxFailedRowsPercent: {
      type: 'number', minimum: 0, maximum: 100,
      description: "Percent of a shard's rows that may fail (written to errors/) before the shard fails; unset: 0, so any bad row fails its shard (the runtime default).",
    },
    retry,
    storageSecretRef: {
      ...localObjectReference,
      title: 'DataSecretReference',
      description: 'Secret with the credentials of the input and output storage (the keys model storageSecretRef takes: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_ENDPOINT_URL, ...); without it the pod service account.',
      properties: { name: { type: 'string', minLength: 1, maxLength: 253, description: 'Name of the Secret in the BatchInference namespace.' } },
    },
    schedule: {
      type: 'string', minLength: 1, maxLength: 128,
      description: 'Cron schedule (e.g. "0 2 * * *"): the operator creates a CronJob that starts a run each time, never two at once; unset: one run now.',
      'x-kubernetes-validations': [{ rule: `self.matches('${CRON_PATTERN}')`, message: 'schedule must be five cron fields or a macro such as @daily' }],
    },
    timeZone: {
      type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z][A-Za-z0-9_+/-]*$',
      description: 'IANA time zone of the schedule (e.g. Europe/Paris); unset: the controller manager\'s zone.',
    },
    suspend: { type: 'boolean', description: 'For a schedule: start no new run while true.' },
    successfulRunsHistoryLimit: { type: 'integer', minimum: 0, maximum: 100, default: 3, description: 'For a schedule: finished successful runs (Jobs and their pods) kept.' },
    failedRunsHistoryLimit: { type: 'integer', minimum: 0, maximum: 100, default: 1, description: 'For a schedule: failed runs (Jobs and their pods) kept.' },
    serviceAccountName: { type: 'string', maxLength: 253, description: 'ServiceAccount the shard pods run as (e.g. one bound to cloud storage credentials).' },
    nodeSelector: stringMap('Node labels the shard pods must match.'),
    tolerations: { type: 'array', maxItems: 32, items: toleration, description: 'Tolerations added to the shard pods (GPU models also get the operator-configured GPU toleration).' },
    imagePullSecrets: { type: 'array', maxItems: 16, items: localObjectReference, description: 'Secrets used to pull the runtime image from a private registry.' },
    labels: stringMap('Labels added to the shard pods.'),
    annotations: stringMap('Annotations added to the shard pods.'),
  },
  'x-kubernetes-validations': [
    { rule: 'has(self.model) != has(self.inferenceServiceRef)', message: 'exactly one of model and inferenceServiceRef must be set' },
    { rule: '!has(self.parallelism) || self.parallelism <= self.shards', message: 'parallelism must not exceed shards' },
    {
      rule: '!has(self.retry) || !has(self.retry.maxFailedIndexes) || self.retry.maxFailedIndexes <= self.shards',
      message: 'retry.maxFailedIndexes must not exceed shards',
    },
    { rule: '!has(self.timeZone) || has(self.schedule)', message: 'timeZone needs a schedule' },
    { rule: '!has(self.suspend) || has(self.schedule)', message: 'suspend needs a schedule' },
    // A run's Job is immutable once created: an edit would describe a run that never happened.
    { rule: 'has(self.schedule) == has(oldSelf.schedule)', message: 'schedule cannot be added or removed: create a new BatchInference' },
    { rule: 'has(self.schedule) || self == oldSelf', message: 'the spec of a run without a schedule is immutable: create a new BatchInference to run again' },
  ],
};

// Status fields are written by the operator, but are bounded all the same.
const text = (description: string, maxLength = 2048): JsonSchema => ({ type: 'string', maxLength, description });
const count = (description: string): JsonSchema => ({ type: 'integer', format: 'int64', minimum: 0, description });
const time = (description: string): JsonSchema => ({ type: 'string', format: 'date-time', description });

const status: JsonSchema = {
  type: 'object',
  title: 'BatchInferenceStatus',
  description: 'Observed state of the run (or, with a schedule, of its latest run), written by the operator.',
  properties: {
    observedGeneration: { type: 'integer', format: 'int64', description: 'The metadata.generation the operator last reconciled successfully.' },
    conditions: {
      type: 'array',
      maxItems: 8,
      description: 'Running, Complete and Failed, with reasons and messages.',
      items: conditionSchema('BatchInference', 'Running, Complete or Failed'),
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
    },
    phase: { type: 'string', enum: ['Pending', 'Running', 'Complete', 'Failed', 'Scheduled', 'Invalid'], description: 'One word for kubectl get: Pending, Running, Complete, Failed, Scheduled (waiting for the next run) or Invalid.' },
    model: text('The model scored with: its storageUri, or <InferenceService>/<revision> for an inferenceServiceRef.'),
    revision: text('For inferenceServiceRef: the revision the InferenceService served when the run started.', 253),
    modelUri: text('storageUri of the model the run scores with.'),
    jobName: text('The Job of the run (the latest one with a schedule).', 253),
    cronJobName: text('For a schedule: the CronJob that starts the runs.', 253),
    shards: count('Shards of the run (the Job\'s completions).'),
    shardsSucceeded: count('Shards done: their part files and markers are written.'),
    shardsFailed: count('Shards that failed after their retries.'),
    progress: text('shardsSucceeded/shards, for kubectl get.', 32),
    rowsScored: count('Rows scored by the finished shards.'),
    rowsFailed: count('Rows the finished shards wrote to errors/ instead of scoring.'),
    rowsPerSecond: { type: 'number', minimum: 0, description: 'Rows scored per second of the run so far (finished shards over wall time).' },
    startTime: time('When the run\'s Job started.'),
    completionTime: time('When the run finished (completed or failed).'),
    lastScheduleTime: time('For a schedule: when the CronJob last started a run.'),
    outputUri: text('Prefix holding the part files, markers and errors of the run.'),
  },
};

export const batchSpecSchema: JsonSchema = spec;
export const batchStatusSchema: JsonSchema = status;

export const batchOpenApiSchema: JsonSchema = {
  type: 'object',
  description: 'A BatchInference scores a dataset with the same runtime and model that serve online, on a Kubernetes indexed Job (one pod per shard), once or on a schedule.',
  required: ['spec'],
  properties: {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { type: 'object' },
    spec: batchSpecSchema,
    status: batchStatusSchema,
  },
  'x-kubernetes-validations': nameRules('it names the Job, its pods and the CronJob', ''),
};

export const batchPrinterColumns = [
  { name: 'Model', type: 'string', jsonPath: '.status.model' },
  { name: 'Progress', type: 'string', jsonPath: '.status.progress' },
  { name: 'Rows/s', type: 'number', jsonPath: '.status.rowsPerSecond' },
  { name: 'Status', type: 'string', jsonPath: '.status.phase' },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
];
