// The single source of the InferenceService API: the CRD manifest in crds/,
// the TypeScript types in types.gen.ts and the ajv validator all derive from
// the schema below (see generate.ts; a unit test fails when crds/ drifts).
//
// Field names follow KServe's v1beta1 predictor so that a KServe ONNX manifest
// works with only apiVersion changed. `title` names the generated TypeScript
// interface for an object; `description` feeds `kubectl explain`.

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

const stringMap = (description: string): JsonSchema => ({
  type: 'object',
  description,
  additionalProperties: { type: 'string', maxLength: 1024 },
});

// Kubernetes resource quantity: int-or-string with the apimachinery pattern.
const quantity: JsonSchema = {
  anyOf: [{ type: 'integer' }, { type: 'string' }],
  pattern: '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$',
  'x-kubernetes-int-or-string': true,
};

const resources: JsonSchema = {
  type: 'object',
  title: 'ResourceRequirements',
  description: 'Compute resources of the model server container; request nvidia.com/gpu to place it on a GPU node.',
  properties: {
    requests: { type: 'object', additionalProperties: quantity },
    limits: { type: 'object', additionalProperties: quantity },
  },
};

const toleration: JsonSchema = {
  type: 'object',
  title: 'Toleration',
  properties: {
    key: { type: 'string', maxLength: 316 },
    operator: { type: 'string', enum: ['Exists', 'Equal'] },
    value: { type: 'string', maxLength: 63 },
    effect: { type: 'string', enum: ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] },
    tolerationSeconds: { type: 'integer', format: 'int64' },
  },
};

const envVar: JsonSchema = {
  type: 'object',
  title: 'EnvVar',
  required: ['name'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 256 },
    value: { type: 'string', maxLength: 32768 },
  },
};

const batching: JsonSchema = {
  type: 'object',
  title: 'Batching',
  description: 'Server-side dynamic batching of the runtime; unset fields keep the runtime defaults.',
  properties: {
    maxBatchSize: { type: 'integer', minimum: 1, maximum: 1024, description: 'Largest batch handed to the model in one run.' },
    maxQueueDelayMs: { type: 'integer', minimum: 0, maximum: 60000, description: 'Longest a request waits for a batch to fill.' },
    maxQueueSize: { type: 'integer', minimum: 1, maximum: 100000, description: 'Requests queued before the server answers 503.' },
  },
  'x-kubernetes-validations': [
    {
      rule: '!has(self.maxBatchSize) || !has(self.maxQueueSize) || self.maxBatchSize <= self.maxQueueSize',
      message: 'batching.maxBatchSize must not exceed batching.maxQueueSize',
    },
  ],
};

const model: JsonSchema = {
  type: 'object',
  title: 'ModelSpec',
  required: ['modelFormat', 'storageUri'],
  properties: {
    modelFormat: {
      type: 'object',
      title: 'ModelFormat',
      required: ['name'],
      properties: {
        name: { type: 'string', enum: ['onnx'], description: 'Model format; Modelship serves ONNX.' },
        version: { type: 'string', maxLength: 64 },
      },
    },
    storageUri: {
      type: 'string',
      minLength: 1,
      maxLength: 2048,
      description: 'Where the model lives: pvc://claim/path (mounted read-only), s3://, gs:// or https:// (fetched by an init container).',
      'x-kubernetes-validations': [
        { rule: "self.matches('^(pvc|s3|gs|https)://.+')", message: 'storageUri must start with pvc://, s3://, gs:// or https://' },
        { rule: "!self.matches('(^|/)[.][.](/|$)')", message: "storageUri must not contain a '..' path segment" },
        {
          rule: "!self.startsWith('pvc://') || self.matches('^pvc://[a-z0-9]([-a-z0-9]*[a-z0-9])?(/.*)?$')",
          message: 'pvc storageUri must be pvc://<claim-name>/<path> with a DNS-1123 claim name',
        },
      ],
    },
    storageSecretRef: {
      type: 'object',
      title: 'SecretReference',
      description: 'Secret with AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and optionally AWS_ENDPOINT_URL, AWS_REGION for the model fetch.',
      required: ['name'],
      properties: { name: { type: 'string', minLength: 1, maxLength: 253 } },
    },
    runtimeVersion: { type: 'string', maxLength: 128, description: 'Tag of the runtime image to use instead of the operator default.' },
    resources,
    env: { type: 'array', maxItems: 64, items: envVar },
  },
};

