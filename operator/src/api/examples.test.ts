// Every example manifest under examples/ is a valid InferenceService or BatchInference.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { load } from 'js-yaml';
import { defaultAndValidate } from './validation.ts';
import { defaultBatchSpec } from './batch-validation.ts';
import { API_VERSION, KIND } from './schema.ts';
import { BATCH_API_VERSION, BATCH_KIND } from './batch-schema.ts';
import type { InferenceService } from './types.ts';
import type { BatchInference } from './batch-types.ts';

const dir = resolve(import.meta.dirname, '..', '..', '..', 'examples');
const manifests = readdirSync(dir).filter((f) => f.endsWith('.yaml'))
  .map((f) => [f, load(readFileSync(resolve(dir, f), 'utf8')) as { kind?: string }] as const);

test('examples validate against the schema', () => {
  const isvcs = manifests.filter(([, m]) => m.kind === KIND) as unknown as Array<readonly [string, InferenceService]>;
  assert.ok(isvcs.length >= 3, 'examples exist');
  for (const [file, manifest] of isvcs) {
    assert.equal(manifest.apiVersion, API_VERSION, file);
    const result = defaultAndValidate({ ...manifest, metadata: { ...manifest.metadata, namespace: 'default' } });
    assert.ok(result.ok, `${file}: ${result.ok ? '' : result.errors.join('; ')}`);
  }
});

test('batch examples validate against the BatchInference schema', () => {
  const batches = manifests.filter(([, m]) => m.kind === BATCH_KIND) as unknown as Array<readonly [string, BatchInference]>;
  assert.ok(batches.length >= 2, 'a one-off and a scheduled example exist');
  for (const [file, manifest] of batches) {
    assert.equal(manifest.apiVersion, BATCH_API_VERSION, file);
    const result = defaultBatchSpec(manifest);
    assert.ok(result.ok, `${file}: ${result.ok ? '' : result.errors.join('; ')}`);
  }
});

test('every example is one of the two kinds (a typo in kind is not skipped silently)', () => {
  for (const [file, m] of manifests) assert.ok(m.kind === KIND || m.kind === BATCH_KIND, `${file}: kind ${m.kind}`);
});

test('the variant, shadow and blue-green examples validate against the schema', () => {
  const sub = resolve(dir, 'variants');
  const files = readdirSync(sub).filter((f) => f.endsWith('.yaml'));
  assert.ok(files.length >= 4, 'examples/variants has its manifests');
  for (const f of files) {
    const manifest = load(readFileSync(resolve(sub, f), 'utf8')) as InferenceService;
    const result = defaultAndValidate({ ...manifest, metadata: { ...manifest.metadata, namespace: 'default' } });
    assert.ok(result.ok, `${f}: ${result.ok ? '' : result.errors.join('; ')}`);
  }
});
