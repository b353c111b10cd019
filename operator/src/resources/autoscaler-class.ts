// Which autoscaler scales an InferenceService: the operator's
// --autoscaler-class, overridden per resource by KServe's annotation (or
// ours). KEDA is used only when the API server serves its ScaledObject
// (found by discovery at start-up); otherwise the HPA is used and the status
// says why, rather than writing objects the API server cannot store.
import type { AutoscalingConfig } from '../settings.ts';

export const AUTOSCALER_CLASSES = ['hpa', 'keda'] as const;
export type AutoscalerClass = (typeof AUTOSCALER_CLASSES)[number];
export const KSERVE_AUTOSCALER_CLASS_ANNOTATION = 'serving.kserve.io/autoscalerClass';
export const AUTOSCALER_CLASS_ANNOTATION = 'serving.modelship.io/autoscaler-class';

export interface ResolvedAutoscaler {
  autoscalerClass: AutoscalerClass;
  /** Why the requested class could not be used, or what the HPA changed, if anything. */
  problem?: string;
}

export function resolveAutoscaler(
  annotations: Record<string, string> | undefined,
  autoscaling: Pick<AutoscalingConfig, 'autoscalerClass' | 'kedaInstalled'>,
  minReplicas: number,
  autoscaled: boolean,
): ResolvedAutoscaler {
  const requested = annotations?.[AUTOSCALER_CLASS_ANNOTATION] ?? annotations?.[KSERVE_AUTOSCALER_CLASS_ANNOTATION] ?? autoscaling.autoscalerClass;
  let problem: string | undefined;
  let chosen: AutoscalerClass = 'hpa';
  if (!(AUTOSCALER_CLASSES as readonly string[]).includes(requested)) {
    problem = `autoscaler class must be one of ${AUTOSCALER_CLASSES.join(', ')}; got ${requested}: using hpa`;
  } else if (requested === 'keda' && !autoscaling.kedaInstalled) {
    problem = 'the KEDA ScaledObject CRD (keda.sh) is not installed: using hpa';
  } else {
    chosen = requested as AutoscalerClass;
  }
  // The HPA cannot hold a workload at zero: it keeps one pod, and says so.
  if (chosen === 'hpa' && autoscaled && minReplicas === 0) {
    const clamp = 'minReplicas 0 needs the keda autoscaler class: the HPA keeps at least 1 replica';
    problem = problem === undefined ? clamp : `${problem}; ${clamp}`;
  }
  return problem === undefined ? { autoscalerClass: chosen } : { autoscalerClass: chosen, problem };
}
