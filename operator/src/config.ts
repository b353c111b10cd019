// Operator configuration: parsed and validated once at start-up into a frozen
// object, with the same table-driven parser as the runtime (common/src/flags.ts).
// This is the only operator module that reads the environment; every flag
// `--foo-bar` is also `MODELSHIP_OPERATOR_FOO_BAR`, the flag winning, and a
// MODELSHIP_OPERATOR_* variable that names no flag is an error.
import { hostname } from 'node:os';
import { boolean, commaList, ConfigError, emptyMeansUnset, fraction, httpUrl, integer, InvalidValue, keyValues, oneOf, parseFlags, text, type Parser } from '../../common/src/flags.ts';
import { LOG_LEVELS } from '../../common/src/logger.ts';
import { NO_SPEC_DEFAULTS } from './api/defaults.ts';
import { DRIFT_THRESHOLD_MAX, DRIFT_WINDOW_MAX, DRIFT_WINDOW_MIN, INPUT_POLICIES, SCALE_METRICS } from './api/schema.ts';
import { parseQuantity } from './resources/quantity.ts';
import { hostnameTemplateProblem } from './hostname.ts';
import { DEFAULT_BUILD_CONFIG, DEFAULT_DRIFT_CONFIG, type OperatorConfig } from './settings.ts';

export { ConfigError };

export const ENV_PREFIX = 'MODELSHIP_OPERATOR_';

const d = DEFAULT_BUILD_CONFIG;
const TRAFFIC_MODES = ['auto', 'gatewayApi', 'istio', 'service'] as const;
const AUTOSCALER_CLASSES = ['hpa', 'keda'] as const;
const p = d.tenantPolicy;

const hostnameTemplate: Parser<string> = (value) => {
  const problem = hostnameTemplateProblem(value);
  if (problem !== undefined) throw new InvalidValue(`${problem}, got ${value}`);
  return value;
};

/** A size in bytes as a Kubernetes quantity, at least 1Mi (e.g. 10Gi). */
const byteQuantity: Parser<string> = (value) => {
  if (!((parseQuantity(value) ?? 0) >= 2 ** 20)) throw new InvalidValue(`must be a quantity of at least 1Mi (e.g. 10Gi), got ${value}`);
  return value;
};

/** A PSI threshold: the CRD's range for spec.predictor.monitoring.driftThreshold, (0, 10]. */
const driftThreshold: Parser<number> = (value) => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0 || n > DRIFT_THRESHOLD_MAX) throw new InvalidValue(`must be a number above 0 and at most ${DRIFT_THRESHOLD_MAX}, got ${value}`);
  return n;
};

