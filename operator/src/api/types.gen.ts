// Generated from operator/src/api/schema.ts by `make gen-operator`. Do not edit.

/** In-cluster address of the predictor. */
export interface Addressable {
  /** In-cluster URL (http://<service>.<namespace>.svc.<cluster domain>). */
  url?: string;
}

/** A core/v1 Affinity for the predictor pods (lists bounded; the tenant policy limits the node keys and namespaces). */
export interface Affinity {
  /** Which nodes the predictor pods may (required) or would rather (preferred) run on. */
  nodeAffinity?: NodeAffinity;
  /** Run near pods matching the terms. */
  podAffinity?: PodAffinity;
  /** Run away from pods matching the terms. */
  podAntiAffinity?: PodAntiAffinity;
}

/** Server-side dynamic batching of the runtime; unset fields take the operator defaults, else the runtime defaults. */
export interface Batching {
  /** Largest batch handed to the model in one run. */
  maxBatchSize?: number;
  /** Longest a request waits for a batch to fill. */
  maxQueueDelayMs?: number;
  /** Requests queued before the server answers 503. */
  maxQueueSize?: number;
  /** A request still queued after this long gets 503 with Retry-After; 0 means no timeout. Unset: the runtime default (30000). */
  queueTimeoutMs?: number;
}

/** Status per component (KServe layout); Modelship has a predictor only. */
export interface ComponentsStatus {
  /** Revisions and traffic split of the predictor. */
  predictor?: PredictorStatus;
}

/** One aspect of the InferenceService state, as in metav1.Condition. */
export interface Condition {
  /** Condition type: PredictorReady, TrafficReady, Ready, or RolloutProgressing (automated rollouts). */
  type: string;
  /** Whether the condition holds: True, False or Unknown. */
  status: "True" | "False" | "Unknown";
  /** Machine-readable CamelCase reason for the last transition. */
  reason?: string;
  /** Human-readable details about the last transition. */
  message?: string;
  /** When the status last changed. */
  lastTransitionTime?: string;
  /** The metadata.generation the condition was computed from. */
  observedGeneration?: number;
}

/** An environment variable of the model server container. */
export interface EnvVar {
  /** Name of the environment variable. */
  name: string;
  /** Value of the environment variable (plain text; use a Secret for credentials). */
  value?: string;
}

/** Share of requests answered with a 5xx status. */
export interface ErrorRateCheck {
  /** Most the canary's error rate may exceed the stable one's, as a fraction (0.01: one percentage point). */
  maxIncrease?: number;
  /** Highest error rate the canary may have, as a fraction, whatever the stable one's. */
  max?: number;
}

/** The last model load failure, if any. */
export interface FailureInfo {
  /** Machine-readable failure reason (e.g. ModelLoadFailed, FetchFailed). */
  reason?: string;
  /** Failure details, e.g. the end of the container log or its termination message. */
  message?: string;
  /** Exit code of the failed container. */
  exitCode?: number;
  /** Pod and container where the failure happened. */
  location?: string;
  /** When the failure was observed. */
  time?: string;
}

/** The static answer (runtime flag --fallback-response); each output must be one of the model's, with its datatype, or the runtime refuses to start. */
export interface FallbackResponse {
  /** The response tensors, one per model output answered (at most 16). */
  outputs: Array<FallbackTensor>;
}

/** What answers when the primary model cannot (docs/monitoring.md): a second, small ONNX model loaded in the same pod (storageUri) or a static v2 response, exactly one of them; used when the primary's queue is full, a request waits past deadlineMs, or its run fails. Answers carry parameters.fallback=true and the header x-modelship-fallback: true. Without it the runtime answers 503/500 as always. */
export interface FallbackSpec {
  /** Where the fallback model lives, as model.storageUri: pvc://claim/path (mounted read-only) or s3://, gs://, https:// (fetched beside the primary by a second init container, with the model's credentials and the operator's fetch policy). It must take the primary's inputs and return its outputs, or the runtime refuses to start. */
  storageUri?: string;
  /** The static answer (runtime flag --fallback-response); each output must be one of the model's, with its datatype, or the runtime refuses to start. */
  response?: FallbackResponse;
  /** Which primary failures the fallback answers: queueFull, deadline, error (default: all three). */
  on?: Array<"queueFull" | "deadline" | "error">;
  /** A request queued this long is answered by the fallback (trigger deadline); when shorter, it replaces batching.queueTimeoutMs for the primary. */
  deadlineMs?: number;
}

