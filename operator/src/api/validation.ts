// ajv validation and defaulting compiled from the same schema as the CRD. The
// API server enforces the schema (and the CEL rules ajv cannot evaluate) on
// admission; the operator re-checks on read so an object stored before a
// schema change is reported in status instead of producing a broken Deployment.
import { Ajv, type ErrorObject } from 'ajv';
import { applySpecDefaults, NO_SPEC_DEFAULTS, type SpecDefaults } from './defaults.ts';
import { specSchema } from './schema.ts';
import type { DefaultedInferenceService, DefaultedPredictor, InferenceService } from './types.ts';

const ajv = new Ajv({ allErrors: true, useDefaults: true, validateFormats: false, strict: true, strictTypes: false });
ajv.addVocabulary([
  'x-kubernetes-validations',
  'x-kubernetes-int-or-string',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
]);
// strictTypes is off because a quantity's pattern applies only when it is a string (JSON Schema semantics).
const validateSpec = ajv.compile(specSchema);

function describe(error: ErrorObject): string {
  const where = `spec${error.instancePath.replaceAll('/', '.')}`;
  if (error.keyword === 'enum') return `${where}: must be one of ${(error.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
  return `${where}: ${error.message ?? error.keyword}`;
}

export type DefaultingResult =
  | { ok: true; isvc: DefaultedInferenceService }
  | { ok: false; errors: string[] };

/**
 * The one defaulting step: validates the spec, fills the schema defaults, then
 * the operator's configured defaults (defaults.ts), into a copy (never
 * mutates the cache).
 */
export function defaultAndValidate(isvc: Pick<InferenceService, 'metadata' | 'spec'>, defaults: SpecDefaults = NO_SPEC_DEFAULTS): DefaultingResult {
  const spec = structuredClone(isvc.spec) as unknown;
  if (!validateSpec(spec)) return { ok: false, errors: (validateSpec.errors ?? []).map(describe) };
  const predictor = (spec as InferenceService['spec']).predictor as DefaultedPredictor;
  const applied = applySpecDefaults(predictor, defaults);
  if (!applied.ok) return applied;
  return { ok: true, isvc: { metadata: isvc.metadata, spec: { ...(spec as InferenceService['spec']), predictor: applied.predictor } } };
}
