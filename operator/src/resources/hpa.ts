// Desired HorizontalPodAutoscaler. It exists only when the spec leaves room
// to scale (maxReplicas above minReplicas); otherwise the Deployment's
// replicas are fixed at minReplicas. The queue-length and concurrency metrics
// are the runtime's Prometheus gauges served through prometheus-adapter.
import type { V2HPAScalingRules, V2HorizontalPodAutoscaler, V2MetricSpec } from '@kubernetes/client-node';
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

/**
 * Sane defaults: scale up at once (doubling at most every 15 s), scale down
 * only after 5 minutes of lower demand and by at most half a minute: model
 * servers are slow to start, so flapping costs more than idle replicas.
 */
export const DEFAULT_SCALE_UP: V2HPAScalingRules = Object.freeze({
  stabilizationWindowSeconds: 0,
  policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
  selectPolicy: 'Max',
});
export const DEFAULT_SCALE_DOWN: V2HPAScalingRules = Object.freeze({
  stabilizationWindowSeconds: 300,
  policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }],
  selectPolicy: 'Max',
});

/** The spec's rules field by field over the defaults (policies replace the default list as a whole). */
export function scalingRules(defaults: V2HPAScalingRules, spec: Partial<V2HPAScalingRules> | undefined): V2HPAScalingRules {
  const defined = Object.fromEntries(Object.entries(spec ?? {}).filter(([, v]) => v !== undefined));
  return { ...defaults, ...defined };
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
        scaleUp: scalingRules(DEFAULT_SCALE_UP, predictor.scaleBehavior?.scaleUp),
        scaleDown: scalingRules(DEFAULT_SCALE_DOWN, predictor.scaleBehavior?.scaleDown),
      },
    },
  };
}