/** One output of the static response, as a v2 response tensor (name, datatype, shape, row-major elements): numbers in data, BOOL elements in boolData, BYTES elements in bytesData. */
export interface FallbackTensor {
  /** The model output's name. */
  name: string;
  /** The output's v2 datatype (the runtime checks it is the model's). */
  datatype: "UINT8" | "UINT16" | "UINT32" | "UINT64" | "INT8" | "INT16" | "INT32" | "INT64" | "FP16" | "FP32" | "FP64" | "BOOL" | "BYTES";
  /** The tensor shape; a first dimension of 1 is repeated for each row of a batch request. */
  shape: Array<number>;
  /** The elements of a numeric output, row-major. */
  data?: Array<number>;
  /** The elements of a BOOL output, row-major. */
  boolData?: Array<boolean>;
  /** The elements of a BYTES output (UTF-8 strings of at most 1024 characters), row-major. */
  bytesData?: Array<string>;
}

/** Desired state: the predictor that serves the model, optional named variants sharing its traffic and an optional shadow. */
export interface InferenceServiceSpec {
  /** The model server: which model, how many replicas, how it batches, scales, splits traffic and where it runs. */
  predictor: PredictorSpec;
  /** Named predictor variants (after KServe's spec.canary[]): each takes its trafficPercent of all requests once Ready; the main predictor takes the rest (and canaryTrafficPercent splits that rest between its rolled-out and latest revisions). */
  variants?: Array<VariantSpec>;
  /** A shadow (mirror) predictor: it receives a copy of a share of the live requests; its answers are discarded, it never affects the client's answer or latency, and it takes no share of the traffic. */
  shadow?: ShadowSpec;
  /** How requests pick a variant besides the weights. */
  routing?: RoutingSpec;
}

/** Observed state, written by the operator. */
export interface InferenceServiceStatus {
  /** The metadata.generation the operator last reconciled successfully. */
  observedGeneration?: number;
  /** PredictorReady, TrafficReady and Ready, with reasons and messages; RolloutProgressing while and after an automated rollout. */
  conditions?: Array<Condition>;
  /** URL clients send inference requests to. */
  url?: string;
  /** In-cluster address of the predictor. */
  address?: Addressable;
  /** Predictor pods wanted by the Deployment. */
  replicas?: number;
  /** Predictor pods passing their readiness probe. */
  readyReplicas?: number;
  /** Status per component (KServe layout); Modelship has a predictor only. */
  components?: ComponentsStatus;
  /** Whether the model is loaded, read from the predictor pods and containers. */
  modelStatus?: ModelStatus;
}

/** Which pods the term is about. */
export interface LabelSelector {
  /** Labels that must all match. */
  matchLabels?: Record<string, string>;
  /** Label requirements that must all hold. */
  matchExpressions?: Array<LabelSelectorRequirement>;
}

/** A label requirement: key, operator and values. */
export interface LabelSelectorRequirement {
  /** The label key the requirement applies to. */
  key: string;
  /** How the key relates to the values: In, NotIn, Exists, DoesNotExist. */
  operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
  /** Values for In and NotIn (one integer for Gt and Lt); empty for Exists and DoesNotExist. */
  values?: Array<string>;
}

/** 99th percentile of the request duration (modelship_request_duration_seconds). */
export interface LatencyCheck {
  /** Most the canary's p99 may be, as a multiple of the stable one's (1.5: 50% slower). */
  maxRatio?: number;
  /** Most the canary's p99 may exceed the stable one's, in milliseconds. */
  maxIncreaseMs?: number;
  /** Highest p99 the canary may have, in milliseconds. */
  maxMs?: number;
}

