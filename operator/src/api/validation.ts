// ajv validation and defaulting compiled from the same schema as the CRD. The
// API server enforces the schema (and the CEL rules ajv cannot evaluate) on
// admission; the operator re-checks on read so an object stored before a
// schema change is reported in status instead of producing a broken Deployment.
import { Ajv, type ErrorObject } from 'ajv';
import { applySpecDefaults, NO_SPEC_DEFAULTS, type SpecDefaults } from './defaults.ts';
import { MAX_VARIANTS, RESERVED_VARIANT_NAMES, specSchema } from './schema.ts';
import type { DefaultedInferenceService, DefaultedPredictor, DefaultedShadow, DefaultedVariant, InferenceService } from './types.ts';

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
  const typed = spec as InferenceService['spec'];
  // The CEL rules of the CRD, again: an object stored before them, or by an API server that skipped them, must not build children.
  const ruleErrors = [...variantRuleErrors(typed), ...fallbackRuleErrors(typed)];
  if (ruleErrors.length > 0) return { ok: false, errors: ruleErrors };
  const steps = typed.predictor.rollout?.steps ?? [];
  const unordered = steps.findIndex((st, i) => i > 0 && st.trafficPercent <= steps[i - 1]!.trafficPercent);
  if (unordered > 0) return { ok: false, errors: [`spec.predictor.rollout.steps[${unordered}]: rollout.steps must have strictly increasing trafficPercent`] };
  const applied = applySpecDefaults(typed.predictor as DefaultedPredictor, defaults);
  if (!applied.ok) return applied;
  const errors: string[] = [];
  const defaultedPredictor = (p: unknown, where: string): DefaultedPredictor => {
    const r = applySpecDefaults(p as DefaultedPredictor, defaults);
    if (r.ok) return r.predictor;
    errors.push(...r.errors.map((e) => e.replace('spec.predictor', where)));
    return p as DefaultedPredictor;
  };
  const variants: DefaultedVariant[] | undefined = typed.variants?.map((v, i) => ({
    name: v.name,
    trafficPercent: v.trafficPercent ?? 0,
    predictor: defaultedPredictor(v.predictor, `spec.variants[${i}].predictor`),
  }));
  const shadow: DefaultedShadow | undefined = typed.shadow === undefined ? undefined
    : { percent: typed.shadow.percent ?? 100, predictor: defaultedPredictor(typed.shadow.predictor, 'spec.shadow.predictor') };
  if (errors.length > 0) return { ok: false, errors };
  const { variants: _v, shadow: _s, ...rest } = typed;
  return {
    ok: true,
    isvc: {
      metadata: isvc.metadata,
      spec: {
        ...rest,
        predictor: applied.predictor,
        ...(variants !== undefined && variants.length > 0 ? { variants } : {}),
        ...(shadow !== undefined ? { shadow } : {}),
      },
    },
  };
}

/** The element list a static fallback tensor of this datatype takes (the FallbackTensor CEL rule). */
const elementList = (datatype: string): 'boolData' | 'bytesData' | 'data' => (datatype === 'BOOL' ? 'boolData' : datatype === 'BYTES' ? 'bytesData' : 'data');

/**
 * The CRD's CEL rules on spec.predictor.fallback (of every predictor): exactly
 * one of storageUri and response, each tensor's elements in its datatype's list.
 * Otherwise the runtime would refuse to start, and the pod crash-loop.
 */
function fallbackRuleErrors(spec: InferenceService['spec']): string[] {
  const predictors: Array<[string, InferenceService['spec']['predictor']]> = [
    ['spec.predictor', spec.predictor],
    ...(spec.variants ?? []).map((v, i): [string, InferenceService['spec']['predictor']] => [`spec.variants[${i}].predictor`, v.predictor]),
    ...(spec.shadow !== undefined ? [['spec.shadow.predictor', spec.shadow.predictor] as [string, InferenceService['spec']['predictor']]] : []),
  ];
  return predictors.flatMap(([where, p]) => {
    const f = p.fallback;
    if (f === undefined) return [];
    const errors = (f.response !== undefined) === (f.storageUri !== undefined) ? [`${where}.fallback: needs exactly one of storageUri (a fallback model) or response (a static answer)`] : [];
    (f.response?.outputs ?? []).forEach((t, i) => {
      const given = (['data', 'boolData', 'bytesData'] as const).filter((k) => t[k] !== undefined);
      if (given.length !== 1 || given[0] !== elementList(t.datatype)) errors.push(`${where}.fallback.response.outputs[${i}]: datatype ${t.datatype} takes its elements in ${elementList(t.datatype)}, and only there`);
    });
    return errors;
  });
}

/** The CRD's CEL rules on variants and the shadow, which ajv cannot evaluate. */
function variantRuleErrors(spec: InferenceService['spec']): string[] {
  const errors: string[] = [];
  const variants = spec.variants ?? [];
  if (variants.length > MAX_VARIANTS) errors.push(`spec.variants: at most ${MAX_VARIANTS} variants`);
  const seen = new Set<string>();
  variants.forEach((v, i) => {
    if ((RESERVED_VARIANT_NAMES as readonly string[]).includes(v.name)) errors.push(`spec.variants[${i}].name: a variant may not be named ${RESERVED_VARIANT_NAMES.join(', ')}`);
    if (seen.has(v.name)) errors.push(`spec.variants[${i}].name: duplicate variant name ${v.name}`);
    seen.add(v.name);
    if (v.predictor.canaryTrafficPercent !== undefined) errors.push(`spec.variants[${i}].predictor: canaryTrafficPercent applies to spec.predictor only; a variant has trafficPercent`);
  });
  const sum = variants.reduce((a, v) => a + (v.trafficPercent ?? 0), 0);
  if (sum > 100) errors.push(`spec.variants: the variants' trafficPercent must sum to at most 100 (got ${sum})`);
  if (spec.shadow?.predictor.canaryTrafficPercent !== undefined) errors.push('spec.shadow.predictor: canaryTrafficPercent applies to spec.predictor only');
  return errors;
}