/** Every operator flag. Ranges of the default-* flags are the CRD's for the same spec fields, so a default is never a value the API server would refuse. */
export const OPERATOR_FLAGS = {
  kubeconfig: { parse: text, optional: true },
  /** Empty: all namespaces. */
  'watch-namespace': { parse: text, fallback: '' },
  'runtime-image': { parse: text, fallback: d.runtimeImage },
  'gpu-runtime-image': { parse: text, fallback: d.gpuRuntimeImage },
  'cluster-domain': { parse: text, fallback: d.clusterDomain },
  workers: { parse: integer(1, 256), fallback: 32 },
  'resync-seconds': { parse: integer(1, 86400), fallback: 600 },
  host: { parse: text, fallback: '0.0.0.0' },
  port: { parse: integer(0, 65535), fallback: 8081 },
  /** /readyz fails once a watch has failed this long; /healthz never depends on the API server. */
  'api-failure-unready-seconds': { parse: integer(1, 3600), fallback: 30 },
  'log-level': { parse: oneOf(LOG_LEVELS), fallback: 'info' },
  'gpu-node-selector': { parse: keyValues, fallback: d.placement.gpuNodeSelector },
  'accelerator-label': { parse: text, fallback: d.placement.acceleratorLabel },
  'gpu-toleration-key': { parse: text, fallback: d.placement.gpuTolerationKey },
  'leader-elect': { parse: boolean, fallback: true },
  /** Default: the pod's namespace (POD_NAMESPACE), else modelship-system. */
  'leader-election-namespace': { parse: text, optional: true },
  'leader-election-lease-name': { parse: text, fallback: 'modelship-operator-leader' },
  /** Default: the pod's name (POD_NAME), else host-pid. */
  'leader-election-identity': { parse: text, optional: true },
  'watch-idle-timeout-seconds': { parse: integer(1, 3600), fallback: 180 },
  'watch-min-reconnect-gap-ms': { parse: integer(0, 60000), fallback: 1000 },
  'lease-duration-seconds': { parse: integer(1, 3600), fallback: 15 },
  'renew-deadline-seconds': { parse: integer(1, 3600), fallback: 10 },
  'retry-period-seconds': { parse: integer(1, 3600), fallback: 2 },
  'default-cpu': { parse: text, fallback: d.defaultResources.requests.cpu ?? '1' },
  'default-memory': { parse: text, fallback: d.defaultResources.requests.memory ?? '1Gi' },
  'default-cpu-limit': { parse: text, fallback: d.defaultResources.limits.cpu ?? '1' },
  'default-memory-limit': { parse: text, fallback: d.defaultResources.limits.memory ?? '2Gi' },
  'model-volume-size-limit': { parse: byteQuantity, fallback: d.modelVolumeSizeLimit },
  'traffic-mode': { parse: oneOf(TRAFFIC_MODES), fallback: d.traffic.mode },
  'gateway-name': { parse: text, fallback: d.traffic.gatewayName },
  'gateway-namespace': { parse: text, fallback: d.traffic.gatewayNamespace },
  'ingress-domain': { parse: text, fallback: d.traffic.ingressDomain },
  'hostname-template': { parse: hostnameTemplate, fallback: d.traffic.hostnameTemplate },
  'allow-traffic-mode-annotation': { parse: boolean, fallback: d.traffic.allowModeAnnotation },
  'istio-gateways': { parse: commaList, fallback: [] as string[] },
  'max-apportioned-replicas': { parse: integer(2, 1000), fallback: d.traffic.maxApportionedReplicas },
  'autoscaler-class': { parse: oneOf(AUTOSCALER_CLASSES), fallback: d.autoscaling.autoscalerClass },
  'prometheus-url': { parse: text, fallback: d.autoscaling.prometheusUrl },
  // Unset stays unset: the spec's consumer (runtime, HPA builder) keeps its own default.
  'default-max-batch-size': { parse: integer(1, 1024), optional: true },
  'default-max-queue-delay-ms': { parse: integer(0, 60000), optional: true },
  'default-max-queue-size': { parse: integer(1, 100000), optional: true },
  'default-scale-metric': { parse: oneOf(SCALE_METRICS), fallback: NO_SPEC_DEFAULTS.scaleMetric },
  'default-scale-target': { parse: integer(1, 1000000), optional: true },
  'default-scale-up-stabilization-seconds': { parse: integer(0, 3600), optional: true },
  'default-scale-down-stabilization-seconds': { parse: integer(0, 3600), optional: true },
  // Tracing of the runtimes (spec.predictor.tracing defaults); empty means off (the chart default).
  'tracing-endpoint': { parse: emptyMeansUnset(httpUrl), optional: true },
  'tracing-sampling-ratio': { parse: fraction, optional: true },
  // spec.predictor.monitoring defaults (api/defaults.ts): a value equal to the runtime's own is not written into specs.
  'default-drift-threshold': { parse: driftThreshold, fallback: NO_SPEC_DEFAULTS.monitoring.driftThreshold },
  'default-drift-window': { parse: integer(DRIFT_WINDOW_MIN, DRIFT_WINDOW_MAX), fallback: NO_SPEC_DEFAULTS.monitoring.window },
  'default-input-policy': { parse: oneOf(INPUT_POLICIES), fallback: NO_SPEC_DEFAULTS.monitoring.inputPolicy },
  // The DriftDetected condition (controller/drift-monitor.ts): one Prometheus query (--prometheus-url) per interval; 0 turns it off.
  'drift-check-seconds': { parse: integer(0, 86400), fallback: DEFAULT_DRIFT_CONFIG.checkSeconds },
  // The model fetch of the storage initializer (resources/storage-initializer.ts).
  'storage-idle-timeout-seconds': { parse: integer(1, 86400), fallback: d.storage.idleTimeoutSeconds },
  'storage-max-model-bytes': { parse: integer(1), fallback: d.storage.maxModelBytes },
  'storage-allow-metadata-addresses': { parse: boolean, fallback: d.storage.allowMetadataAddresses },
  /** Empty: no projected token. */
  'storage-token-audience': { parse: text, fallback: d.storage.tokenAudience },
  // Tenant policy (tenant-policy.ts): comma lists; an empty value is an empty list.
  'reserved-env-prefixes': { parse: commaList, fallback: [...p.reservedEnvPrefixes] },
  'allowed-service-accounts': { parse: commaList, fallback: [...p.allowedServiceAccounts] },
  'allowed-toleration-keys': { parse: commaList, fallback: [...p.allowedTolerationKeys] },
  'allowed-node-selector-keys': { parse: commaList, fallback: [...p.allowedNodeSelectorKeys] },
  'reserved-annotation-domains': { parse: commaList, fallback: [...p.reservedAnnotationDomains] },
  'allowed-pod-annotations': { parse: commaList, fallback: [...p.allowedPodAnnotations] },
} as const;