/** A reference to a Secret in the same namespace. */
export interface LocalObjectReference {
  /** Name of the image pull Secret. */
  name: string;
}

/** Secret with AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and optionally AWS_ENDPOINT_URL, AWS_REGION for the blob sink (as for model storage); without it the default credential chain applies. */
export interface LoggerSecretReference {
  /** Name of the Secret in the InferenceService namespace. */
  name: string;
}

/** Payload logging (KServe field names): every sampled request and/or response is sent as a CloudEvent to url and/or appended to JSONL files under storageUri. The inference path never waits for a sink; events a full queue cannot take are dropped and counted. */
export interface LoggerSpec {
  /** HTTP sink: CloudEvents 1.0 in binary content mode are POSTed here (e.g. a Knative broker or a message dumper). */
  url?: string;
  /** What is logged: all (requests and responses), request or response. */
  mode?: "all" | "request" | "response";
  /** Request headers copied into each event (as extension attributes on CloudEvents, as a headers map in JSONL). */
  metadataHeaders?: Array<string>;
  /** Fraction of requests logged, 0..1 (default 1: every request). */
  sampleRate?: number;
  /** Blob sink: a prefix (s3://bucket/prefix, gs://bucket/prefix or pvc://claim/path) under which time-partitioned JSONL files are written, one event per line. */
  storageUri?: string;
  /** Secret with AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and optionally AWS_ENDPOINT_URL, AWS_REGION for the blob sink (as for model storage); without it the default credential chain applies. */
  storageSecretRef?: LoggerSecretReference;
}

/** How many pods hold a copy of the model. */
export interface ModelCopies {
  /** Pods whose model failed to load. */
  failedCopies?: number;
  /** Pods with the model loaded. */
  totalCopies?: number;
}

/** Format of the model file (KServe field name). */
export interface ModelFormat {
  /** Model format; Modelship serves ONNX. */
  name: "onnx";
  /** Format version, informational (e.g. the ONNX opset the model was exported with). */
  version?: string;
}

/** The model to serve: its format, where it is stored and the resources of its server. */
export interface ModelSpec {
  /** Format of the model file (KServe field name). */
  modelFormat: ModelFormat;
  /** Where the model lives: pvc://claim/path (mounted read-only), s3://, gs:// or https:// (fetched by an init container). */
  storageUri: string;
  /** Secret with the model fetch credentials and endpoint: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_ENDPOINT_URL, AWS_REGION, GOOGLE_OAUTH_ACCESS_TOKEN, ... (runtime/src/storage/README.md lists every key read). Without it the fetch uses the pod service account. */
  storageSecretRef?: SecretReference;
  /** Role the model fetch assumes with the pod service-account token (AssumeRoleWithWebIdentity), when the operator projects one (--storage-token-audience) and no storageSecretRef is given. */
  storageRoleArn?: string;
  /** Tag of the runtime image to use instead of the operator default. */
  runtimeVersion?: string;
  /** Inference protocol the clients speak (KServe's field and values). The runtime always serves v1 and v2 REST and v2 gRPC; grpc-v2 makes gRPC the primary port (Service port 80 and the route's main hostname), REST moving to port 8080. */
  protocolVersion?: "v1" | "v2" | "grpc-v2";
  /** Compute resources of the model server container; request nvidia.com/gpu to place it on a GPU node. */
  resources?: ResourceRequirements;
  /** Extra environment variables for the model server container. */
  env?: Array<EnvVar>;
}

/** Model state of the serving revision and of the one being rolled out. */
export interface ModelStates {
  /** State of the model serving traffic now. */
  activeModelState?: "Pending" | "Loading" | "Loaded" | "FailedToLoad";
  /** State of the model being rolled out. */
  targetModelState?: "Pending" | "Loading" | "Loaded" | "FailedToLoad";
}

/** Whether the model is loaded, read from the predictor pods and containers. */
export interface ModelStatus {
  /** Model state of the serving revision and of the one being rolled out. */
  states?: ModelStates;
  /** Progress of the rollout to the current spec. */
  transitionStatus?: "UpToDate" | "InProgress" | "BlockedByFailedLoad" | "InvalidSpec";
  /** The last model load failure, if any. */
  lastFailureInfo?: FailureInfo;
  /** How many pods hold a copy of the model. */
  copies?: ModelCopies;
}