const predictor: JsonSchema = {
  type: 'object',
  title: 'PredictorSpec',
  required: ['model'],
  properties: {
    model,
    minReplicas: { type: 'integer', minimum: 0, maximum: 1000, default: 1 },
    maxReplicas: { type: 'integer', minimum: 1, maximum: 1000, description: 'Above minReplicas, an autoscaler scales between the two.' },
    scaleMetric: { type: 'string', enum: [...SCALE_METRICS], default: 'queueLength' },
    scaleTarget: { type: 'integer', minimum: 1, maximum: 1000000, description: 'Target average of scaleMetric per pod (percent for cpu and memory).' },
    canaryTrafficPercent: { type: 'integer', minimum: 0, maximum: 100 },
    batching,
    acceleratorType: {
      type: 'string',
      maxLength: 63,
      description: 'GPU product to select (a value of the operator-configured accelerator node label); needs an nvidia.com/gpu limit.',
    },
    nodeSelector: stringMap('Node labels the predictor pods must match.'),
    tolerations: { type: 'array', maxItems: 32, items: toleration },
    affinity: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, description: 'A core/v1 Affinity for the predictor pods.' },
    serviceAccountName: { type: 'string', maxLength: 253 },
    imagePullSecrets: {
      type: 'array',
      maxItems: 16,
      items: { type: 'object', title: 'LocalObjectReference', required: ['name'], properties: { name: { type: 'string', maxLength: 253 } } },
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

const condition: JsonSchema = {
  type: 'object',
  title: 'Condition',
  required: ['type', 'status'],
  properties: {
    type: { type: 'string' },
    status: { type: 'string', enum: ['True', 'False', 'Unknown'] },
    reason: { type: 'string' },
    message: { type: 'string' },
    lastTransitionTime: { type: 'string', format: 'date-time' },
    observedGeneration: { type: 'integer', format: 'int64' },
  },
};

const trafficTarget: JsonSchema = {
  type: 'object',
  title: 'TrafficTarget',
  properties: {
    revisionName: { type: 'string' },
    percent: { type: 'integer' },
    latestRevision: { type: 'boolean' },
    tag: { type: 'string' },
    url: { type: 'string' },
  },
};

const status: JsonSchema = {
  type: 'object',
  title: 'InferenceServiceStatus',
  properties: {
    observedGeneration: { type: 'integer', format: 'int64' },
    conditions: {
      type: 'array',
      items: condition,
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
    },
    url: { type: 'string' },
    address: { type: 'object', title: 'Addressable', properties: { url: { type: 'string' } } },
    replicas: { type: 'integer', description: 'Predictor pods wanted by the Deployment.' },
    readyReplicas: { type: 'integer' },
    components: {
      type: 'object',
      title: 'ComponentsStatus',
      properties: {
        predictor: {
          type: 'object',
          title: 'PredictorStatus',
          properties: {
            url: { type: 'string' },
            latestCreatedRevision: { type: 'string' },
            latestReadyRevision: { type: 'string' },
            latestRolledoutRevision: { type: 'string' },
            previousRolledoutRevision: { type: 'string' },
            traffic: { type: 'array', items: trafficTarget },
          },
        },
      },
    },
    modelStatus: {
      type: 'object',
      title: 'ModelStatus',
      properties: {
        states: {
          type: 'object',
          title: 'ModelStates',
          properties: {
            activeModelState: { type: 'string', enum: ['Pending', 'Loading', 'Loaded', 'FailedToLoad'] },
            targetModelState: { type: 'string', enum: ['Pending', 'Loading', 'Loaded', 'FailedToLoad'] },
          },
        },
        transitionStatus: { type: 'string', enum: ['UpToDate', 'InProgress', 'BlockedByFailedLoad', 'InvalidSpec'] },
        lastFailureInfo: {
          type: 'object',
          title: 'FailureInfo',
          properties: {
            reason: { type: 'string' },
            message: { type: 'string' },
            exitCode: { type: 'integer' },
            location: { type: 'string' },
            time: { type: 'string', format: 'date-time' },
          },
        },
        copies: {
          type: 'object',
          title: 'ModelCopies',
          properties: { failedCopies: { type: 'integer' }, totalCopies: { type: 'integer' } },
        },
      },
    },
  },
};

export const specSchema: JsonSchema = {
  type: 'object',
  title: 'InferenceServiceSpec',
  required: ['predictor'],
  properties: { predictor },
};

export const statusSchema: JsonSchema = status;

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
  'x-kubernetes-validations': [
    {
      rule: `self.metadata.name.size() <= ${MAX_NAME_LENGTH}`,
      message: `metadata.name must be at most ${MAX_NAME_LENGTH} characters (child object names append suffixes)`,
    },
    {
      rule: "self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$')",
      message: 'metadata.name must be a DNS-1035 label (lower case letters, digits and -, starting with a letter): it names a Service',
    },
  ],
};

export const printerColumns = [
  { name: 'URL', type: 'string', jsonPath: '.status.url' },
  { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
  { name: 'Prev', type: 'integer', jsonPath: '.status.components.predictor.traffic[?(@.tag=="prev")].percent' },
  { name: 'Latest', type: 'integer', jsonPath: '.status.components.predictor.traffic[?(@.latestRevision==true)].percent' },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
];
