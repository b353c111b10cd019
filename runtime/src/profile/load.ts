// Reads and validates a training profile (profile.ts). The JSON Schema (ajv)
// checks the shape; checkConsistency checks what a schema cannot say (edges
// ascending, one count per bin, min <= max, unique feature indexes). Every
// error names the field by its JSON path, e.g. `inputs[0].features[2].bins.edges`,
// so a malformed profile is refused at start with a message a person can act on.
import { readFile } from 'node:fs/promises';
import { Ajv, type ErrorObject } from 'ajv';
import { DATATYPES } from '../protocol/datatypes.ts';
import type { ModelSpec } from '../protocol/types.ts';
import { PROFILE_VERSION, type Bins, type Profile } from './profile.ts';

export class ProfileError extends Error {}

const nullableNumber = { type: ['number', 'null'] } as const;
const count = { type: 'integer', minimum: 0 } as const;
const share = { type: 'number', minimum: 0, maximum: 1 } as const;
const datatype = { enum: Object.keys(DATATYPES) } as const;
const bins = {
  type: 'object',
  required: ['edges', 'counts'],
  additionalProperties: false,
  properties: { edges: { type: 'array', minItems: 2, items: { type: 'number' } }, counts: { type: 'array', minItems: 1, items: count } },
} as const;
const categories = { type: 'object', additionalProperties: count } as const;
const summary = { count, min: nullableNumber, max: nullableNumber, mean: nullableNumber, std: nullableNumber, nanShare: share } as const;

const feature = {
  type: 'object',
  required: ['name', 'index', 'kind', 'count', 'min', 'max', 'mean', 'std', 'nanShare'],
  additionalProperties: false,
  properties: { name: { type: 'string', minLength: 1 }, index: count, kind: { enum: ['numeric', 'categorical'] }, ...summary, bins, categories },
  // A numeric feature is compared over its bins, a categorical one over its categories.
  if: { properties: { kind: { const: 'numeric' } } },
  then: { required: ['bins'] },
  else: { required: ['categories'] },
} as const;

const output = {
  type: 'object',
  required: ['name', 'datatype', 'kind', 'count'],
  properties: { name: { type: 'string', minLength: 1 }, datatype, kind: { enum: ['classes', 'numeric'] } },
  if: { properties: { kind: { const: 'classes' } } },
  then: {
    required: ['from', 'classes'],
    additionalProperties: false,
    properties: { name: true, datatype: true, kind: true, count, from: { enum: ['value', 'argmax'] }, classes: categories },
  },
  else: {
    required: ['min', 'max', 'mean', 'std', 'nanShare', 'bins'],
    additionalProperties: false,
    properties: { name: true, datatype: true, kind: true, ...summary, bins },
  },
} as const;

const warmupTensor = {
  type: 'object',
  required: ['name', 'datatype', 'shape', 'data'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1 },
    datatype,
    shape: { type: 'array', items: count },
    data: { type: 'array', items: { type: ['number', 'string', 'boolean'] } },
  },
} as const;

export const PROFILE_SCHEMA = {
  type: 'object',
  required: ['version', 'inputs', 'outputs'],
  additionalProperties: false,
  properties: {
    version: { const: PROFILE_VERSION },
    source: { type: 'object', additionalProperties: { type: ['string', 'number'] } },
    inputs: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'datatype', 'features'],
        additionalProperties: false,
        properties: { name: { type: 'string', minLength: 1 }, datatype, features: { type: 'array', items: feature } },
      },
    },
    outputs: { type: 'array', items: output },
    warmup: {
      type: 'array',
      items: { type: 'object', required: ['inputs'], additionalProperties: false, properties: { inputs: { type: 'array', items: warmupTensor } } },
    },
  },
} as const;

// strictRequired is off: if/then branches require properties declared beside them, not inside.
const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false, strictRequired: false });
const validateSchema = ajv.compile(PROFILE_SCHEMA);

/** `/inputs/0/features/2/min` -> `inputs[0].features[2].min`. */
function jsonPath(pointer: string): string {
  const parts = pointer
    .split('/')
    .slice(1)
    .map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'));
  return parts.reduce((path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : path === '' ? part : `${path}.${part}`), '') || '(root)';
}

function describe(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  const base = error.instancePath;
  if (error.keyword === 'required') return `${jsonPath(`${base}/${String(params['missingProperty'])}`)}: is required`;
  if (error.keyword === 'additionalProperties') return `${jsonPath(`${base}/${String(params['additionalProperty'])}`)}: is not a profile field`;
  if (error.keyword === 'enum') return `${jsonPath(base)}: must be one of ${(params['allowedValues'] as unknown[]).join(', ')}`;
  if (error.keyword === 'const') return `${jsonPath(base)}: must be ${JSON.stringify(params['allowedValue'])}`;
  return `${jsonPath(base)}: ${error.message ?? error.keyword}`;
}