/** Drift and input monitoring against the model's training profile (<model>.profile.json beside the model; docs/monitoring.md). Unset fields take the operator defaults (chart values monitoring.*). Without a profile the runtime computes no drift and inputPolicy reject/flag has no ranges to apply. */
export interface MonitoringSpec {
  /** Population stability index (PSI) of a feature above which the InferenceService reports DriftDetected (default 0.2: 0.1..0.2 is a moderate shift, above 0.2 a significant one). */
  driftThreshold?: number;
  /** Requests per drift window (10..1000000; default 1000): the live statistics compared with the profile cover the last window. */
  window?: number;
  /** Inputs outside the profile's training range: reject (400 naming feature, value and range), flag (served, counted and marked in the response) or off (default). Non-finite values are refused whatever this says. */
  inputPolicy?: "reject" | "flag" | "off";
}

/** Namespaces whose pods the term is about (the tenant policy allows only the own namespace). */
export interface NamespaceSelector {
  /** Labels that must all match. */
  matchLabels?: Record<string, string>;
  /** Label requirements that must all hold. */
  matchExpressions?: Array<LabelSelectorRequirement>;
}

/** Which nodes the predictor pods may (required) or would rather (preferred) run on. */
export interface NodeAffinity {
  /** Node terms of which at least one must match (ORed). */
  requiredDuringSchedulingIgnoredDuringExecution?: NodeSelector;
  /** Weighted node terms the scheduler favours. */
  preferredDuringSchedulingIgnoredDuringExecution?: Array<PreferredSchedulingTerm>;
}

/** Node terms of which at least one must match (ORed). */
export interface NodeSelector {
  /** The terms, ORed. */
  nodeSelectorTerms: Array<NodeSelectorTerm>;
}

/** A node label (or field) requirement: key, operator and values. */
export interface NodeSelectorRequirement {
  /** The node label (or field) key the requirement applies to. */
  key: string;
  /** How the key relates to the values: In, NotIn, Exists, DoesNotExist, Gt, Lt. */
  operator: "In" | "NotIn" | "Exists" | "DoesNotExist" | "Gt" | "Lt";
  /** Values for In and NotIn (one integer for Gt and Lt); empty for Exists and DoesNotExist. */
  values?: Array<string>;
}

/** Node requirements that must all hold (ANDed). */
export interface NodeSelectorTerm {
  /** Requirements on node labels. */
  matchExpressions?: Array<NodeSelectorRequirement>;
  /** Requirements on node fields (metadata.name). */
  matchFields?: Array<NodeSelectorRequirement>;
}

/** Run near pods matching the terms. */
export interface PodAffinity {
  /** Terms that must all hold. */
  requiredDuringSchedulingIgnoredDuringExecution?: Array<PodAffinityTerm>;
  /** Weighted terms the scheduler favours. */
  preferredDuringSchedulingIgnoredDuringExecution?: Array<WeightedPodAffinityTerm>;
}

/** Pods (selected by labels, in namespaces) whose topology domain the predictor pods join or avoid. */
export interface PodAffinityTerm {
  /** Which pods the term is about. */
  labelSelector?: LabelSelector;
  /** Namespaces whose pods the term is about (the tenant policy allows only the own namespace). */
  namespaceSelector?: NamespaceSelector;
  /** Namespaces whose pods the term is about (the tenant policy allows only the own namespace). */
  namespaces?: Array<string>;
  /** Node label whose value defines the topology domain (e.g. kubernetes.io/hostname). */
  topologyKey: string;
  /** Pod label keys whose values the incoming pod's must equal. */
  matchLabelKeys?: Array<string>;
  /** Pod label keys whose values the incoming pod's must differ from. */
  mismatchLabelKeys?: Array<string>;
}

/** Run away from pods matching the terms. */
export interface PodAntiAffinity {
  /** Terms that must all hold. */
  requiredDuringSchedulingIgnoredDuringExecution?: Array<PodAffinityTerm>;
  /** Weighted terms the scheduler favours. */
  preferredDuringSchedulingIgnoredDuringExecution?: Array<WeightedPodAffinityTerm>;
}

