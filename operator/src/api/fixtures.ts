// Test helper: a valid InferenceService with overrides, defaulted the way the
// reconciler defaults it. Used by unit tests only.
import type { DefaultedInferenceService, InferenceService, PredictorSpec } from './types.ts';
import { defaultAndValidate } from './validation.ts';
import { API_VERSION, KIND } from './schema.ts';

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
