// ajv validation and defaulting of a BatchInference spec, compiled from the
// same schema as its CRD (as validation.ts does for InferenceService): the
// operator re-checks what it reads, so an object stored before a schema
// change is reported in status instead of producing a broken Job.
import { Ajv, type ErrorObject } from 'ajv';
import { batchSpecSchema } from './batch-schema.ts';
import type { BatchInference, DefaultedBatchSpec } from './batch-types.ts';

const ajv = new Ajv({ allErrors: true, useDefaults: true, validateFormats: false, strict: true, strictTypes: false });
ajv.addVocabulary(['x-kubernetes-validations', 'x-kubernetes-int-or-string', 'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-list-type', 'x-kubernetes-list-map-keys']);
const validateSpec = ajv.compile(batchSpecSchema);

function describe(error: ErrorObject): string {
  const where = `spec${error.instancePath.replaceAll('/', '.')}`;
  if (error.keyword === 'enum') return `${where}: must be one of ${(error.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
  return `${where}: ${error.message ?? error.keyword}`;
}

export type BatchDefaultingResult = { ok: true; spec: DefaultedBatchSpec } | { ok: false; errors: string[] };

/**
 * Validates a copy of the spec (never the cached object) and fills the schema
 * defaults. ajv cannot evaluate CEL, so the cross-field rules the builders
 * rely on are checked here again.
 */
export function defaultBatchSpec(bi: Pick<BatchInference, 'spec'>): BatchDefaultingResult {
  const spec = structuredClone(bi.spec) as unknown as DefaultedBatchSpec;
  if (!validateSpec(spec)) return { ok: false, errors: (validateSpec.errors ?? []).map(describe) };
  spec.retry = { ...(spec.retry ?? {}), backoffLimitPerIndex: spec.retry?.backoffLimitPerIndex ?? 3 };
  const errors: string[] = [];
  if ((spec.model === undefined) === (spec.inferenceServiceRef === undefined)) errors.push('spec: exactly one of model and inferenceServiceRef must be set');
  if (spec.parallelism !== undefined && spec.parallelism > spec.shards) errors.push('spec.parallelism: must not exceed shards');
  if (spec.retry.maxFailedIndexes !== undefined && spec.retry.maxFailedIndexes > spec.shards) errors.push('spec.retry.maxFailedIndexes: must not exceed shards');
  return errors.length > 0 ? { ok: false, errors } : { ok: true, spec };
}
