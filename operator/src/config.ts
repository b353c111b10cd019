// Operator configuration: parsed and validated once at start-up into a frozen
// object. This is the only operator module that reads the environment; every
// flag `--foo-bar` is also `MODELSHIP_OPERATOR_FOO_BAR`, the flag winning.
import { hostname } from 'node:os';
import { LOG_LEVELS, type LogLevel } from '../../common/src/logger.ts';
import { NO_SPEC_DEFAULTS, type ScaleMetric } from './api/defaults.ts';
import { SCALE_METRICS } from './api/schema.ts';
import { DEFAULT_BUILD_CONFIG, type AutoscalingConfig, type OperatorConfig, type TrafficConfig } from './settings.ts';

type Raw = Record<string, string | undefined>;

function flagsAndEnv(argv: readonly string[], env: NodeJS.ProcessEnv): Raw {
  const raw: Raw = {};
  for (const [key, value] of Object.entries(env)) {
    if (key.startsWith('MODELSHIP_OPERATOR_')) raw[key.slice('MODELSHIP_OPERATOR_'.length).toLowerCase().replaceAll('_', '-')] = value;
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('--')) throw new ConfigError([`unexpected argument ${arg}`]);
    const eq = arg.indexOf('=');
    if (eq > 0) raw[arg.slice(2, eq)] = arg.slice(eq + 1);
    else raw[arg.slice(2)] = argv[++i];
  }
  return raw;
}

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid operator configuration:\n  ${problems.join('\n  ')}`);
    this.problems = problems;
  }
}

const KNOWN = new Set([
  'kubeconfig', 'watch-namespace', 'runtime-image', 'gpu-runtime-image', 'cluster-domain', 'workers', 'resync-seconds',
  'host', 'port', 'log-level', 'gpu-node-selector', 'accelerator-label', 'gpu-toleration-key', 'leader-elect',
  'leader-election-namespace', 'leader-election-lease-name', 'leader-election-identity', 'lease-duration-seconds',
  'renew-deadline-seconds', 'retry-period-seconds', 'default-cpu', 'default-memory', 'default-cpu-limit', 'default-memory-limit',
  'traffic-mode', 'gateway-name', 'gateway-namespace', 'ingress-domain', 'istio-gateways', 'max-apportioned-replicas',
  'autoscaler-class', 'prometheus-url',
  'default-max-batch-size', 'default-max-queue-delay-ms', 'default-max-queue-size', 'default-scale-metric', 'default-scale-target',
  'default-scale-up-stabilization-seconds', 'default-scale-down-stabilization-seconds',
  'tracing-endpoint', 'tracing-sampling-ratio',
]);

/** Parses `--flag value`, `--flag=value` and MODELSHIP_OPERATOR_* into a frozen config; reports every problem at once. */
export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): OperatorConfig {
  const raw = flagsAndEnv(argv, env);
  const problems: string[] = [];
  for (const key of Object.keys(raw)) if (!KNOWN.has(key)) problems.push(`unknown option --${key}`);

  const str = (key: string, fallback: string): string => raw[key] ?? fallback;
  const int = (key: string, fallback: number, min: number, max: number): number => {
    const value = raw[key];
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`--${key} must be an integer in [${min}, ${max}], got ${value}`);
      return fallback;
    }
    return n;
  };
  // Unset stays unset: the spec's consumer (runtime, HPA builder) keeps its own default.
  const optInt = (key: string, min: number, max: number): number | undefined => (raw[key] === undefined ? undefined : int(key, min, min, max));
  const bool = (key: string, fallback: boolean): boolean => {
    const value = raw[key];
    if (value === undefined) return fallback;
    if (value === 'true' || value === 'false') return value === 'true';
    problems.push(`--${key} must be true or false, got ${value}`);
    return fallback;
  };
  const fraction = (key: string): number | undefined => {
    const value = raw[key];
    if (value === undefined) return undefined;
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) {
      problems.push(`--${key} must be a number in [0, 1], got ${value}`);
      return undefined;
    }
    return n;
  };
  const httpUrl = (key: string): string | undefined => {
    const value = raw[key];
    if (value === undefined || value === '') return undefined;
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      url = undefined;
    }
    if (url === undefined || !['http:', 'https:'].includes(url.protocol) || url.host === '') {
      problems.push(`--${key} must be an http:// or https:// URL with a host, got ${value}`);
      return undefined;
    }
    return value;
  };
  const labels = (key: string, fallback: Readonly<Record<string, string>>): Record<string, string> => {
    const value = raw[key];
    if (value === undefined) return { ...fallback };
    const out: Record<string, string> = {};
    for (const pair of value.split(',').filter((p) => p !== '')) {
      const [k, v] = pair.split('=');
      if (k === undefined || k === '' || v === undefined) problems.push(`--${key} must be k=v[,k=v], got ${value}`);
      else out[k] = v;
    }
    return out;
  };

  const logLevel = str('log-level', 'info');
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) problems.push(`--log-level must be one of ${LOG_LEVELS.join(', ')}`);
  const d = DEFAULT_BUILD_CONFIG;
  const leaseDurationSeconds = int('lease-duration-seconds', 15, 1, 3600);
  const renewDeadlineSeconds = int('renew-deadline-seconds', 10, 1, 3600);
  const retryPeriodSeconds = int('retry-period-seconds', 2, 1, 3600);
  if (renewDeadlineSeconds >= leaseDurationSeconds) problems.push('--renew-deadline-seconds must be less than --lease-duration-seconds');
  if (retryPeriodSeconds >= renewDeadlineSeconds) problems.push('--retry-period-seconds must be less than --renew-deadline-seconds');

  const trafficMode = str('traffic-mode', d.traffic.mode);
  const TRAFFIC_MODES = ['auto', 'gatewayApi', 'istio', 'service'];
  if (!TRAFFIC_MODES.includes(trafficMode)) problems.push(`--traffic-mode must be one of ${TRAFFIC_MODES.join(', ')}, got ${trafficMode}`);

  const autoscalerClass = str('autoscaler-class', d.autoscaling.autoscalerClass);
  if (!['hpa', 'keda'].includes(autoscalerClass)) problems.push(`--autoscaler-class must be one of hpa, keda, got ${autoscalerClass}`);

  // Ranges are the CRD's for the same spec fields, so a default is never a value the API server would refuse.
  const maxBatchSize = optInt('default-max-batch-size', 1, 1024);
  const maxQueueSize = optInt('default-max-queue-size', 1, 100000);
  if (maxBatchSize !== undefined && maxQueueSize !== undefined && maxBatchSize > maxQueueSize) {
    problems.push('--default-max-batch-size must not exceed --default-max-queue-size');
  }
  const scaleMetric = str('default-scale-metric', NO_SPEC_DEFAULTS.scaleMetric);
  if (!(SCALE_METRICS as readonly string[]).includes(scaleMetric)) problems.push(`--default-scale-metric must be one of ${SCALE_METRICS.join(', ')}, got ${scaleMetric}`);

  const config: OperatorConfig = {
    kubeconfig: raw['kubeconfig'],
    watchNamespace: str('watch-namespace', ''),
    runtimeImage: str('runtime-image', d.runtimeImage),
    gpuRuntimeImage: str('gpu-runtime-image', d.gpuRuntimeImage),
    clusterDomain: str('cluster-domain', d.clusterDomain),
    workers: int('workers', 32, 1, 256),
    resyncSeconds: int('resync-seconds', 600, 1, 86400),
    host: str('host', '0.0.0.0'),
    port: int('port', 8081, 0, 65535),
    logLevel: logLevel as LogLevel,
    placement: {
      gpuNodeSelector: labels('gpu-node-selector', d.placement.gpuNodeSelector),
      acceleratorLabel: str('accelerator-label', d.placement.acceleratorLabel),
      gpuTolerationKey: str('gpu-toleration-key', d.placement.gpuTolerationKey),
    },
    leaderElection: {
      enabled: bool('leader-elect', true),
      namespace: str('leader-election-namespace', env['POD_NAMESPACE'] ?? 'modelship-system'),
      leaseName: str('leader-election-lease-name', 'modelship-operator-leader'),
      identity: str('leader-election-identity', env['POD_NAME'] ?? `${hostname()}-${process.pid}`),
      leaseDurationSeconds,
      renewDeadlineSeconds,
      retryPeriodSeconds,
    },
    defaultResources: {
      requests: { cpu: str('default-cpu', d.defaultResources.requests.cpu ?? '1'), memory: str('default-memory', d.defaultResources.requests.memory ?? '1Gi') },
      limits: { cpu: str('default-cpu-limit', d.defaultResources.limits.cpu ?? '1'), memory: str('default-memory-limit', d.defaultResources.limits.memory ?? '2Gi') },
    },
    traffic: {
      mode: trafficMode as TrafficConfig['mode'],
      gatewayName: str('gateway-name', d.traffic.gatewayName),
      gatewayNamespace: str('gateway-namespace', d.traffic.gatewayNamespace),
      ingressDomain: str('ingress-domain', d.traffic.ingressDomain),
      istioGateways: str('istio-gateways', '').split(',').filter((g) => g !== ''),
      maxApportionedReplicas: int('max-apportioned-replicas', d.traffic.maxApportionedReplicas, 2, 1000),
      installed: { gatewayApi: false, istio: false },
    },
    autoscaling: {
      autoscalerClass: autoscalerClass as AutoscalingConfig['autoscalerClass'],
      prometheusUrl: str('prometheus-url', d.autoscaling.prometheusUrl),
      kedaInstalled: false,
    },
    specDefaults: {
      batching: { maxBatchSize, maxQueueDelayMs: optInt('default-max-queue-delay-ms', 0, 60000), maxQueueSize },
      scaleMetric: scaleMetric as ScaleMetric,
      scaleTarget: optInt('default-scale-target', 1, 1000000),
      scaleUpStabilizationSeconds: optInt('default-scale-up-stabilization-seconds', 0, 3600),
      scaleDownStabilizationSeconds: optInt('default-scale-down-stabilization-seconds', 0, 3600),
      // Tracing of the runtimes (spec.predictor.tracing defaults) and of the operator's own reconciles.
      tracing: { endpoint: httpUrl('tracing-endpoint'), samplingRatio: fraction('tracing-sampling-ratio') },
    },
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(config);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