function checkBins(where: string, b: Bins, errors: string[]): void {
  if (b.counts.length !== b.edges.length - 1) errors.push(`${where}.counts: has ${b.counts.length} entries for ${b.edges.length} edges (needs one per bin: ${b.edges.length - 1})`);
  for (let i = 1; i < b.edges.length; i++) {
    const [lo, hi] = [b.edges[i - 1]!, b.edges[i]!];
    // Only a constant feature's single bin [c, c] may repeat an edge.
    if (hi < lo || (hi === lo && b.edges.length > 2)) {
      errors.push(`${where}.edges[${i}]: ${hi} must be greater than edges[${i - 1}] (${lo})`);
      break;
    }
  }
}

function checkRange(where: string, s: { min: number | null; max: number | null }, errors: string[]): void {
  if (s.min !== null && s.max !== null && s.min > s.max) errors.push(`${where}.min: ${s.min} is greater than max (${s.max})`);
}

/** What a schema cannot express; every problem, each with its path. */
function checkConsistency(profile: Profile): string[] {
  const errors: string[] = [];
  const inputNames = new Set<string>();
  profile.inputs.forEach((input, i) => {
    if (inputNames.has(input.name)) errors.push(`inputs[${i}].name: '${input.name}' appears twice`);
    inputNames.add(input.name);
    const indexes = new Set<number>();
    const names = new Set<string>();
    input.features.forEach((f, j) => {
      const where = `inputs[${i}].features[${j}]`;
      if (indexes.has(f.index)) errors.push(`${where}.index: ${f.index} appears twice in input '${input.name}'`);
      if (names.has(f.name)) errors.push(`${where}.name: '${f.name}' appears twice in input '${input.name}'`);
      indexes.add(f.index);
      names.add(f.name);
      checkRange(where, f, errors);
      if (f.bins) checkBins(`${where}.bins`, f.bins, errors);
    });
  });
  profile.outputs.forEach((o, i) => {
    if (o.kind === 'numeric') {
      checkRange(`outputs[${i}]`, o, errors);
      checkBins(`outputs[${i}].bins`, o.bins, errors);
    }
  });
  return errors;
}

/** Validates parsed JSON as a profile; throws ProfileError listing every problem with its path. */
export function parseProfile(value: unknown, origin = 'profile'): Profile {
  if (!validateSchema(value)) {
    const messages = [...new Set((validateSchema.errors ?? []).filter((e) => e.keyword !== 'if').map(describe))];
    throw new ProfileError(`${origin} is not a valid training profile: ${messages.join('; ')}`);
  }
  const profile = value as unknown as Profile;
  const errors = checkConsistency(profile);
  if (errors.length > 0) throw new ProfileError(`${origin} is not a valid training profile: ${errors.join('; ')}`);
  return profile;
}

/** Reads and validates a profile file; throws ProfileError (unreadable, not JSON, or invalid). */
export async function loadProfile(path: string): Promise<Profile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ProfileError(`cannot read training profile ${path}: ${(error as Error).message}`, { cause: error });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ProfileError(`training profile ${path} is not JSON: ${(error as Error).message}`, { cause: error });
  }
  return parseProfile(value, `training profile ${path}`);
}

/**
 * Refuses a profile written for another model: every profiled input must be a
 * model input of the same datatype, and every feature index must fit a row
 * when the row size is fixed. Profiled outputs the model lacks are refused too.
 */
export function checkProfileFitsModel(profile: Profile, model: Pick<ModelSpec, 'inputs' | 'outputs'>): void {
  const errors: string[] = [];
  profile.inputs.forEach((input, i) => {
    const spec = model.inputs.find((s) => s.name === input.name);
    if (!spec) {
      errors.push(`inputs[${i}].name: '${input.name}' is not an input of the model (it has ${model.inputs.map((s) => s.name).join(', ') || 'none'})`);
      return;
    }
    if (spec.datatype !== input.datatype) errors.push(`inputs[${i}].datatype: ${input.datatype}, but the model's input '${input.name}' is ${spec.datatype}`);
    const dims = spec.shape.slice(1);
    const width = dims.every((d) => d >= 0) ? dims.reduce((a, b) => a * b, 1) : Infinity;
    input.features.forEach((f, j) => {
      if (f.index >= width) errors.push(`inputs[${i}].features[${j}].index: ${f.index} is past the ${width} values of a row of '${input.name}'`);
    });
  });
  profile.outputs.forEach((output, i) => {
    if (!model.outputs.some((s) => s.name === output.name)) errors.push(`outputs[${i}].name: '${output.name}' is not an output of the model (it has ${model.outputs.map((s) => s.name).join(', ') || 'none'})`);
  });
  if (errors.length > 0) throw new ProfileError(`the training profile does not fit the model: ${errors.join('; ')}`);
}

/** The conventional profile path beside a model file: `iris.onnx` -> `iris.profile.json`. */
export function profilePathFor(modelPath: string): string {
  return `${modelPath.replace(/\.onnx$/i, '')}.profile.json`;
}
