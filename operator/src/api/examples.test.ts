// Every example manifest under examples/ is a valid InferenceService.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { load } from 'js-yaml';
import { defaultAndValidate } from './validation.ts';
import { API_VERSION, KIND } from './schema.ts';
import type { InferenceService } from './types.ts';

const dir = resolve(import.meta.dirname, '..', '..', '..', 'examples');

test('examples validate against the schema', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
  const manifests = files.map((f) => [f, load(readFileSync(resolve(dir, f), 'utf8')) as InferenceService] as const)
    .filter(([, m]) => m.kind === KIND);
  assert.ok(manifests.length >= 3, 'examples exist');
  for (const [file, manifest] of manifests) {
    assert.equal(manifest.apiVersion, API_VERSION, file);
    const result = defaultAndValidate({ ...manifest, metadata: { ...manifest.metadata, namespace: 'default' } });
    assert.ok(result.ok, `${file}: ${result.ok ? '' : result.errors.join('; ')}`);
  }
});
