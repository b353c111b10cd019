// The single source of the InferenceService API: the CRD manifest in crds/,
// the TypeScript types in types.gen.ts and the ajv validator all derive from
// the schema below (see generate.ts; a unit test fails when crds/ drifts).
//
// Field names follow KServe's v1beta1 predictor so that a KServe ONNX manifest
// works with only apiVersion changed. `title` names the generated TypeScript
// interface for an object; `description` feeds `kubectl explain`.

import { affinity } from './affinity-schema.ts';

export const GROUP = 'serving.modelship.io';
export const VERSION = 'v1alpha1';
export const KIND = 'InferenceService';
export const PLURAL = 'inferenceservices';
export const SINGULAR = 'inferenceservice';
export const SHORT_NAMES = ['isvc'];
export const CATEGORIES = ['modelship'];
export const API_VERSION = `${GROUP}/${VERSION}`;

/** Longest InferenceService name: child names append suffixes (see names.ts). */
export const MAX_NAME_LENGTH = 45;

/** URI schemes a model may be stored under; pvc mounts, the rest are fetched. */
export const STORAGE_SCHEMES = ['pvc', 's3', 'gs', 'https'] as const;

export const SCALE_METRICS = ['queueLength', 'concurrency', 'cpu', 'memory'] as const;

export type JsonSchema = { [key: string]: unknown };

// Free-form maps are bounded in entries, key and value length: every
// InferenceService sits in the operator's cache (a 128 MB heap), and a tenant
// must not be able to make one object cost megabytes. Structural schemas have
// no propertyNames, so key length is a CEL rule (cheap: bounded by maxProperties).
const MAX_MAP_ENTRIES = 64;
/** A qualified Kubernetes key: a 253-character DNS prefix, '/', a 63-character name. */
export const MAX_KEY_LENGTH = 317;
export const boundedKeys = (maxKeyLength: number): JsonSchema[] => [
  { rule: `self.all(k, k.size() <= ${maxKeyLength})`, message: `keys must be at most ${maxKeyLength} characters` },
];

export const stringMap = (description: string): JsonSchema => ({
  type: 'object',
  description,
  maxProperties: MAX_MAP_ENTRIES,
  additionalProperties: { type: 'string', maxLength: 1024 },
  'x-kubernetes-validations': boundedKeys(MAX_KEY_LENGTH),
});

// Kubernetes resource quantity: int-or-string with the apimachinery pattern.
const quantity: JsonSchema = {
  anyOf: [{ type: 'integer' }, { type: 'string' }],
  maxLength: 64,
  pattern: '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$',
  'x-kubernetes-int-or-string': true,
};

const resources: JsonSchema = {
  type: 'object',
  title: 'ResourceRequirements',
  description: 'Compute resources of the model server container; request nvidia.com/gpu to place it on a GPU node.',
  properties: {
    requests: {
      type: 'object', maxProperties: 16, additionalProperties: quantity, 'x-kubernetes-validations': boundedKeys(MAX_KEY_LENGTH),
      description: 'Minimum resources the scheduler reserves for each model server pod (e.g. cpu: 500m, memory: 1Gi).',
    },
    limits: {
      type: 'object', maxProperties: 16, additionalProperties: quantity, 'x-kubernetes-validations': boundedKeys(MAX_KEY_LENGTH),
      description: 'Maximum resources of each model server pod; nvidia.com/gpu here selects the GPU runtime and a GPU node.',
    },
  },
};

export const toleration: JsonSchema = {
  type: 'object',
  title: 'Toleration',
  description: 'A core/v1 Toleration: lets the predictor pods run on nodes with a matching taint.',
  properties: {
    key: { type: 'string', maxLength: 316, description: 'Taint key the toleration applies to; empty with operator Exists matches every taint.' },
    operator: { type: 'string', enum: ['Exists', 'Equal'], description: 'Exists matches any value of the key; Equal (the default) needs value to match.' },
    value: { type: 'string', maxLength: 63, description: 'Taint value to match when operator is Equal.' },
    effect: { type: 'string', enum: ['NoSchedule', 'PreferNoSchedule', 'NoExecute'], description: 'Taint effect to match; empty matches every effect.' },
    tolerationSeconds: { type: 'integer', format: 'int64', description: 'For NoExecute taints: how long the pod stays bound after the taint appears.' },
  },
};

const envVar: JsonSchema = {
  type: 'object',
  title: 'EnvVar',
  description: 'An environment variable of the model server container.',
  required: ['name'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 256, description: 'Name of the environment variable.' },
    value: { type: 'string', maxLength: 32768, description: 'Value of the environment variable (plain text; use a Secret for credentials).' },
  },
};

const batching: JsonSchema = {
  type: 'object',
  title: 'Batching',
  description: 'Server-side dynamic batching of the runtime; unset fields take the operator defaults, else the runtime defaults.',
  properties: {
    maxBatchSize: { type: 'integer', minimum: 1, maximum: 1024, description: 'Largest batch handed to the model in one run.' },
    maxQueueDelayMs: { type: 'integer', minimum: 0, maximum: 60000, description: 'Longest a request waits for a batch to fill.' },
    maxQueueSize: { type: 'integer', minimum: 1, maximum: 100000, description: 'Requests queued before the server answers 503.' },
    queueTimeoutMs: {
      type: 'integer',
      minimum: 0,
      maximum: 600000,
      description: 'A request still queued after this long gets 503 with Retry-After; 0 means no timeout. Unset: the runtime default (30000).',
    },
  },
  'x-kubernetes-validations': [
    {
      rule: '!has(self.maxBatchSize) || !has(self.maxQueueSize) || self.maxBatchSize <= self.maxQueueSize',
      message: 'batching.maxBatchSize must not exceed batching.maxQueueSize',
    },
  ],
};

