// Desired KEDA ScaledObject: the alternative to the HPA when the autoscaler
// class is keda (see autoscaler-class.ts). Like the HPA it exists only when
// the spec leaves room to scale, and it leaves the Deployment's replicas to
// KEDA. Unlike the HPA it can hold a workload at zero: the queue-length and
// concurrency metrics are read straight from Prometheus, so KEDA wakes the
// Deployment from zero pods when a query (over past samples) shows demand.
import type { DefaultedInferenceService } from '../api/types.ts';
import { deploymentName, hpaName } from '../names.ts';
import { DEFAULT_SCALE_TARGET, IN_FLIGHT_METRIC, QUEUE_LENGTH_METRIC, autoscaled, scalingRules, DEFAULT_SCALE_DOWN, DEFAULT_SCALE_UP } from './hpa.ts';
import { childMeta } from './labels.ts';

export interface ScaledObject {
  apiVersion: 'keda.sh/v1alpha1';
  kind: 'ScaledObject';
  metadata: ReturnType<typeof childMeta>;
  spec: {
    scaleTargetRef: { apiVersion: string; kind: string; name: string };
    minReplicaCount: number;
    maxReplicaCount: number;
    advanced: { horizontalPodAutoscalerConfig: { behavior: object } };
    triggers: ScaledObjectTrigger[];
  };
}

export interface ScaledObjectTrigger {
  type: 'prometheus' | 'cpu' | 'memory';
  metricType?: 'Utilization';
  metadata: Record<string, string>;
}

/** Escapes a value for a PromQL double-quoted label matcher. */
const promString = (value: string): string => JSON.stringify(value);

/**
 * The average of the runtime's gauge over the target Deployment's pods.
 * Deployment pods are named <deployment>-<replicaset hash>-<suffix>; the
 * anchored regex keeps a revision from matching another whose name it
 * prefixes. `or vector(0)` makes "no pods" read as no demand rather than an
 * error, which KEDA would otherwise treat as a failing scaler.
 */
export function podAverageQuery(metric: string, namespace: string, deployment: string): string {
  return `avg(${metric}{namespace=${promString(namespace)},pod=~${promString(`${deployment}-[a-z0-9]+-[a-z0-9]+`)}}) or vector(0)`;
}

function triggerFor(isvc: DefaultedInferenceService, target: string, prometheusUrl: string): ScaledObjectTrigger {
  const predictor = isvc.spec.predictor;
  const value = String(predictor.scaleTarget ?? DEFAULT_SCALE_TARGET[predictor.scaleMetric]);
  switch (predictor.scaleMetric) {
    case 'queueLength':
    case 'concurrency': {
      const metric = predictor.scaleMetric === 'queueLength' ? QUEUE_LENGTH_METRIC : IN_FLIGHT_METRIC;
      return { type: 'prometheus', metadata: { serverAddress: prometheusUrl, query: podAverageQuery(metric, isvc.metadata.namespace, target), threshold: value } };
    }
    case 'cpu':
    case 'memory':
      return { type: predictor.scaleMetric, metricType: 'Utilization', metadata: { value } };
  }
}

/** undefined when no autoscaler is wanted (the reconciler then deletes any it owns). */
export function buildScaledObject(isvc: DefaultedInferenceService, prometheusUrl: string, target = deploymentName(isvc.metadata.name)): ScaledObject | undefined {
  const predictor = isvc.spec.predictor;
  if (!autoscaled(predictor)) return undefined;
  // KEDA cannot wake a workload from zero on cpu or memory alone (no pod, no
  // utilisation), so those metrics keep one pod like the HPA does.
  const resourceMetric = predictor.scaleMetric === 'cpu' || predictor.scaleMetric === 'memory';
  return {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: childMeta(isvc.metadata, hpaName(isvc.metadata.name)),
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: target },
      minReplicaCount: resourceMetric ? Math.max(1, predictor.minReplicas) : predictor.minReplicas,
      maxReplicaCount: predictor.maxReplicas ?? predictor.minReplicas,
      // KEDA drives an HPA of its own; the same behaviour as the HPA class.
      advanced: {
        horizontalPodAutoscalerConfig: {
          behavior: {
            scaleUp: scalingRules(DEFAULT_SCALE_UP, predictor.scaleBehavior?.scaleUp),
            scaleDown: scalingRules(DEFAULT_SCALE_DOWN, predictor.scaleBehavior?.scaleDown),
          },
        },
      },
      triggers: [triggerFor(isvc, target, prometheusUrl)],
    },
  };
}