/** The canary's distribution of predicted classes against the stable revision's over the same window, per class output (modelship_predictions_total: needs a training profile beside the model, see docs/monitoring.md). Fails when any output exceeds a bound; with fewer than minRequests predictions counted on either side it waits. */
export interface PredictionDriftCheck {
  /** Highest population stability index between the two distributions (0.1 moderate, 0.2 significant shift). */
  maxPsi?: number;
  /** Highest Jensen-Shannon distance between the two distributions (natural log; at most 0.833). */
  maxJensenShannon?: number;
}

/** The model server: which model, how many replicas, how it batches, scales, splits traffic and where it runs. */
export interface PredictorSpec {
  /** The model to serve: its format, where it is stored and the resources of its server. */
  model: ModelSpec;
  /** Fewest predictor pods; the replica count when maxReplicas is unset or equal. */
  minReplicas?: number;
  /** Above minReplicas, an autoscaler scales between the two. */
  maxReplicas?: number;
  /** What the autoscaler follows: queueLength (requests waiting in the runtime), concurrency (in-flight requests), cpu or memory (utilisation); unset: the operator default (queueLength unless configured). */
  scaleMetric?: "queueLength" | "concurrency" | "cpu" | "memory";
  /** Target average of scaleMetric per pod (percent for cpu and memory); unset: the operator default for its default metric, else 4 for queueLength, 8 for concurrency, 80 for cpu and memory. */
  scaleTarget?: number;
  /** Scale-up and scale-down behaviour of the autoscaler (autoscaling/v2 HPA behavior), merged onto the operator defaults. */
  scaleBehavior?: ScaleBehavior;
  /** Share of requests for the latest revision while the previous rolled-out one keeps the rest; unset promotes the latest to 100, 0 rolls back. With rollout set the steps drive the share, and an edit of this field pauses them. */
  canaryTrafficPercent?: number;
  /** Automated canary analysis: a new revision takes the traffic of each step in turn while the checks, comparing it with the rolled-out (stable) revision in Prometheus, pass; after the last step it is promoted, and any failing check rolls it back (RolloutAborted). Changing it creates no new revision. */
  rollout?: RolloutSpec;
  /** After a switch (the latest revision taking all traffic from the rolled-out one: a blue-green switch or a promotion), the replaced revision keeps running without traffic, at the pods it served with, for this many seconds, so applying its spec again switches back at once; then it is deleted. Unset or 0: deleted at the switch. Changing it creates no new revision. */
  rollbackWindowSeconds?: number;
  /** Server-side dynamic batching of the runtime; unset fields take the operator defaults, else the runtime defaults. */
  batching?: Batching;
  /** Payload logging (KServe field names): every sampled request and/or response is sent as a CloudEvent to url and/or appended to JSONL files under storageUri. The inference path never waits for a sink; events a full queue cannot take are dropped and counted. */
  logger?: LoggerSpec;
  /** OpenTelemetry tracing of the model server (spans for the request, queue wait, batch, compute and encoding) over OTLP/HTTP; unset fields take the operator defaults. Without an endpoint tracing is off. */
  tracing?: TracingSpec;
  /** Drift and input monitoring against the model's training profile (<model>.profile.json beside the model; docs/monitoring.md). Unset fields take the operator defaults (chart values monitoring.*). Without a profile the runtime computes no drift and inputPolicy reject/flag has no ranges to apply. */
  monitoring?: MonitoringSpec;
  /** What answers when the primary model cannot (docs/monitoring.md): a second, small ONNX model loaded in the same pod (storageUri) or a static v2 response, exactly one of them; used when the primary's queue is full, a request waits past deadlineMs, or its run fails. Answers carry parameters.fallback=true and the header x-modelship-fallback: true. Without it the runtime answers 503/500 as always. */
  fallback?: FallbackSpec;
  /** GPU product to select (a value of the operator-configured accelerator node label); needs an nvidia.com/gpu limit. */
  acceleratorType?: string;
  /** Node labels the predictor pods must match. */
  nodeSelector?: Record<string, string>;
  /** Tolerations added to the predictor pods (GPU models also get the operator-configured GPU toleration). */
  tolerations?: Array<Toleration>;
  /** A core/v1 Affinity for the predictor pods (lists bounded; the tenant policy limits the node keys and namespaces). */
  affinity?: Affinity;
  /** ServiceAccount the predictor pods run as (e.g. one bound to cloud storage credentials). */
  serviceAccountName?: string;
  /** Secrets used to pull the runtime image from a private registry. */
  imagePullSecrets?: Array<LocalObjectReference>;
  /** Annotations added to the predictor pods. */
  annotations?: Record<string, string>;
  /** Labels added to the predictor pods. */
  labels?: Record<string, string>;
}