// Rules every storage URI field shares: no '..' segment, a DNS-1123 claim for pvc://.
export const storagePathRules = (field: string) => [
  { rule: "!self.matches('(^|/)[.][.](/|$)')", message: `${field} must not contain a '..' path segment` },
  {
    rule: "!self.startsWith('pvc://') || self.matches('^pvc://[a-z0-9]([-a-z0-9]*[a-z0-9])?(/.*)?$')",
    message: `pvc ${field} must be pvc://<claim-name>/<path> with a DNS-1123 claim name`,
  },
];

/** Where a model the runtime serves lives: the same schemes and rules for the primary and a fallback model. */
const modelStorageUri = (field: string, description: string): JsonSchema => ({
  type: 'string',
  minLength: 1,
  maxLength: 2048,
  description,
  'x-kubernetes-validations': [
    { rule: "self.matches('^(pvc|s3|gs|https)://.+')", message: `${field} must start with pvc://, s3://, gs:// or https://` },
    ...storagePathRules(field),
  ],
});

/** Modes of spec.predictor.logger, as KServe names them. */
export const LOGGER_MODES = ['all', 'request', 'response'] as const;

/** Schemes a payload-logger blob sink may write to (pvc mounts a claim read-write). */
export const LOGGER_STORAGE_SCHEMES = ['s3', 'gs', 'pvc'] as const;

// An http(s) URL with a host, no whitespace; the API server reports the message.
const httpUrlRule = (field: string) => ({
  rule: "self.matches('^https?://[^/?#\\\\s]+([/?#]\\\\S*)?$')",
  message: `${field} must be an http:// or https:// URL with a host`,
});

const samplingFraction = (description: string): JsonSchema => ({ type: 'number', minimum: 0, maximum: 1, description });

const logger: JsonSchema = {
  type: 'object',
  title: 'LoggerSpec',
  description: 'Payload logging (KServe field names): every sampled request and/or response is sent as a CloudEvent to url and/or appended to JSONL files under storageUri. The inference path never waits for a sink; events a full queue cannot take are dropped and counted.',
  properties: {
    url: {
      type: 'string',
      maxLength: 2048,
      description: 'HTTP sink: CloudEvents 1.0 in binary content mode are POSTed here (e.g. a Knative broker or a message dumper).',
      'x-kubernetes-validations': [httpUrlRule('logger.url')],
    },
    mode: { type: 'string', enum: [...LOGGER_MODES], default: 'all', description: 'What is logged: all (requests and responses), request or response.' },
    metadataHeaders: {
      type: 'array',
      maxItems: 32,
      description: 'Request headers copied into each event (as extension attributes on CloudEvents, as a headers map in JSONL).',
      items: { type: 'string', minLength: 1, maxLength: 256, pattern: "^[A-Za-z0-9!#$%&'*+.^_`|~-]+$" },
    },
    sampleRate: samplingFraction('Fraction of requests logged, 0..1 (default 1: every request).'),
    storageUri: {
      type: 'string',
      maxLength: 2048,
      description: 'Blob sink: a prefix (s3://bucket/prefix, gs://bucket/prefix or pvc://claim/path) under which time-partitioned JSONL files are written, one event per line.',
      'x-kubernetes-validations': [
        { rule: "self.matches('^(s3|gs|pvc)://[^/]+(/.*)?$')", message: 'logger.storageUri must start with s3://, gs:// or pvc:// followed by a bucket or claim name' },
        ...storagePathRules('logger.storageUri'),
      ],
    },
    storageSecretRef: {
      type: 'object',
      title: 'LoggerSecretReference',
      description: 'Secret with AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and optionally AWS_ENDPOINT_URL, AWS_REGION for the blob sink (as for model storage); without it the default credential chain applies.',
      required: ['name'],
      properties: { name: { type: 'string', minLength: 1, maxLength: 253, description: 'Name of the Secret in the InferenceService namespace.' } },
    },
  },
  'x-kubernetes-validations': [
    { rule: 'has(self.url) || has(self.storageUri)', message: 'logger needs a url, a storageUri or both' },
    { rule: '!has(self.storageSecretRef) || has(self.storageUri)', message: 'logger.storageSecretRef needs logger.storageUri' },
  ],
};

const tracing: JsonSchema = {
  type: 'object',
  title: 'TracingSpec',
  description: 'OpenTelemetry tracing of the model server (spans for the request, queue wait, batch, compute and encoding) over OTLP/HTTP; unset fields take the operator defaults. Without an endpoint tracing is off.',
  properties: {
    endpoint: {
      type: 'string',
      maxLength: 2048,
      description: 'OTLP/HTTP traces endpoint, e.g. http://otel-collector.observability:4318/v1/traces.',
      'x-kubernetes-validations': [httpUrlRule('tracing.endpoint')],
    },
    samplingRatio: samplingFraction('Fraction of traces started here that are sampled, 0..1; a sampled parent (traceparent) is always followed.'),
  },
};

/** Input policies of spec.predictor.monitoring (runtime flag --input-policy). */
export const INPUT_POLICIES = ['reject', 'flag', 'off'] as const;
/** Bounds of spec.predictor.monitoring.window (requests per drift window); the runtime's --drift-window takes the same range. */
export const DRIFT_WINDOW_MIN = 10;
export const DRIFT_WINDOW_MAX = 1_000_000;
/** Largest driftThreshold: PSI above 10 means disjoint distributions; a higher threshold could never fire. */
export const DRIFT_THRESHOLD_MAX = 10;

