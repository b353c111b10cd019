// Desired Deployment of the runtime for one InferenceService. Pure: the
// defaulted resource and the operator's build settings in, an object to
// server-side apply out. `replicas` is left out when an autoscaler owns it, so
// the operator never undoes a scale decision.
import type { V1Container, V1Deployment, V1EnvVar, V1Probe, V1Volume } from '@kubernetes/client-node';
import type { DefaultedInferenceService } from '../api/types.ts';
import type { BuildConfig } from '../settings.ts';
import { CONTAINER_NAME, deploymentName } from '../names.ts';
import { autoscaled } from './hpa.ts';
import { childMeta, selectorLabels, childLabels } from './labels.ts';
import { placementFor } from './placement.ts';
import { parseQuantity } from './quantity.ts';
import { observabilityFor } from './observability.ts';
import { fallbackArgs } from './fallback.ts';
import { CONTAINER_SECURITY, POD_SECURITY, modelStorage, type ModelStorage } from './runtime-pod.ts';

export const RUNTIME_PORT = 8080;
/** The runtime's /metrics port: never in the Service, so routes to the model never expose it. */
export const METRICS_PORT = 8082;
/** The runtime's gRPC port (Open Inference Protocol over gRPC, h2c). */
export const RUNTIME_GRPC_PORT = 8081;
export const SHUTDOWN_GRACE_SECONDS = 20;
/**
 * A terminating pod keeps serving normally this long before SIGTERM reaches
 * the runtime, so kube-proxy, Gateways and meshes drop its endpoint first
 * (endpoint updates take seconds to propagate). The kubelet's sleep action
 * (Kubernetes 1.30+, the chart's minimum) needs no binary in the image.
 */
export const PRE_STOP_SECONDS = 10;
/** The kubelet counts preStop against the grace period: sleep, then the runtime's drain, plus slack before SIGKILL. */
export const TERMINATION_GRACE_SECONDS = PRE_STOP_SECONDS + SHUTDOWN_GRACE_SECONDS + 5;
/** Where the runtime writes why it stopped (its --termination-log-path default, Kubernetes' default path). */
export const TERMINATION_LOG_PATH = '/dev/termination-log';
const probe = (path: string, periodSeconds: number, failureThreshold: number): V1Probe => ({
  httpGet: { path, port: 'http' },
  periodSeconds,
  failureThreshold,
  timeoutSeconds: 2,
});

function runtimeArgs(isvc: DefaultedInferenceService, storage: ModelStorage, executionProviders: string, cpuLimit: string | undefined): string[] {
  const predictor = isvc.spec.predictor;
  const args = [
    'serve',
    '--model-name', isvc.metadata.name,
    '--model-path', storage.modelPath,
    '--host', '0.0.0.0',
    '--port', String(RUNTIME_PORT),
    '--grpc-port', String(RUNTIME_GRPC_PORT),
    '--metrics-port', String(METRICS_PORT),
    '--execution-providers', executionProviders,
    '--shutdown-grace-seconds', String(SHUTDOWN_GRACE_SECONDS),
    // The same path the container declares as its terminationMessagePath.
    '--termination-log-path', TERMINATION_LOG_PATH,
  ];
  // onnxruntime sizes its pool by the host's cores, not the container's limit.
  const cores = Math.floor(parseQuantity(cpuLimit) ?? 0);
  if (cores >= 1) args.push('--intra-op-threads', String(cores));
  const b = predictor.batching;
  if (b?.maxBatchSize !== undefined) args.push('--max-batch-size', String(b.maxBatchSize));
  if (b?.maxQueueDelayMs !== undefined) args.push('--max-queue-delay-ms', String(b.maxQueueDelayMs));
  if (b?.maxQueueSize !== undefined) args.push('--max-queue-size', String(b.maxQueueSize));
  if (b?.queueTimeoutMs !== undefined) args.push('--queue-timeout-ms', String(b.queueTimeoutMs));
  // Only fields set (by the spec or a non-runtime operator default): an InferenceService without monitoring keeps its pod template.
  const m = predictor.monitoring;
  if (m?.driftThreshold !== undefined) args.push('--drift-threshold', String(m.driftThreshold));
  if (m?.window !== undefined) args.push('--drift-window', String(m.window));
  if (m?.inputPolicy !== undefined) args.push('--input-policy', m.inputPolicy);
  args.push(...fallbackArgs(predictor.fallback, storage.fallbackModelPath));
  return args;
}

