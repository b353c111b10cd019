// Generated from operator/src/api/schema.ts by `make gen-operator`. Do not edit.

export interface Addressable {
  url?: string;
}

/** Server-side dynamic batching of the runtime; unset fields keep the runtime defaults. */
export interface Batching {
  /** Largest batch handed to the model in one run. */
  maxBatchSize?: number;
  /** Longest a request waits for a batch to fill. */
  maxQueueDelayMs?: number;
  /** Requests queued before the server answers 503. */
  maxQueueSize?: number;
}

export interface ComponentsStatus {
  predictor?: PredictorStatus;
}

export interface Condition {
  type: string;
  status: "True" | "False" | "Unknown";
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  observedGeneration?: number;
}

export interface EnvVar {
  name: string;
  value?: string;
}

export interface FailureInfo {
  reason?: string;
  message?: string;
  exitCode?: number;
  location?: string;
  time?: string;
}

export interface InferenceServiceSpec {
  predictor: PredictorSpec;
}

export interface InferenceServiceStatus {
  observedGeneration?: number;
  conditions?: Array<Condition>;
  url?: string;
  address?: Addressable;
  /** Predictor pods wanted by the Deployment. */
  replicas?: number;
  readyReplicas?: number;
  components?: ComponentsStatus;
  modelStatus?: ModelStatus;
}

export interface LocalObjectReference {
  name: string;
}

export interface ModelCopies {
  failedCopies?: number;
  totalCopies?: number;
}

export interface ModelFormat {
  /** Model format; Modelship serves ONNX. */
  name: "onnx";
  version?: string;
}

export interface ModelSpec {
  modelFormat: ModelFormat;
  /** Where the model lives: pvc://claim/path (mounted read-only), s3://, gs:// or https:// (fetched by an init container). */
  storageUri: string;
  /** Secret with AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and optionally AWS_ENDPOINT_URL, AWS_REGION for the model fetch. */
  storageSecretRef?: SecretReference;
  /** Tag of the runtime image to use instead of the operator default. */
  runtimeVersion?: string;
  /** Compute resources of the model server container; request nvidia.com/gpu to place it on a GPU node. */
  resources?: ResourceRequirements;
  env?: Array<EnvVar>;
}

export interface ModelStates {
  activeModelState?: "Pending" | "Loading" | "Loaded" | "FailedToLoad";
  targetModelState?: "Pending" | "Loading" | "Loaded" | "FailedToLoad";
}

export interface ModelStatus {
  states?: ModelStates;
  transitionStatus?: "UpToDate" | "InProgress" | "BlockedByFailedLoad" | "InvalidSpec";
  lastFailureInfo?: FailureInfo;
  copies?: ModelCopies;
}

export interface PredictorSpec {
  model: ModelSpec;
  minReplicas?: number;
  /** Above minReplicas, an autoscaler scales between the two. */
  maxReplicas?: number;
  scaleMetric?: "queueLength" | "concurrency" | "cpu" | "memory";
  /** Target average of scaleMetric per pod (percent for cpu and memory). */
  scaleTarget?: number;
  canaryTrafficPercent?: number;
  /** Server-side dynamic batching of the runtime; unset fields keep the runtime defaults. */
  batching?: Batching;
  /** GPU product to select (a value of the operator-configured accelerator node label); needs an nvidia.com/gpu limit. */
  acceleratorType?: string;
  /** Node labels the predictor pods must match. */
  nodeSelector?: Record<string, string>;
  tolerations?: Array<Toleration>;
  /** A core/v1 Affinity for the predictor pods. */
  affinity?: Record<string, unknown>;
  serviceAccountName?: string;
  imagePullSecrets?: Array<LocalObjectReference>;
  /** Annotations added to the predictor pods. */
  annotations?: Record<string, string>;
  /** Labels added to the predictor pods. */
  labels?: Record<string, string>;
}

export interface PredictorStatus {
  url?: string;
  latestCreatedRevision?: string;
  latestReadyRevision?: string;
  latestRolledoutRevision?: string;
  previousRolledoutRevision?: string;
  traffic?: Array<TrafficTarget>;
}

/** Compute resources of the model server container; request nvidia.com/gpu to place it on a GPU node. */
export interface ResourceRequirements {
  requests?: Record<string, number | string>;
  limits?: Record<string, number | string>;
}

/** Secret with AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and optionally AWS_ENDPOINT_URL, AWS_REGION for the model fetch. */
export interface SecretReference {
  name: string;
}

export interface Toleration {
  key?: string;
  operator?: "Exists" | "Equal";
  value?: string;
  effect?: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
  tolerationSeconds?: number;
}

export interface TrafficTarget {
  revisionName?: string;
  percent?: number;
  latestRevision?: boolean;
  tag?: string;
  url?: string;
}
