import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { load } from 'js-yaml';
import { APIS, BATCH_INFERENCE_API, CRD_FILE, TYPES_FILE, buildCrd, renderCrdYaml, renderTypes } from './generate.ts';

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
  assert.deepEqual(columns, ['URL', 'Ready', 'Prev', 'Latest', 'Variants', 'Age']);
});

test('every API: crds/ and its types file are generated from its schema (run `make gen-operator`)', () => {
  for (const api of APIS) {
    assert.equal(readFileSync(resolve(root, api.crdFile), 'utf8'), renderCrdYaml(api), api.crdFile);
    assert.equal(readFileSync(resolve(root, api.typesFile), 'utf8'), renderTypes(api), api.typesFile);
    assert.deepEqual(load(renderCrdYaml(api)), buildCrd(api));
  }
});

test('the BatchInference CRD: short name bi, category, status subresource and the kubectl columns', () => {
  const crd = buildCrd(BATCH_INFERENCE_API) as { metadata: { name: string }; spec: { names: { kind: string; shortNames: string[]; categories: string[] }; versions: Array<Record<string, unknown>> } };
  assert.equal(crd.metadata.name, 'batchinferences.serving.modelship.io');
  assert.equal(crd.spec.names.kind, 'BatchInference');
  assert.deepEqual(crd.spec.names.shortNames, ['bi']);
  assert.deepEqual(crd.spec.names.categories, ['modelship']);
  const v = crd.spec.versions[0]!;
  assert.deepEqual(v['subresources'], { status: {} });
  const columns = (v['additionalPrinterColumns'] as Array<{ name: string }>).map((c) => c.name.toUpperCase());
  assert.deepEqual(columns, ['MODEL', 'PROGRESS', 'ROWS/S', 'STATUS', 'AGE']);
});

test('the batch types import the shared interfaces instead of declaring them twice', () => {
  const types = renderTypes(BATCH_INFERENCE_API);
  assert.match(types, /^import type \{[^}]*\bModelSpec\b[^}]*\} from '\.\/types\.gen\.ts';$/m);
  assert.doesNotMatch(types, /export interface ModelSpec\b/);
  assert.match(types, /export interface BatchInferenceSpec\b/);
});