const monitoring: JsonSchema = {
  type: 'object',
  title: 'MonitoringSpec',
  description: "Drift and input monitoring against the model's training profile (<model>.profile.json beside the model; docs/monitoring.md). Unset fields take the operator defaults (chart values monitoring.*). Without a profile the runtime computes no drift and inputPolicy reject/flag has no ranges to apply.",
  properties: {
    driftThreshold: {
      type: 'number',
      minimum: 0,
      maximum: DRIFT_THRESHOLD_MAX,
      description: 'Population stability index (PSI) of a feature above which the InferenceService reports DriftDetected (default 0.2: 0.1..0.2 is a moderate shift, above 0.2 a significant one).',
      'x-kubernetes-validations': [{ rule: 'self > 0.0', message: 'monitoring.driftThreshold must be greater than 0' }],
    },
    window: {
      type: 'integer',
      minimum: DRIFT_WINDOW_MIN,
      maximum: DRIFT_WINDOW_MAX,
      description: `Requests per drift window (${DRIFT_WINDOW_MIN}..${DRIFT_WINDOW_MAX}; default 1000): the live statistics compared with the profile cover the last window.`,
    },
    inputPolicy: {
      type: 'string',
      enum: [...INPUT_POLICIES],
      description: "Inputs outside the profile's training range: reject (400 naming feature, value and range), flag (served, counted and marked in the response) or off (default). Non-finite values are refused whatever this says.",
    },
  },
};

/** Primary failures a fallback answers (runtime flag --fallback-on). */
export const FALLBACK_TRIGGERS = ['queueFull', 'deadline', 'error'] as const;
/** Numeric datatypes of a static fallback tensor: its elements go in `data`. */
const FALLBACK_NUMERIC_DATATYPES = ['UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'FP32', 'FP64'] as const;
/** Most elements of a static fallback tensor, and longest BYTES element: the response lives in the pod's args. */
export const FALLBACK_MAX_ELEMENTS = 4096;
export const FALLBACK_MAX_BYTES_LENGTH = 1024;

// A structural schema cannot type one list as numbers, booleans or strings,
// so each kind has its own list (as the v2 gRPC InferTensorContents has
// fp32_contents, bool_contents, bytes_contents); the operator hands the
// runtime the one v2 `data` list.
const fallbackTensor: JsonSchema = {
  type: 'object',
  title: 'FallbackTensor',
  description: 'One output of the static response, as a v2 response tensor (name, datatype, shape, row-major elements): numbers in data, BOOL elements in boolData, BYTES elements in bytesData.',
  required: ['name', 'datatype', 'shape'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 256, description: "The model output's name." },
    datatype: { type: 'string', enum: [...FALLBACK_NUMERIC_DATATYPES, 'BOOL', 'BYTES'], description: "The output's v2 datatype (the runtime checks it is the model's)." },
    shape: { type: 'array', maxItems: 8, items: { type: 'integer', minimum: 0, maximum: 4096 }, description: 'The tensor shape; a first dimension of 1 is repeated for each row of a batch request.' },
    data: { type: 'array', maxItems: FALLBACK_MAX_ELEMENTS, items: { type: 'number' }, description: 'The elements of a numeric output, row-major.' },
    boolData: { type: 'array', maxItems: FALLBACK_MAX_ELEMENTS, items: { type: 'boolean' }, description: 'The elements of a BOOL output, row-major.' },
    bytesData: {
      type: 'array',
      maxItems: FALLBACK_MAX_ELEMENTS,
      items: { type: 'string', maxLength: FALLBACK_MAX_BYTES_LENGTH },
      description: `The elements of a BYTES output (UTF-8 strings of at most ${FALLBACK_MAX_BYTES_LENGTH} characters), row-major.`,
    },
  },
  'x-kubernetes-validations': [
    {
      rule: "self.datatype == 'BOOL' ? (has(self.boolData) && !has(self.data) && !has(self.bytesData)) : self.datatype == 'BYTES' ? (has(self.bytesData) && !has(self.data) && !has(self.boolData)) : (has(self.data) && !has(self.boolData) && !has(self.bytesData))",
      message: 'a fallback output takes its elements in data (numeric datatypes), boolData (BOOL) or bytesData (BYTES), and only there',
    },
  ],
};

const fallback: JsonSchema = {
  type: 'object',
  title: 'FallbackSpec',
  description: "What answers when the primary model cannot (docs/monitoring.md): a second, small ONNX model loaded in the same pod (storageUri) or a static v2 response, exactly one of them; used when the primary's queue is full, a request waits past deadlineMs, or its run fails. Answers carry parameters.fallback=true and the header x-modelship-fallback: true. Without it the runtime answers 503/500 as always.",
  properties: {
    storageUri: modelStorageUri(
      'fallback.storageUri',
      "Where the fallback model lives, as model.storageUri: pvc://claim/path (mounted read-only) or s3://, gs://, https:// (fetched beside the primary by a second init container, with the model's credentials and the operator's fetch policy). It must take the primary's inputs and return its outputs, or the runtime refuses to start.",
    ),
    response: {
      type: 'object',
      title: 'FallbackResponse',
      required: ['outputs'],
      description: 'The static answer (runtime flag --fallback-response); each output must be one of the model\'s, with its datatype, or the runtime refuses to start.',
      properties: { outputs: { type: 'array', minItems: 1, maxItems: 16, items: fallbackTensor, description: 'The response tensors, one per model output answered (at most 16).' } },
    },
    on: {
      type: 'array',
      maxItems: 3,
      'x-kubernetes-list-type': 'set',
      items: { type: 'string', enum: [...FALLBACK_TRIGGERS] },
      description: 'Which primary failures the fallback answers: queueFull, deadline, error (default: all three).',
    },
    deadlineMs: {
      type: 'integer',
      minimum: 1,
      maximum: 600000,
      description: "A request queued this long is answered by the fallback (trigger deadline); when shorter, it replaces batching.queueTimeoutMs for the primary.",
    },
  },
  'x-kubernetes-validations': [{ rule: 'has(self.response) != has(self.storageUri)', message: 'fallback needs exactly one of storageUri (a fallback model) or response (a static answer)' }],
};

