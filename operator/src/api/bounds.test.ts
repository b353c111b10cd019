// Every InferenceService sits in the operator's cache (a 128 MB heap) and is
// written by a possibly hostile tenant: every string, list and map of the spec
// must carry a bound the API server enforces, and nothing may be stored
// unchecked (x-kubernetes-preserve-unknown-fields).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { specSchema, type JsonSchema } from './schema.ts';

/** Paths of the schema's unbounded parts; `bounded` when a parent (an anyOf of int-or-string) carries the bound. */
function unbounded(s: JsonSchema, path: string, bounded = false): string[] {
  const out: string[] = [];
  if (s['x-kubernetes-preserve-unknown-fields'] === true) out.push(`${path}: x-kubernetes-preserve-unknown-fields`);
  if (s['type'] === 'string' && s['maxLength'] === undefined && s['enum'] === undefined && !bounded) out.push(`${path}: a string without maxLength`);
  if (s['type'] === 'array') {
    if (s['maxItems'] === undefined) out.push(`${path}: a list without maxItems`);
    out.push(...unbounded(s['items'] as JsonSchema, `${path}[]`));
  }
  const values = s['additionalProperties'];
  if (typeof values === 'object' && values !== null) {
    if (s['maxProperties'] === undefined) out.push(`${path}: a map without maxProperties`);
    out.push(...unbounded(values as JsonSchema, `${path}.*`));
  }
  for (const [key, child] of Object.entries((s['properties'] ?? {}) as Record<string, JsonSchema>)) out.push(...unbounded(child, `${path}.${key}`));
  for (const branch of (s['anyOf'] ?? []) as JsonSchema[]) out.push(...unbounded(branch, path, s['maxLength'] !== undefined));
  return out;
}

test('every string, list and map of the InferenceService spec is bounded, and nothing is kept unchecked', () => {
  assert.deepEqual(unbounded(specSchema, 'spec'), []);
});

test('the check finds an unbounded part', () => {
  assert.deepEqual(unbounded({ type: 'object', properties: {
    a: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    b: { type: 'array', items: { type: 'string' } },
    c: { type: 'object', additionalProperties: { type: 'string', maxLength: 1 } },
  } }, 'spec'), ['spec.a: x-kubernetes-preserve-unknown-fields', 'spec.b: a list without maxItems', 'spec.b[]: a string without maxLength', 'spec.c: a map without maxProperties']);
});