/** `revision` names the revision the Deployment runs; the runtime stamps it on logged events and spans. */
export function buildDeployment(isvc: DefaultedInferenceService, config: BuildConfig, revision?: string): V1Deployment {
  const predictor = isvc.spec.predictor;
  const observability = observabilityFor(isvc, revision);
  const meta = isvc.metadata;
  const placement = placementFor(predictor, config);
  const storage = modelStorage(predictor.model, placement.image, config, predictor.fallback?.storageUri);
  const resources = storage.resources;
  // The order of volumes is part of the pod template: changing it would roll every predictor.
  const volumes: V1Volume[] = [...storage.volumes, ...observability.volumes, ...storage.initVolumes];
  // An empty value is omitted: the API server drops `value: ""`, which would read as drift on every pass.
  const env: V1EnvVar[] = (predictor.model.env ?? []).map((e) => (e.value ? { name: e.name, value: e.value } : { name: e.name }));

  const container: V1Container = {
    name: CONTAINER_NAME,
    image: placement.image,
    imagePullPolicy: 'IfNotPresent',
    args: [...runtimeArgs(isvc, storage, placement.executionProviders, resources.limits['cpu']), ...observability.args],
    ports: [
      { name: 'http', containerPort: RUNTIME_PORT, protocol: 'TCP' },
      { name: 'grpc', containerPort: RUNTIME_GRPC_PORT, protocol: 'TCP' },
      { name: 'metrics', containerPort: METRICS_PORT, protocol: 'TCP' },
    ],
    ...(env.length > 0 ? { env } : {}),
    ...(observability.envFrom.length > 0 ? { envFrom: [...observability.envFrom] } : {}),
    resources,
    readinessProbe: probe('/v2/health/ready', 5, 3),
    livenessProbe: probe('/v2/health/live', 10, 3),
    // Loading a large model may take minutes; liveness starts once it is up.
    startupProbe: probe('/v2/health/live', 5, 120),
    lifecycle: { preStop: { sleep: { seconds: PRE_STOP_SECONDS } } },
    securityContext: CONTAINER_SECURITY,
    // A model that fails to load (or a pool left with no worker) writes one
    // line to the termination log and exits; the kubelet makes it the
    // termination message, which the status reports as the failure reason.
    // Only a crash that writes nothing falls back to the log tail.
    terminationMessagePath: TERMINATION_LOG_PATH,
    terminationMessagePolicy: 'FallbackToLogsOnError',
    volumeMounts: [...storage.mounts, ...observability.volumeMounts],
  };

  const initContainers = storage.initContainers;

  const podLabels = { ...(predictor.labels ?? {}), ...childLabels(meta) };
  const podAnnotations = {
    ...(predictor.annotations ?? {}),
    // Prometheus scrape annotations: the queue-length autoscaling path reads these.
    'prometheus.io/scrape': 'true',
    'prometheus.io/port': String(METRICS_PORT),
    'prometheus.io/path': '/metrics',
  };

  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: childMeta(meta, deploymentName(meta.name)),
    spec: {
      ...(autoscaled(predictor) ? {} : { replicas: predictor.minReplicas }),
      selector: { matchLabels: selectorLabels(meta) },
      revisionHistoryLimit: 3,
      // Never drop below the serving capacity while a new pod loads its model.
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: { labels: podLabels, annotations: podAnnotations },
        spec: {
          ...(predictor.serviceAccountName !== undefined
            ? { serviceAccountName: predictor.serviceAccountName }
            : { automountServiceAccountToken: false }),
          ...(predictor.imagePullSecrets !== undefined ? { imagePullSecrets: predictor.imagePullSecrets } : {}),
          ...(placement.nodeSelector !== undefined ? { nodeSelector: placement.nodeSelector } : {}),
          ...(placement.tolerations !== undefined ? { tolerations: placement.tolerations } : {}),
          ...(predictor.affinity !== undefined ? { affinity: predictor.affinity } : {}),
          securityContext: POD_SECURITY,
          terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS,
          ...(initContainers.length > 0 ? { initContainers } : {}),
          containers: [container],
          volumes,
        },
      },
    },
  };
}
