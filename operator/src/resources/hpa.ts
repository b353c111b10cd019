// Desired HorizontalPodAutoscaler. It exists only when the spec leaves room
// to scale (maxReplicas above minReplicas); otherwise the Deployment's
// replicas are fixed at minReplicas. The queue-length and concurrency metrics
// are the runtime's Prometheus gauges served through prometheus-adapter.
import type { V2HorizontalPodAutoscaler, V2MetricSpec } from '@kubernetes/client-node';
import type { DefaultedInferenceService, DefaultedPredictor } from '../api/types.ts';
import { deploymentName, hpaName } from '../names.ts';
import { childMeta } from './labels.ts';

export const QUEUE_LENGTH_METRIC = 'modelship_queue_length';
export const IN_FLIGHT_METRIC = 'modelship_requests_in_flight';
export const DEFAULT_SCALE_TARGET: Record<DefaultedPredictor['scaleMetric'], number> = {
  queueLength: 4,
  concurrency: 8,
  cpu: 80,
  memory: 80,
};

export function autoscaled(predictor: DefaultedPredictor): boolean {
  return predictor.maxReplicas !== undefined && predictor.maxReplicas > predictor.minReplicas;
}

function metricFor(predictor: DefaultedPredictor): V2MetricSpec {
  const target = predictor.scaleTarget ?? DEFAULT_SCALE_TARGET[predictor.scaleMetric];
  switch (predictor.scaleMetric) {
    case 'queueLength':
    case 'concurrency':
      return {
        type: 'Pods',
        pods: {
          metric: { name: predictor.scaleMetric === 'queueLength' ? QUEUE_LENGTH_METRIC : IN_FLIGHT_METRIC },
          target: { type: 'AverageValue', averageValue: String(target) },
        },
      };
    case 'cpu':
    case 'memory':
      return { type: 'Resource', resource: { name: predictor.scaleMetric, target: { type: 'Utilization', averageUtilization: target } } };
  }
}

/** undefined when no autoscaler is wanted (the reconciler then deletes any it owns). */
export function buildHpa(isvc: DefaultedInferenceService): V2HorizontalPodAutoscaler | undefined {
  const predictor = isvc.spec.predictor;
  if (!autoscaled(predictor)) return undefined;
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: childMeta(isvc.metadata, hpaName(isvc.metadata.name)),
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: deploymentName(isvc.metadata.name) },
      // The HPA cannot hold a workload at zero; scale-to-zero needs KEDA.
      minReplicas: Math.max(1, predictor.minReplicas),
      maxReplicas: predictor.maxReplicas ?? predictor.minReplicas,
      metrics: [metricFor(predictor)],
      behavior: {
        scaleUp: { stabilizationWindowSeconds: 0, policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }], selectPolicy: 'Max' },
        scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }], selectPolicy: 'Max' },
      },
    },
  };
}