/** Revisions and traffic split of the predictor. */
export interface PredictorStatus {
  /** URL of the predictor. */
  url?: string;
  /** Revision built from the current spec. */
  latestCreatedRevision?: string;
  /** Newest revision whose pods are ready. */
  latestReadyRevision?: string;
  /** Revision that last took 100% of the traffic. */
  latestRolledoutRevision?: string;
  /** Rolled-out revision before the latest; the canary rollback target. */
  previousRolledoutRevision?: string;
  /** Traffic split between revisions: the main predictor's, each variant's (tagged with its name) and the shadow (percent 0). */
  traffic?: Array<TrafficTarget>;
  /** One line for kubectl get: each variant's name=percent, and the shadow's mirrored percent. */
  variants?: string;
  /** The shadow revision and how its copies are made. */
  shadow?: ShadowStatus;
  /** Progress of the automated rollout (spec.predictor.rollout) of the latest revision; the share it gives the canary lives here, so the spec is never rewritten. */
  rollout?: RolloutStatus;
  /** The revision replaced at the last switch, kept warm without traffic until expiresAt (spec.predictor.rollbackWindowSeconds). */
  rollbackWindow?: RollbackWindowStatus;
}

/** A node term with a weight. */
export interface PreferredSchedulingTerm {
  /** Weight of the term, 1-100. */
  weight: number;
  /** Node requirements that must all hold (ANDed). */
  preference: NodeSelectorTerm;
}

/** Compute resources of the model server container; request nvidia.com/gpu to place it on a GPU node. */
export interface ResourceRequirements {
  /** Minimum resources the scheduler reserves for each model server pod (e.g. cpu: 500m, memory: 1Gi). */
  requests?: Record<string, number | string>;
  /** Maximum resources of each model server pod; nvidia.com/gpu here selects the GPU runtime and a GPU node. */
  limits?: Record<string, number | string>;
}

/** The revision replaced at the last switch, kept warm without traffic until expiresAt (spec.predictor.rollbackWindowSeconds). */
export interface RollbackWindowStatus {
  /** The replaced revision; applying its spec again moves all traffic back to it at once. */
  revisionName?: string;
  /** Pods it keeps: those it served with at the switch (at least its minReplicas). */
  replicas?: number;
  /** When the latest revision took all traffic from it. */
  switchTime?: string;
  /** When it is deleted: switchTime plus rollbackWindowSeconds as the spec says now. */
  expiresAt?: string;
}

/** What the canary is judged on, each against the stable revision over the same window; a check fails when any of its bounds is exceeded. */
export interface RolloutChecks {
  /** Share of requests answered with a 5xx status. */
  errorRate?: ErrorRateCheck;
  /** 99th percentile of the request duration (modelship_request_duration_seconds). */
  latencyP99?: LatencyCheck;
  /** The canary's distribution of predicted classes against the stable revision's over the same window, per class output (modelship_predictions_total: needs a training profile beside the model, see docs/monitoring.md). Fails when any output exceeds a bound; with fewer than minRequests predictions counted on either side it waits. */
  predictionDrift?: PredictionDriftCheck;
}

