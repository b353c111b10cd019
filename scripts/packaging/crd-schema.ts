// Walks a CRD's openAPIV3Schema field by field. Shared by the API reference
// generator and the test that every field carries a `description` (what
// `kubectl explain` prints).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as yaml from 'js-yaml';

export type Schema = {
  type?: string;
  description?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  additionalProperties?: Schema | boolean;
  required?: string[];
  enum?: unknown[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  format?: string;
  anyOf?: Schema[];
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-validations'?: { rule: string; message?: string }[];
  [key: string]: unknown;
};

export interface CrdVersion {
  name: string;
  served: boolean;
  storage: boolean;
  schema: { openAPIV3Schema: Schema };
  additionalPrinterColumns?: { name: string; type: string; jsonPath: string; description?: string }[];
}

export interface Crd {
  metadata: { name: string };
  spec: {
    group: string;
    scope: string;
    names: { kind: string; plural: string; shortNames?: string[]; categories?: string[] };
    versions: CrdVersion[];
  };
}

export interface Field {
  /** Dotted path from the object root, `[]` for array items and `{}` for map values. */
  path: string;
  schema: Schema;
  required: boolean;
  depth: number;
}

/** Every field below `schema`, depth first, in declaration order. */
export function fields(schema: Schema, prefix = '', depth = 0): Field[] {
  const out: Field[] = [];
  const required = new Set(schema.required ?? []);
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    const path = prefix === '' ? name : `${prefix}.${name}`;
    out.push({ path, schema: child, required: required.has(name), depth });
    out.push(...children(child, path, depth + 1));
  }
  return out;
}

function children(schema: Schema, path: string, depth: number): Field[] {
  if (schema.properties) return fields(schema, path, depth);
  if (schema.items) return children(schema.items, `${path}[]`, depth);
  if (typeof schema.additionalProperties === 'object') return children(schema.additionalProperties, `${path}{}`, depth);
  return [];
}

/** A short type name in the style of `kubectl explain`: string, integer, []Toleration, map[string]string. */
export function typeName(schema: Schema): string {
  if (schema['x-kubernetes-int-or-string']) return 'int-or-string';
  if (schema.type === 'array') return `[]${schema.items ? typeName(schema.items) : 'Object'}`;
  if (schema.type === 'object' && typeof schema.additionalProperties === 'object') return `map[string]${typeName(schema.additionalProperties)}`;
  if (schema.type === 'object') return typeof schema.title === 'string' ? schema.title : 'Object';
  return schema.type ?? 'any';
}

export function readCrds(dir: string): Crd[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => yaml.load(readFileSync(join(dir, f), 'utf8')) as Crd);
}