export const model: JsonSchema = {
  type: 'object',
  title: 'ModelSpec',
  description: 'The model to serve: its format, where it is stored and the resources of its server.',
  required: ['modelFormat', 'storageUri'],
  properties: {
    modelFormat: {
      type: 'object',
      title: 'ModelFormat',
      description: 'Format of the model file (KServe field name).',
      required: ['name'],
      properties: {
        name: { type: 'string', enum: ['onnx'], description: 'Model format; Modelship serves ONNX.' },
        version: { type: 'string', maxLength: 64, description: 'Format version, informational (e.g. the ONNX opset the model was exported with).' },
      },
    },
    storageUri: modelStorageUri('storageUri', 'Where the model lives: pvc://claim/path (mounted read-only), s3://, gs:// or https:// (fetched by an init container).'),
    storageSecretRef: {
      type: 'object',
      title: 'SecretReference',
      description: 'Secret with the model fetch credentials and endpoint: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_ENDPOINT_URL, AWS_REGION, GOOGLE_OAUTH_ACCESS_TOKEN, ... (runtime/src/storage/README.md lists every key read). Without it the fetch uses the pod service account.',
      required: ['name'],
      properties: { name: { type: 'string', minLength: 1, maxLength: 253, description: 'Name of the Secret in the InferenceService namespace.' } },
    },
    storageRoleArn: {
      type: 'string',
      minLength: 1,
      maxLength: 2048,
      pattern: '^arn:[^\\s]+$',
      description: 'Role the model fetch assumes with the pod service-account token (AssumeRoleWithWebIdentity), when the operator projects one (--storage-token-audience) and no storageSecretRef is given.',
    },
    runtimeVersion: { type: 'string', maxLength: 128, description: 'Tag of the runtime image to use instead of the operator default.' },
    protocolVersion: {
      type: 'string',
      enum: ['v1', 'v2', 'grpc-v2'],
      description:
        "Inference protocol the clients speak (KServe's field and values). The runtime always serves v1 and v2 REST and v2 gRPC; grpc-v2 makes gRPC the primary port (Service port 80 and the route's main hostname), REST moving to port 8080.",
    },
    resources,
    env: { type: 'array', maxItems: 64, items: envVar, description: 'Extra environment variables for the model server container.' },
  },
};

// autoscaling/v2 HPAScalingRules, field for field, so users read the HPA docs.
const scalingRules = (direction: string): JsonSchema => ({
  type: 'object',
  title: direction === 'up' ? 'ScaleUpRules' : 'ScaleDownRules',
  description: `How fast the autoscaler scales ${direction}; unset fields keep the operator defaults.`,
  properties: {
    stabilizationWindowSeconds: {
      type: 'integer',
      minimum: 0,
      maximum: 3600,
      description: `Seconds of past recommendations considered before scaling ${direction}, to avoid flapping.`,
    },
    selectPolicy: { type: 'string', enum: ['Max', 'Min', 'Disabled'], description: 'Which policy wins when several apply; Disabled turns this direction off.' },
    policies: {
      type: 'array',
      maxItems: 8,
      description: `Limits on the change per period; replaces the default policies of this direction.`,
      items: {
        type: 'object',
        title: direction === 'up' ? 'ScaleUpPolicy' : 'ScaleDownPolicy',
        required: ['type', 'value', 'periodSeconds'],
        properties: {
          type: { type: 'string', enum: ['Pods', 'Percent'], description: 'Pods: an absolute count; Percent: of the current replicas.' },
          value: { type: 'integer', minimum: 1, maximum: 100000, description: 'Largest change allowed within periodSeconds.' },
          periodSeconds: { type: 'integer', minimum: 1, maximum: 1800, description: 'Window the value applies to.' },
        },
      },
    },
  },
});

const scaleBehavior: JsonSchema = {
  type: 'object',
  title: 'ScaleBehavior',
  description: 'Scale-up and scale-down behaviour of the autoscaler (autoscaling/v2 HPA behavior), merged onto the operator defaults.',
  properties: { scaleUp: scalingRules('up'), scaleDown: scalingRules('down') },
};

export const localObjectReference: JsonSchema = {
  type: 'object',
  title: 'LocalObjectReference',
  description: 'A reference to a Secret in the same namespace.',
  required: ['name'],
  properties: { name: { type: 'string', maxLength: 253, description: 'Name of the image pull Secret.' } },
};

/** Most steps a rollout may have: each is a Prometheus round and a status write. */
export const MAX_ROLLOUT_STEPS = 10;
/** Schema defaults of spec.predictor.rollout, also read by the analysis for objects stored without them. */
export const ROLLOUT_DEFAULTS = Object.freeze({
  pauseSeconds: 60,
  interval: 30,
  minRequests: 50,
  checks: Object.freeze({ errorRate: Object.freeze({ maxIncrease: 0.01 }), latencyP99: Object.freeze({ maxRatio: 1.5 }) }),
});