/** Parses `--flag value`, `--flag=value` and MODELSHIP_OPERATOR_* into a frozen config; reports every problem at once. */
export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): OperatorConfig {
  const { values: v, errors } = parseFlags(OPERATOR_FLAGS, argv, env, { envPrefix: ENV_PREFIX, strictEnv: true });
  if (v['renew-deadline-seconds'] >= v['lease-duration-seconds']) errors.push('--renew-deadline-seconds must be less than --lease-duration-seconds');
  if (v['retry-period-seconds'] >= v['renew-deadline-seconds']) errors.push('--retry-period-seconds must be less than --renew-deadline-seconds');
  const maxBatchSize = v['default-max-batch-size'];
  const maxQueueSize = v['default-max-queue-size'];
  if (maxBatchSize !== undefined && maxQueueSize !== undefined && maxBatchSize > maxQueueSize) {
    errors.push('--default-max-batch-size must not exceed --default-max-queue-size');
  }
  if (errors.length > 0) throw new ConfigError(errors, 'operator');

  const config: OperatorConfig = {
    kubeconfig: v.kubeconfig,
    watchNamespace: v['watch-namespace'],
    runtimeImage: v['runtime-image'],
    gpuRuntimeImage: v['gpu-runtime-image'],
    clusterDomain: v['cluster-domain'],
    workers: v.workers,
    resyncSeconds: v['resync-seconds'],
    host: v.host,
    port: v.port,
    apiFailureUnreadySeconds: v['api-failure-unready-seconds'],
    logLevel: v['log-level'],
    placement: {
      gpuNodeSelector: { ...v['gpu-node-selector'] },
      acceleratorLabel: v['accelerator-label'],
      gpuTolerationKey: v['gpu-toleration-key'],
    },
    leaderElection: {
      enabled: v['leader-elect'],
      namespace: v['leader-election-namespace'] ?? env['POD_NAMESPACE'] ?? 'modelship-system',
      leaseName: v['leader-election-lease-name'],
      identity: v['leader-election-identity'] ?? env['POD_NAME'] ?? `${hostname()}-${process.pid}`,
      leaseDurationSeconds: v['lease-duration-seconds'],
      renewDeadlineSeconds: v['renew-deadline-seconds'],
      retryPeriodSeconds: v['retry-period-seconds'],
    },
    watch: { idleTimeoutSeconds: v['watch-idle-timeout-seconds'], minReconnectGapMs: v['watch-min-reconnect-gap-ms'] },
    defaultResources: {
      requests: { cpu: v['default-cpu'], memory: v['default-memory'] },
      limits: { cpu: v['default-cpu-limit'], memory: v['default-memory-limit'] },
    },
    modelVolumeSizeLimit: v['model-volume-size-limit'],
    traffic: {
      mode: v['traffic-mode'],
      gatewayName: v['gateway-name'],
      gatewayNamespace: v['gateway-namespace'],
      ingressDomain: v['ingress-domain'],
      hostnameTemplate: v['hostname-template'],
      allowModeAnnotation: v['allow-traffic-mode-annotation'],
      istioGateways: [...v['istio-gateways']],
      maxApportionedReplicas: v['max-apportioned-replicas'],
      installed: { gatewayApi: false, istio: false },
    },
    autoscaling: {
      autoscalerClass: v['autoscaler-class'],
      prometheusUrl: v['prometheus-url'],
      kedaInstalled: false,
    },
    specDefaults: {
      batching: { maxBatchSize, maxQueueDelayMs: v['default-max-queue-delay-ms'], maxQueueSize },
      scaleMetric: v['default-scale-metric'],
      scaleTarget: v['default-scale-target'],
      scaleUpStabilizationSeconds: v['default-scale-up-stabilization-seconds'],
      scaleDownStabilizationSeconds: v['default-scale-down-stabilization-seconds'],
      tracing: { endpoint: v['tracing-endpoint'], samplingRatio: v['tracing-sampling-ratio'] },
      monitoring: { driftThreshold: v['default-drift-threshold'], window: v['default-drift-window'], inputPolicy: v['default-input-policy'] },
    },
    drift: { checkSeconds: v['drift-check-seconds'] },
    storage: {
      idleTimeoutSeconds: v['storage-idle-timeout-seconds'],
      maxModelBytes: v['storage-max-model-bytes'],
      allowMetadataAddresses: v['storage-allow-metadata-addresses'],
      tokenAudience: v['storage-token-audience'],
    },
    tenantPolicy: {
      reservedEnvPrefixes: [...v['reserved-env-prefixes']],
      allowedServiceAccounts: [...v['allowed-service-accounts']],
      allowedTolerationKeys: [...v['allowed-toleration-keys']],
      allowedNodeSelectorKeys: [...v['allowed-node-selector-keys']],
      reservedAnnotationDomains: [...v['reserved-annotation-domains']],
      allowedPodAnnotations: [...v['allowed-pod-annotations']],
    },
  };
  return deepFreeze(config);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
