// Test helper: a valid InferenceService with overrides, defaulted the way the
// reconciler defaults it. Used by unit tests only.
import type { DefaultedInferenceService, InferenceService, PredictorSpec } from '../../../operator/src/api/types.ts';
import { defaultAndValidate } from '../../../operator/src/api/validation.ts';
import { API_VERSION, KIND } from '../../../operator/src/api/schema.ts';

export function isvcFixture(predictor: Partial<PredictorSpec> = {}, name = 'iris', namespace = 'ml'): InferenceService {
  return {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: { name, namespace, uid: `uid-${name}`, generation: 1 },
    spec: { predictor: { model: { modelFormat: { name: 'onnx' }, storageUri: 's3://models/iris.onnx' }, ...predictor } },
  };
}

export function defaulted(predictor: Partial<PredictorSpec> = {}, name = 'iris'): DefaultedInferenceService {
  const result = defaultAndValidate(isvcFixture(predictor, name));
  if (!result.ok) throw new Error(result.errors.join('; '));
  return result.isvc;
}