// Automated canary analysis, after Flagger's analysis and Argo Rollouts' canary
// steps: traffic moves through steps while checks comparing the canary with
// the stable revision in Prometheus pass; any failing check rolls back.
const rollout: JsonSchema = {
  type: 'object',
  title: 'RolloutSpec',
  description: 'Automated canary analysis: a new revision takes the traffic of each step in turn while the checks, comparing it with the rolled-out (stable) revision in Prometheus, pass; after the last step it is promoted, and any failing check rolls it back (RolloutAborted). Changing it creates no new revision.',
  required: ['steps'],
  properties: {
    steps: {
      type: 'array',
      minItems: 1,
      maxItems: MAX_ROLLOUT_STEPS,
      description: 'Traffic steps, strictly increasing percents below 100; promotion to 100% follows the last one.',
      items: {
        type: 'object',
        title: 'RolloutStep',
        required: ['trafficPercent'],
        properties: {
          trafficPercent: { type: 'integer', minimum: 1, maximum: 99, description: 'Share of requests for the new revision during this step.' },
          pauseSeconds: { type: 'integer', minimum: 0, maximum: 86400, default: ROLLOUT_DEFAULTS.pauseSeconds, description: 'How long the step is held, with passing checks, before the next one.' },
        },
      },
      'x-kubernetes-validations': [
        {
          rule: `[${Array.from({ length: MAX_ROLLOUT_STEPS - 1 }, (_, i) => i + 1).join(', ')}].all(i, i >= size(self) || self[i - 1].trafficPercent < self[i].trafficPercent)`,
          message: 'rollout.steps must have strictly increasing trafficPercent',
        },
      ],
    },
    interval: {
      type: 'integer',
      minimum: 5,
      maximum: 3600,
      default: ROLLOUT_DEFAULTS.interval,
      description: 'Seconds between two analyses; also the Prometheus window each one looks back over (keep it at least twice the scrape interval).',
    },
    minRequests: {
      type: 'integer',
      minimum: 1,
      maximum: 1000000000,
      default: ROLLOUT_DEFAULTS.minRequests,
      description: 'Requests the canary must have answered within the window before it is judged; with fewer the step waits.',
    },
    checks: {
      type: 'object',
      title: 'RolloutChecks',
      description: 'What the canary is judged on, each against the stable revision over the same window; a check fails when any of its bounds is exceeded.',
      default: structuredClone(ROLLOUT_DEFAULTS.checks),
      properties: {
        errorRate: {
          type: 'object',
          title: 'ErrorRateCheck',
          description: 'Share of requests answered with a 5xx status.',
          properties: {
            maxIncrease: { type: 'number', minimum: 0, maximum: 1, description: "Most the canary's error rate may exceed the stable one's, as a fraction (0.01: one percentage point)." },
            max: { type: 'number', minimum: 0, maximum: 1, description: "Highest error rate the canary may have, as a fraction, whatever the stable one's." },
          },
          'x-kubernetes-validations': [{ rule: 'has(self.maxIncrease) || has(self.max)', message: 'rollout.checks.errorRate needs maxIncrease, max or both' }],
        },
        latencyP99: {
          type: 'object',
          title: 'LatencyCheck',
          description: '99th percentile of the request duration (modelship_request_duration_seconds).',
          properties: {
            maxRatio: { type: 'number', minimum: 1, maximum: 100, description: "Most the canary's p99 may be, as a multiple of the stable one's (1.5: 50% slower)." },
            maxIncreaseMs: { type: 'integer', minimum: 0, maximum: 3600000, description: "Most the canary's p99 may exceed the stable one's, in milliseconds." },
            maxMs: { type: 'integer', minimum: 1, maximum: 3600000, description: 'Highest p99 the canary may have, in milliseconds.' },
          },
          'x-kubernetes-validations': [{ rule: 'has(self.maxRatio) || has(self.maxIncreaseMs) || has(self.maxMs)', message: 'rollout.checks.latencyP99 needs maxRatio, maxIncreaseMs or maxMs' }],
        },
        predictionDrift: {
          type: 'object',
          title: 'PredictionDriftCheck',
          description: "The canary's distribution of predicted classes against the stable revision's over the same window, per class output (modelship_predictions_total: needs a training profile beside the model, see docs/monitoring.md). Fails when any output exceeds a bound; with fewer than minRequests predictions counted on either side it waits.",
          properties: {
            maxPsi: { type: 'number', minimum: 0, maximum: 100, description: 'Highest population stability index between the two distributions (0.1 moderate, 0.2 significant shift).' },
            maxJensenShannon: { type: 'number', minimum: 0, maximum: 1, description: 'Highest Jensen-Shannon distance between the two distributions (natural log; at most 0.833).' },
          },
          'x-kubernetes-validations': [{ rule: 'has(self.maxPsi) || has(self.maxJensenShannon)', message: 'rollout.checks.predictionDrift needs maxPsi, maxJensenShannon or both' }],
        },
      },
    },
    paused: { type: 'boolean', description: 'True holds the rollout at its current step (no analysis, no progress); the annotation serving.modelship.io/rollout-paused: "true" does the same.' },
  },
};

