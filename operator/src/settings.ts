// Operator settings: the typed, frozen shape every layer reads (builders,
// planner, controller) and the defaults of the builders' settings. A leaf:
// it parses nothing and reads no environment; config.ts, at the top, turns
// flags and environment into an OperatorConfig.
import type { LogLevel } from '../../common/src/logger.ts';
import { NO_SPEC_DEFAULTS, type SpecDefaults } from './api/defaults.ts';
import { DEFAULT_HOSTNAME_TEMPLATE } from './hostname.ts';
import { DEFAULT_TENANT_POLICY, type TenantPolicy } from './tenant-policy.ts';

export interface PlacementConfig {
  /** Node labels a GPU predictor must match (e.g. nvidia.com/gpu.present=true). */
  gpuNodeSelector: Readonly<Record<string, string>>;
  /** Node label whose value names the GPU product, for spec.predictor.acceleratorType. */
  acceleratorLabel: string;
  /** Added to GPU predictors so they fit on tainted GPU nodes. */
  gpuTolerationKey: string;
}

export interface LeaderElectionConfig {
  enabled: boolean;
  namespace: string;
  leaseName: string;
  identity: string;
  leaseDurationSeconds: number;
  renewDeadlineSeconds: number;
  retryPeriodSeconds: number;
}

/** How canary traffic is split (see canary/); a resource may override the mode by annotation. */
export interface TrafficConfig {
  /** auto: gatewayApi when the Gateway API CRDs are installed, else service. */
  mode: 'auto' | 'gatewayApi' | 'istio' | 'service';
  /** The Gateway HTTPRoutes attach to. */
  gatewayName: string;
  gatewayNamespace: string;
  /** The domain routes answer under. */
  ingressDomain: string;
  /** Route hostname: {name}, {namespace} and {domain} replaced (hostname.ts). */
  hostnameTemplate: string;
  /** Whether the serving.modelship.io/traffic-mode annotation may override `mode`. */
  allowModeAnnotation: boolean;
  /** Istio gateways a VirtualService binds to besides the mesh. */
  istioGateways: readonly string[];
  /** Service mode: most pods two revisions may run to approximate a split. */
  maxApportionedReplicas: number;
  /** Which traffic CRDs the API server serves; found by discovery at start-up, not a flag. */
  installed: Readonly<{ gatewayApi: boolean; istio: boolean; /** GRPCRoute served too (absent: no). */ grpcRoute?: boolean }>;
}

/** Which autoscaler scales a resource (see resources/autoscaler-class.ts); an annotation may override it. */
export interface AutoscalingConfig {
  autoscalerClass: 'hpa' | 'keda';
  /** Where KEDA's prometheus trigger reads the runtime's metrics. */
  prometheusUrl: string;
  /** Whether the API server serves KEDA's ScaledObject; found by discovery at start-up, not a flag. */
  kedaInstalled: boolean;
}

/** The model fetch (resources/storage-initializer.ts): its policy and where its credentials come from. */
export interface StorageConfig {
  /** The fetch gives up when no data arrives for this long. */
  idleTimeoutSeconds: number;
  /** Largest model (all files together) the fetch copies. */
  maxModelBytes: number;
  /** Let a model URL or store endpoint reach link-local and cloud metadata addresses. */
  allowMetadataAddresses: boolean;
  /** Non-empty: project the pod's service-account token for this audience into the fetch (web identity). */
  tokenAudience: string;
}

/** The DriftDetected condition (controller/drift-monitor.ts). */
export interface DriftConfig {
  /** Seconds between two Prometheus queries (one for every InferenceService); 0: no DriftDetected condition. */
  checkSeconds: number;
}

/** Informer watches (kube/informer.ts). */
export interface WatchConfig {
  /** A watch with no event and no bookmark for this long is cut and relisted; readiness reports it meanwhile. */
  idleTimeoutSeconds: number;
  /** Least time between two watch starts of one informer. */
  minReconnectGapMs: number;
}

export interface OperatorConfig {
  kubeconfig: string | undefined;
  /** Empty: all namespaces. */
  watchNamespace: string;
  runtimeImage: string;
  gpuRuntimeImage: string;
  clusterDomain: string;
  workers: number;
  resyncSeconds: number;
  host: string;
  port: number;
  /** /readyz fails once a watch has been failing this long (the API server away); /healthz never does. */
  apiFailureUnreadySeconds: number;
  logLevel: LogLevel;
  placement: PlacementConfig;
  leaderElection: LeaderElectionConfig;
  watch: WatchConfig;
  /** Default model server container resources when the spec has none. */
  defaultResources: Readonly<{ requests: Record<string, string>; limits: Record<string, string> }>;
  /**
   * sizeLimit of the emptyDir a fetched model is written to; the model server's
   * ephemeral-storage limit defaults to it plus scratch space. A spec's own
   * ephemeral-storage limit replaces both.
   */
  modelVolumeSizeLimit: string;
  traffic: TrafficConfig;
  autoscaling: AutoscalingConfig;
  /** Predictor fields a spec leaves unset (batching, autoscaling); applied by the defaulting step. */
  specDefaults: SpecDefaults;
  storage: StorageConfig;
  drift: DriftConfig;
  /** What an InferenceService author may ask for (tenant-policy.ts). */
  tenantPolicy: TenantPolicy;
}

/** Settings the builders need; a subset so their tests stay small. */
export type BuildConfig = Pick<OperatorConfig, 'runtimeImage' | 'gpuRuntimeImage' | 'clusterDomain' | 'placement' | 'defaultResources' | 'modelVolumeSizeLimit' | 'traffic' | 'autoscaling' | 'specDefaults' | 'storage' | 'tenantPolicy'>;

export const DEFAULT_BUILD_CONFIG: BuildConfig = Object.freeze({
  runtimeImage: 'ghcr.io/modelship/runtime:0.1.0',
  gpuRuntimeImage: 'ghcr.io/modelship/runtime-gpu:0.1.0',
  clusterDomain: 'cluster.local',
  placement: Object.freeze({
    gpuNodeSelector: Object.freeze({ 'nvidia.com/gpu.present': 'true' }),
    acceleratorLabel: 'nvidia.com/gpu.product',
    gpuTolerationKey: 'nvidia.com/gpu',
  }),
  defaultResources: Object.freeze({ requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '2Gi' } }),
  modelVolumeSizeLimit: '10Gi',
  traffic: Object.freeze({
    mode: 'auto' as const,
    gatewayName: 'modelship-gateway',
    gatewayNamespace: 'modelship-system',
    ingressDomain: 'example.com',
    hostnameTemplate: DEFAULT_HOSTNAME_TEMPLATE,
    allowModeAnnotation: false,
    istioGateways: Object.freeze([]) as readonly string[],
    maxApportionedReplicas: 10,
    installed: Object.freeze({ gatewayApi: false, istio: false }),
  }),
  autoscaling: Object.freeze({
    autoscalerClass: 'hpa' as const,
    prometheusUrl: 'http://prometheus-operated.monitoring.svc:9090',
    kedaInstalled: false,
  }),
  specDefaults: NO_SPEC_DEFAULTS,
  storage: Object.freeze({ idleTimeoutSeconds: 60, maxModelBytes: 20 * 1024 ** 3, allowMetadataAddresses: false, tokenAudience: '' }),
  tenantPolicy: DEFAULT_TENANT_POLICY,
});

export const DEFAULT_DRIFT_CONFIG: DriftConfig = Object.freeze({ checkSeconds: 60 });