/** Automated canary analysis: a new revision takes the traffic of each step in turn while the checks, comparing it with the rolled-out (stable) revision in Prometheus, pass; after the last step it is promoted, and any failing check rolls it back (RolloutAborted). Changing it creates no new revision. */
export interface RolloutSpec {
  /** Traffic steps, strictly increasing percents below 100; promotion to 100% follows the last one. */
  steps: Array<RolloutStep>;
  /** Seconds between two analyses; also the Prometheus window each one looks back over (keep it at least twice the scrape interval). */
  interval?: number;
  /** Requests the canary must have answered within the window before it is judged; with fewer the step waits. */
  minRequests?: number;
  /** What the canary is judged on, each against the stable revision over the same window; a check fails when any of its bounds is exceeded. */
  checks?: RolloutChecks;
  /** True holds the rollout at its current step (no analysis, no progress); the annotation serving.modelship.io/rollout-paused: "true" does the same. */
  paused?: boolean;
}

/** Progress of the automated rollout (spec.predictor.rollout) of the latest revision; the share it gives the canary lives here, so the spec is never rewritten. */
export interface RolloutStatus {
  /** Revision being rolled out (the canary). */
  revision?: string;
  /** Progressing, Paused (field, annotation or a manual canaryTrafficPercent edit), Succeeded (promoted) or Aborted (rolled back). */
  phase?: "Progressing" | "Paused" | "Succeeded" | "Aborted";
  /** Index (from 0) of the step in spec.predictor.rollout.steps the canary is on. */
  currentStepIndex?: number;
  /** Share of requests the steps give the canary now: 0 after an abort, 100 once promoting. */
  trafficPercent?: number;
  /** When the canary took this step's share; the step is held pauseSeconds from then. */
  stepStartTime?: string;
  /** spec.predictor.canaryTrafficPercent when the rollout started (absent: unset); an edit away from it is a manual override and pauses the steps. */
  specCanaryTrafficPercent?: number;
  /** The check that aborted the rollout (errorRate, latencyP99 or predictionDrift). */
  failedCheck?: string;
}

export interface RolloutStep {
  /** Share of requests for the new revision during this step. */
  trafficPercent: number;
  /** How long the step is held, with passing checks, before the next one. */
  pauseSeconds?: number;
}

/** How requests pick a variant besides the weights. */
export interface RoutingSpec {
  /** Request header whose value (a variant name, or main) sends the request to that variant whatever the weights; default x-modelship-variant. */
  variantHeader?: string;
}

/** Scale-up and scale-down behaviour of the autoscaler (autoscaling/v2 HPA behavior), merged onto the operator defaults. */
export interface ScaleBehavior {
  /** How fast the autoscaler scales up; unset fields keep the operator defaults. */
  scaleUp?: ScaleUpRules;
  /** How fast the autoscaler scales down; unset fields keep the operator defaults. */
  scaleDown?: ScaleDownRules;
}

export interface ScaleDownPolicy {
  /** Pods: an absolute count; Percent: of the current replicas. */
  type: "Pods" | "Percent";
  /** Largest change allowed within periodSeconds. */
  value: number;
  /** Window the value applies to. */
  periodSeconds: number;
}

/** How fast the autoscaler scales down; unset fields keep the operator defaults. */
export interface ScaleDownRules {
  /** Seconds of past recommendations considered before scaling down, to avoid flapping. */
  stabilizationWindowSeconds?: number;
  /** Which policy wins when several apply; Disabled turns this direction off. */
  selectPolicy?: "Max" | "Min" | "Disabled";
  /** Limits on the change per period; replaces the default policies of this direction. */
  policies?: Array<ScaleDownPolicy>;
}

export interface ScaleUpPolicy {
  /** Pods: an absolute count; Percent: of the current replicas. */
  type: "Pods" | "Percent";
  /** Largest change allowed within periodSeconds. */
  value: number;
  /** Window the value applies to. */
  periodSeconds: number;
}

/** How fast the autoscaler scales up; unset fields keep the operator defaults. */
export interface ScaleUpRules {
  /** Seconds of past recommendations considered before scaling up, to avoid flapping. */
  stabilizationWindowSeconds?: number;
  /** Which policy wins when several apply; Disabled turns this direction off. */
  selectPolicy?: "Max" | "Min" | "Disabled";
  /** Limits on the change per period; replaces the default policies of this direction. */
  policies?: Array<ScaleUpPolicy>;
}