const predictor: JsonSchema = {
  type: 'object',
  title: 'PredictorSpec',
  description: 'The model server: which model, how many replicas, how it batches, scales, splits traffic and where it runs.',
  required: ['model'],
  properties: {
    model,
    minReplicas: { type: 'integer', minimum: 0, maximum: 1000, default: 1, description: 'Fewest predictor pods; the replica count when maxReplicas is unset or equal.' },
    maxReplicas: { type: 'integer', minimum: 1, maximum: 1000, description: 'Above minReplicas, an autoscaler scales between the two.' },
    scaleMetric: {
      type: 'string',
      enum: [...SCALE_METRICS],
      // No schema default: the API server would store it in every object and
      // the operator's --default-scale-metric could never apply.
      description: 'What the autoscaler follows: queueLength (requests waiting in the runtime), concurrency (in-flight requests), cpu or memory (utilisation); unset: the operator default (queueLength unless configured).',
    },
    scaleTarget: {
      type: 'integer',
      minimum: 1,
      maximum: 1000000,
      description: 'Target average of scaleMetric per pod (percent for cpu and memory); unset: the operator default for its default metric, else 4 for queueLength, 8 for concurrency, 80 for cpu and memory.',
    },
    scaleBehavior,
    canaryTrafficPercent: {
      type: 'integer',
      minimum: 0,
      maximum: 100,
      description: 'Share of requests for the latest revision while the previous rolled-out one keeps the rest; unset promotes the latest to 100, 0 rolls back. With rollout set the steps drive the share, and an edit of this field pauses them.',
    },
    rollout,
    rollbackWindowSeconds: {
      type: 'integer',
      minimum: 0,
      maximum: 86400,
      description: 'After a switch (the latest revision taking all traffic from the rolled-out one: a blue-green switch or a promotion), the replaced revision keeps running without traffic, at the pods it served with, for this many seconds, so applying its spec again switches back at once; then it is deleted. Unset or 0: deleted at the switch. Changing it creates no new revision.',
    },
    batching,
    logger,
    tracing,
    monitoring,
    fallback,
    acceleratorType: {
      type: 'string',
      maxLength: 63,
      description: 'GPU product to select (a value of the operator-configured accelerator node label); needs an nvidia.com/gpu limit.',
    },
    nodeSelector: stringMap('Node labels the predictor pods must match.'),
    tolerations: { type: 'array', maxItems: 32, items: toleration, description: 'Tolerations added to the predictor pods (GPU models also get the operator-configured GPU toleration).' },
    affinity,
    serviceAccountName: { type: 'string', maxLength: 253, description: 'ServiceAccount the predictor pods run as (e.g. one bound to cloud storage credentials).' },
    imagePullSecrets: {
      type: 'array',
      maxItems: 16,
      description: 'Secrets used to pull the runtime image from a private registry.',
      items: localObjectReference,
    },
    annotations: stringMap('Annotations added to the predictor pods.'),
    labels: stringMap('Labels added to the predictor pods.'),
  },
  'x-kubernetes-validations': [
    {
      rule: '!has(self.maxReplicas) || !has(self.minReplicas) || self.minReplicas <= self.maxReplicas',
      message: 'minReplicas must be less than or equal to maxReplicas',
    },
    {
      rule: '!has(self.canaryTrafficPercent) || (self.canaryTrafficPercent >= 0 && self.canaryTrafficPercent <= 100)',
      message: 'canaryTrafficPercent must be between 0 and 100',
    },
    {
      rule: "!has(self.acceleratorType) || (has(self.model.resources) && has(self.model.resources.limits) && 'nvidia.com/gpu' in self.model.resources.limits)",
      message: 'acceleratorType needs an nvidia.com/gpu limit in model.resources',
    },
  ],
};

/** A metav1.Condition; `subject` and `types` only word the descriptions. */
export const conditionSchema = (subject: string, types: string): JsonSchema => ({
  type: 'object',
  title: 'Condition',
  description: `One aspect of the ${subject} state, as in metav1.Condition.`,
  required: ['type', 'status'],
  properties: {
    type: { type: 'string', description: `Condition type: ${types}.` },
    status: { type: 'string', enum: ['True', 'False', 'Unknown'], description: 'Whether the condition holds: True, False or Unknown.' },
    reason: { type: 'string', description: 'Machine-readable CamelCase reason for the last transition.' },
    message: { type: 'string', description: 'Human-readable details about the last transition.' },
    lastTransitionTime: { type: 'string', format: 'date-time', description: 'When the status last changed.' },
    observedGeneration: { type: 'integer', format: 'int64', description: 'The metadata.generation the condition was computed from.' },
  },
});

const condition = conditionSchema('InferenceService', 'PredictorReady, TrafficReady, Ready, or RolloutProgressing (automated rollouts)');

const trafficTarget: JsonSchema = {
  type: 'object',
  title: 'TrafficTarget',
  description: 'One revision of the predictor and its share of the traffic.',
  properties: {
    revisionName: { type: 'string', description: 'Name of the predictor revision.' },
    percent: { type: 'integer', description: 'Percent of requests routed to this revision.' },
    latestRevision: { type: 'boolean', description: 'True for the revision built from the current spec.' },
    tag: { type: 'string', description: 'Tag of the revision: latest or prev for the main predictor, the variant name for a variant, shadow for the shadow.' },
    variant: { type: 'string', description: 'The variant the revision belongs to; absent for the main predictor.' },
    ready: { type: 'boolean', description: 'Variants and shadow: whether the revision is Ready; an unready variant\'s share stays with the main predictor.' },
    url: { type: 'string', description: 'URL that reaches this revision only.' },
  },
};

/** Phases of an automated rollout (status.components.predictor.rollout.phase). */
export const ROLLOUT_PHASES = ['Progressing', 'Paused', 'Succeeded', 'Aborted'] as const;

const rolloutStatus: JsonSchema = {
  type: 'object',
  title: 'RolloutStatus',
  description: 'Progress of the automated rollout (spec.predictor.rollout) of the latest revision; the share it gives the canary lives here, so the spec is never rewritten.',
  properties: {
    revision: { type: 'string', description: 'Revision being rolled out (the canary).' },
    phase: { type: 'string', enum: [...ROLLOUT_PHASES], description: 'Progressing, Paused (field, annotation or a manual canaryTrafficPercent edit), Succeeded (promoted) or Aborted (rolled back).' },
    currentStepIndex: { type: 'integer', description: 'Index (from 0) of the step in spec.predictor.rollout.steps the canary is on.' },
    trafficPercent: { type: 'integer', description: 'Share of requests the steps give the canary now: 0 after an abort, 100 once promoting.' },
    stepStartTime: { type: 'string', format: 'date-time', description: "When the canary took this step's share; the step is held pauseSeconds from then." },
    specCanaryTrafficPercent: { type: 'integer', description: 'spec.predictor.canaryTrafficPercent when the rollout started (absent: unset); an edit away from it is a manual override and pauses the steps.' },
    failedCheck: { type: 'string', description: 'The check that aborted the rollout (errorRate, latencyP99 or predictionDrift).' },
  },
};

