import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { load } from 'js-yaml';
import { CRD_FILE, TYPES_FILE, buildCrd, renderCrdYaml, renderTypes } from './generate.ts';

const root = resolve(import.meta.dirname, '..', '..', '..');

test('crds/ is generated from the schema (run `make gen-operator` after editing schema.ts)', () => {
  assert.equal(readFileSync(resolve(root, CRD_FILE), 'utf8'), renderCrdYaml());
});

test('types.gen.ts is generated from the schema (run `make gen-operator` after editing schema.ts)', () => {
  assert.equal(readFileSync(resolve(root, TYPES_FILE), 'utf8'), renderTypes());
});

test('the YAML round-trips to the CRD object', () => {
  assert.deepEqual(load(renderCrdYaml()), buildCrd());
});

test('the CRD has the status subresource, short name, category and printer columns', () => {
  const crd = buildCrd() as { spec: { names: { shortNames: string[]; categories: string[] }; versions: Array<Record<string, unknown>> } };
  assert.deepEqual(crd.spec.names.shortNames, ['isvc']);
  assert.deepEqual(crd.spec.names.categories, ['modelship']);
  const v = crd.spec.versions[0]!;
  assert.deepEqual(v['subresources'], { status: {} });
  const columns = (v['additionalPrinterColumns'] as Array<{ name: string }>).map((c) => c.name);
  assert.deepEqual(columns, ['URL', 'Ready', 'Prev', 'Latest', 'Age']);
});