/** Secret with the model fetch credentials and endpoint: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_ENDPOINT_URL, AWS_REGION, GOOGLE_OAUTH_ACCESS_TOKEN, ... (runtime/src/storage/README.md lists every key read). Without it the fetch uses the pod service account. */
export interface SecretReference {
  /** Name of the Secret in the InferenceService namespace. */
  name: string;
}

/** A shadow (mirror) predictor: it receives a copy of a share of the live requests; its answers are discarded, it never affects the client's answer or latency, and it takes no share of the traffic. */
export interface ShadowSpec {
  /** Percent of live requests copied to the shadow. */
  percent?: number;
  /** The model server: which model, how many replicas, how it batches, scales, splits traffic and where it runs. */
  predictor: PredictorSpec;
}

/** The shadow revision and how its copies are made. */
export interface ShadowStatus {
  /** Name of the shadow revision. */
  revisionName?: string;
  /** Percent of live requests copied to it now (0 until it is Ready). */
  percent?: number;
  /** What copies the requests: the HTTPRoute RequestMirror filter, the VirtualService mirror, or the serving revisions' runtime (Service mode). */
  mechanism?: "gatewayApi" | "istio" | "runtime";
  /** URL that reaches the shadow revision only. */
  url?: string;
}

/** A core/v1 Toleration: lets the predictor pods run on nodes with a matching taint. */
export interface Toleration {
  /** Taint key the toleration applies to; empty with operator Exists matches every taint. */
  key?: string;
  /** Exists matches any value of the key; Equal (the default) needs value to match. */
  operator?: "Exists" | "Equal";
  /** Taint value to match when operator is Equal. */
  value?: string;
  /** Taint effect to match; empty matches every effect. */
  effect?: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
  /** For NoExecute taints: how long the pod stays bound after the taint appears. */
  tolerationSeconds?: number;
}

/** OpenTelemetry tracing of the model server (spans for the request, queue wait, batch, compute and encoding) over OTLP/HTTP; unset fields take the operator defaults. Without an endpoint tracing is off. */
export interface TracingSpec {
  /** OTLP/HTTP traces endpoint, e.g. http://otel-collector.observability:4318/v1/traces. */
  endpoint?: string;
  /** Fraction of traces started here that are sampled, 0..1; a sampled parent (traceparent) is always followed. */
  samplingRatio?: number;
}

/** One revision of the predictor and its share of the traffic. */
export interface TrafficTarget {
  /** Name of the predictor revision. */
  revisionName?: string;
  /** Percent of requests routed to this revision. */
  percent?: number;
  /** True for the revision built from the current spec. */
  latestRevision?: boolean;
  /** Tag of the revision: latest or prev for the main predictor, the variant name for a variant, shadow for the shadow. */
  tag?: string;
  /** The variant the revision belongs to; absent for the main predictor. */
  variant?: string;
  /** Variants and shadow: whether the revision is Ready; an unready variant's share stays with the main predictor. */
  ready?: boolean;
  /** URL that reaches this revision only. */
  url?: string;
}

/** A named predictor variant (A/B/N): its own revision, a fixed share of the requests once it is Ready, and the requests that name it in the variant header. */
export interface VariantSpec {
  /** DNS label naming the variant in routes, the variant header, status and metrics; not main, latest, prev, shadow. */
  name: string;
  /** Percent of all requests this variant takes once Ready (until then the main predictor keeps it); 0: reachable only through the variant header. */
  trafficPercent?: number;
  /** The model server: which model, how many replicas, how it batches, scales, splits traffic and where it runs. */
  predictor: PredictorSpec;
}

/** A pod affinity term with a weight. */
export interface WeightedPodAffinityTerm {
  /** Weight of the term, 1-100. */
  weight: number;
  /** Pods (selected by labels, in namespaces) whose topology domain the predictor pods join or avoid. */
  podAffinityTerm: PodAffinityTerm;
}
