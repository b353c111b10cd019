// `kubectl explain inferenceservice.spec...` prints each field's description,
// so every field of the CRD must carry one; docs/api-reference.md and
// docs/metrics.md are generated from the schema and the metric registries and
// must not drift from them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fields, readCrds } from '../../scripts/packaging/crd-schema.ts';
import { renderApiReference } from '../../scripts/packaging/api-reference.ts';
import { renderMetricsReference } from '../../scripts/packaging/metrics-reference.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const crds = readCrds(`${root}crds`);

test('every spec and status field of every CRD has a description of a few words', () => {
  const missing: string[] = [];
  for (const crd of crds) {
    for (const version of crd.spec.versions) {
      const schema = version.schema.openAPIV3Schema;
      for (const section of ['spec', 'status']) {
        const top = schema.properties?.[section];
        assert.ok(top, `${crd.metadata.name} ${version.name} has no ${section}`);
        if (!top.description) missing.push(`${version.name} ${section}`);
        for (const f of fields(top, section)) {
          const d = f.schema.description ?? '';
          if (d.trim().split(/\s+/).length < 3) missing.push(`${version.name} ${f.path}`);
        }
      }
    }
  }
  assert.deepEqual(missing, [], `fields without a useful description:\n  ${missing.join('\n  ')}`);
});

test('docs/api-reference.md is generated from crds/ (run node scripts/packaging/api-reference.ts)', () => {
  assert.ok(readFileSync(`${root}docs/api-reference.md`, 'utf8') === renderApiReference(crds), 'docs/api-reference.md is stale: run `make docs`');
});

test('docs/metrics.md lists every metric the operator and runtime register (run node scripts/packaging/metrics-reference.ts)', async () => {
  const text = await renderMetricsReference();
  assert.match(text, /`modelship_queue_length` \| gauge/);
  assert.match(text, /`modelship_operator_reconcile_total` \| counter/);
  assert.ok(readFileSync(`${root}docs/metrics.md`, 'utf8') === text, 'docs/metrics.md is stale: run `make docs`');
});