const rollbackWindowStatus: JsonSchema = {
  type: 'object',
  title: 'RollbackWindowStatus',
  description: 'The revision replaced at the last switch, kept warm without traffic until expiresAt (spec.predictor.rollbackWindowSeconds).',
  properties: {
    revisionName: { type: 'string', description: 'The replaced revision; applying its spec again moves all traffic back to it at once.' },
    replicas: { type: 'integer', description: 'Pods it keeps: those it served with at the switch (at least its minReplicas).' },
    switchTime: { type: 'string', format: 'date-time', description: 'When the latest revision took all traffic from it.' },
    expiresAt: { type: 'string', format: 'date-time', description: 'When it is deleted: switchTime plus rollbackWindowSeconds as the spec says now.' },
  },
};

const status: JsonSchema = {
  type: 'object',
  title: 'InferenceServiceStatus',
  description: 'Observed state, written by the operator.',
  properties: {
    observedGeneration: { type: 'integer', format: 'int64', description: 'The metadata.generation the operator last reconciled successfully.' },
    conditions: {
      type: 'array',
      description: 'PredictorReady, TrafficReady and Ready, with reasons and messages; RolloutProgressing while and after an automated rollout.',
      items: condition,
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
    },
    url: { type: 'string', description: 'URL clients send inference requests to.' },
    address: {
      type: 'object',
      title: 'Addressable',
      description: 'In-cluster address of the predictor.',
      properties: { url: { type: 'string', description: 'In-cluster URL (http://<service>.<namespace>.svc.<cluster domain>).' } },
    },
    replicas: { type: 'integer', description: 'Predictor pods wanted by the Deployment.' },
    readyReplicas: { type: 'integer', description: 'Predictor pods passing their readiness probe.' },
    components: {
      type: 'object',
      title: 'ComponentsStatus',
      description: 'Status per component (KServe layout); Modelship has a predictor only.',
      properties: {
        predictor: {
          type: 'object',
          title: 'PredictorStatus',
          description: 'Revisions and traffic split of the predictor.',
          properties: {
            url: { type: 'string', description: 'URL of the predictor.' },
            latestCreatedRevision: { type: 'string', description: 'Revision built from the current spec.' },
            latestReadyRevision: { type: 'string', description: 'Newest revision whose pods are ready.' },
            latestRolledoutRevision: { type: 'string', description: 'Revision that last took 100% of the traffic.' },
            previousRolledoutRevision: { type: 'string', description: 'Rolled-out revision before the latest; the canary rollback target.' },
            traffic: { type: 'array', items: trafficTarget, description: 'Traffic split between revisions: the main predictor\'s, each variant\'s (tagged with its name) and the shadow (percent 0).' },
            variants: { type: 'string', description: 'One line for kubectl get: each variant\'s name=percent, and the shadow\'s mirrored percent.' },
            shadow: {
              type: 'object',
              title: 'ShadowStatus',
              description: 'The shadow revision and how its copies are made.',
              properties: {
                revisionName: { type: 'string', description: 'Name of the shadow revision.' },
                percent: { type: 'integer', description: 'Percent of live requests copied to it now (0 until it is Ready).' },
                mechanism: { type: 'string', enum: ['gatewayApi', 'istio', 'runtime'], description: 'What copies the requests: the HTTPRoute RequestMirror filter, the VirtualService mirror, or the serving revisions\' runtime (Service mode).' },
                url: { type: 'string', description: 'URL that reaches the shadow revision only.' },
              },
            },
            rollout: rolloutStatus,
            rollbackWindow: rollbackWindowStatus,
          },
        },
      },
    },
    modelStatus: {
      type: 'object',
      title: 'ModelStatus',
      description: 'Whether the model is loaded, read from the predictor pods and containers.',
      properties: {
        states: {
          type: 'object',
          title: 'ModelStates',
          description: 'Model state of the serving revision and of the one being rolled out.',
          properties: {
            activeModelState: { type: 'string', enum: ['Pending', 'Loading', 'Loaded', 'FailedToLoad'], description: 'State of the model serving traffic now.' },
            targetModelState: { type: 'string', enum: ['Pending', 'Loading', 'Loaded', 'FailedToLoad'], description: 'State of the model being rolled out.' },
          },
        },
        transitionStatus: {
          type: 'string',
          enum: ['UpToDate', 'InProgress', 'BlockedByFailedLoad', 'InvalidSpec'],
          description: 'Progress of the rollout to the current spec.',
        },
        lastFailureInfo: {
          type: 'object',
          title: 'FailureInfo',
          description: 'The last model load failure, if any.',
          properties: {
            reason: { type: 'string', description: 'Machine-readable failure reason (e.g. ModelLoadFailed, FetchFailed).' },
            message: { type: 'string', description: 'Failure details, e.g. the end of the container log or its termination message.' },
            exitCode: { type: 'integer', description: 'Exit code of the failed container.' },
            location: { type: 'string', description: 'Pod and container where the failure happened.' },
            time: { type: 'string', format: 'date-time', description: 'When the failure was observed.' },
          },
        },
        copies: {
          type: 'object',
          title: 'ModelCopies',
          description: 'How many pods hold a copy of the model.',
          properties: {
            failedCopies: { type: 'integer', description: 'Pods whose model failed to load.' },
            totalCopies: { type: 'integer', description: 'Pods with the model loaded.' },
          },
        },
      },
    },
  },
};

