// The InferenceService object as the operator sees it. Spec and status types
// are generated from schema.ts (types.gen.ts); this file only adds the
// Kubernetes envelope and the fully defaulted form builders take.
import type { V1ObjectMeta } from '@kubernetes/client-node';
import type { InferenceServiceSpec, InferenceServiceStatus, PredictorSpec, RoutingSpec } from './types.gen.ts';

export type * from './types.gen.ts';

export interface InferenceService {
  apiVersion: string;
  kind: string;
  metadata: V1ObjectMeta & { name: string; namespace: string };
  spec: InferenceServiceSpec;
  status?: InferenceServiceStatus;
}

/** A predictor after defaulting: the fields with schema defaults are present. */
export type DefaultedPredictor = PredictorSpec & Required<Pick<PredictorSpec, 'minReplicas' | 'scaleMetric'>>;

/** What builders take: metadata plus a defaulted spec, never the raw object. */
export interface DefaultedInferenceService {
  metadata: InferenceService['metadata'];
  spec: {
    predictor: DefaultedPredictor;
    variants?: DefaultedVariant[];
    shadow?: DefaultedShadow;
    routing?: RoutingSpec;
  };
}

/** A named variant after defaulting: its share is explicit and its predictor defaulted like the main one. */
export interface DefaultedVariant {
  name: string;
  trafficPercent: number;
  predictor: DefaultedPredictor;
}

export interface DefaultedShadow {
  percent: number;
  predictor: DefaultedPredictor;
}