/** Most named variants beside the main predictor: each runs its own revision, so this bounds the pods a tenant's spec multiplies. */
export const MAX_VARIANTS = 4;
/** Variant names that mean something else in routes, headers and status tags. */
export const RESERVED_VARIANT_NAMES = ['main', 'latest', 'prev', 'shadow'] as const;
export const DEFAULT_VARIANT_HEADER = 'x-modelship-variant';
const headerName = (description: string): JsonSchema => ({ type: 'string', minLength: 1, maxLength: 64, pattern: '^[a-z0-9][a-z0-9-]*$', description });

// A variant's spec is a whole predictor (KServe's spec.canary[] entries are
// too), so an A/B test may differ in anything: model, runtime, batching, size.
const variantPredictor: JsonSchema = {
  ...predictor,
  'x-kubernetes-validations': [
    ...(predictor['x-kubernetes-validations'] as JsonSchema[]),
    { rule: '!has(self.canaryTrafficPercent)', message: 'canaryTrafficPercent applies to spec.predictor only; a variant has trafficPercent' },
  ],
};

const variant: JsonSchema = {
  type: 'object',
  title: 'VariantSpec',
  description: 'A named predictor variant (A/B/N): its own revision, a fixed share of the requests once it is Ready, and the requests that name it in the variant header.',
  required: ['name', 'predictor'],
  properties: {
    name: {
      type: 'string',
      minLength: 1,
      maxLength: 20,
      pattern: '^[a-z]([-a-z0-9]*[a-z0-9])?$',
      description: `DNS label naming the variant in routes, the variant header, status and metrics; not ${RESERVED_VARIANT_NAMES.join(', ')}.`,
    },
    trafficPercent: {
      type: 'integer',
      minimum: 0,
      maximum: 100,
      default: 0,
      description: 'Percent of all requests this variant takes once Ready (until then the main predictor keeps it); 0: reachable only through the variant header.',
    },
    predictor: variantPredictor,
  },
  'x-kubernetes-validations': [
    { rule: `!(self.name in [${RESERVED_VARIANT_NAMES.map((n) => `'${n}'`).join(', ')}])`, message: `a variant may not be named ${RESERVED_VARIANT_NAMES.join(', ')}` },
  ],
};

/** CEL has no sum(): the bounded list lets the rule add each index out. */
const variantPercentSum = Array.from({ length: MAX_VARIANTS }, (_, i) => `(size(self) > ${i} && has(self[${i}].trafficPercent) ? self[${i}].trafficPercent : 0)`).join(' + ');

const shadow: JsonSchema = {
  type: 'object',
  title: 'ShadowSpec',
  description: "A shadow (mirror) predictor: it receives a copy of a share of the live requests; its answers are discarded, it never affects the client's answer or latency, and it takes no share of the traffic.",
  required: ['predictor'],
  properties: {
    percent: { type: 'integer', minimum: 1, maximum: 100, default: 100, description: 'Percent of live requests copied to the shadow.' },
    predictor: variantPredictor,
  },
};

const routing: JsonSchema = {
  type: 'object',
  title: 'RoutingSpec',
  description: 'How requests pick a variant besides the weights.',
  properties: {
    variantHeader: headerName(`Request header whose value (a variant name, or main) sends the request to that variant whatever the weights; default ${DEFAULT_VARIANT_HEADER}.`),
  },
};

export const specSchema: JsonSchema = {
  type: 'object',
  title: 'InferenceServiceSpec',
  description: 'Desired state: the predictor that serves the model, optional named variants sharing its traffic and an optional shadow.',
  required: ['predictor'],
  properties: {
    predictor,
    variants: {
      type: 'array',
      maxItems: MAX_VARIANTS,
      items: variant,
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['name'],
      description: "Named predictor variants (after KServe's spec.canary[]): each takes its trafficPercent of all requests once Ready; the main predictor takes the rest (and canaryTrafficPercent splits that rest between its rolled-out and latest revisions).",
      'x-kubernetes-validations': [{ rule: `${variantPercentSum} <= 100`, message: 'the variants\' trafficPercent must sum to at most 100' }],
    },
    shadow,
    routing,
  },
};

export const statusSchema: JsonSchema = status;

/** CEL rules on metadata.name; the texts say why the limits hold for the kind. */
export const nameRules = (whyLength: string, whyLabel: string): JsonSchema[] => [
  {
    rule: `self.metadata.name.size() <= ${MAX_NAME_LENGTH}`,
    message: `metadata.name must be at most ${MAX_NAME_LENGTH} characters (${whyLength})`,
  },
  {
    rule: "self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$')",
    message: `metadata.name must be a DNS-1035 label (lower case letters, digits and -, starting with a letter)${whyLabel}`,
  },
];

/** openAPIV3Schema of the v1alpha1 version. */
export const openApiSchema: JsonSchema = {
  type: 'object',
  description: 'An InferenceService serves one ONNX model over the Open Inference Protocol (KServe v2 REST).',
  required: ['spec'],
  properties: {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { type: 'object' },
    spec: specSchema,
    status: statusSchema,
  },
  'x-kubernetes-validations': nameRules('child object names append suffixes', ': it names a Service'),
};

export const printerColumns = [
  { name: 'URL', type: 'string', jsonPath: '.status.url' },
  { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
  { name: 'Prev', type: 'integer', jsonPath: '.status.components.predictor.traffic[?(@.tag=="prev")].percent' },
  { name: 'Latest', type: 'integer', jsonPath: '.status.components.predictor.traffic[?(@.latestRevision==true)].percent' },
  { name: 'Variants', type: 'string', jsonPath: '.status.components.predictor.variants' },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
];
