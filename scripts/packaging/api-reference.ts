// Renders docs/api-reference.md from the CRDs in crds/: one table row per
// field with type, default, validation and description, then the CEL rules.
// Run `node scripts/packaging/api-reference.ts` to write it, `--check` to fail
// when the committed file has drifted from the schema (test-packaging does).
import { fileURLToPath } from 'node:url';
import { writeOrCheck } from './generated.ts';
import { fields, readCrds, typeName, type Crd, type Field, type Schema } from './crd-schema.ts';

const cell = (text: string): string => text.replaceAll('|', '\\|').replaceAll('\n', ' ');
const code = (text: string): string => `\`${text.replaceAll('`', "'")}\``;

function constraints(s: Schema): string {
  const parts: string[] = [];
  if (s.enum) parts.push(`one of ${s.enum.map((v) => code(String(v))).join(', ')}`);
  if (s.minimum !== undefined || s.maximum !== undefined) parts.push(`${s.minimum ?? '-inf'}..${s.maximum ?? 'inf'}`);
  if (s.minLength !== undefined) parts.push(`length >= ${s.minLength}`);
  if (s.maxLength !== undefined) parts.push(`length <= ${s.maxLength}`);
  if (s.minItems !== undefined) parts.push(`items >= ${s.minItems}`);
  if (s.maxItems !== undefined) parts.push(`items <= ${s.maxItems}`);
  if (s.format) parts.push(`format ${s.format}`);
  for (const v of s['x-kubernetes-validations'] ?? []) parts.push(`rule: ${v.message ?? code(v.rule)}`);
  return parts.join('; ');
}

function row(f: Field): string {
  const s = f.schema;
  const name = `${code(f.path)}${f.required ? ' (required)' : ''}`;
  const def = s.default === undefined ? '' : code(JSON.stringify(s.default));
  return `| ${cell(name)} | ${cell(typeName(s))} | ${cell(def)} | ${cell(constraints(s))} | ${cell(s.description ?? '')} |`;
}

function table(rows: Field[]): string[] {
  return ['| Field | Type | Default | Validation | Description |', '| --- | --- | --- | --- | --- |', ...rows.map(row)];
}

export function renderApiReference(crds: readonly Crd[]): string {
  const out: string[] = [
    '# API reference',
    '',
    '<!-- Generated from crds/ by `node scripts/packaging/api-reference.ts`; do not edit. A test fails when it drifts. -->',
    '',
  ];
  for (const crd of crds) {
    const { group, names, scope } = crd.spec;
    for (const version of crd.spec.versions) {
      const root = version.schema.openAPIV3Schema;
      out.push(`## ${names.kind} (${group}/${version.name})`, '');
      if (root.description) out.push(root.description, '');
      out.push(
        `- Resource: \`${names.plural}\` (${scope.toLowerCase()}), short names: ${(names.shortNames ?? []).map(code).join(', ') || 'none'}, categories: ${(names.categories ?? []).map(code).join(', ') || 'none'}`,
        `- Served: ${version.served}, storage version: ${version.storage}`,
        '',
      );
      const objectRules = root['x-kubernetes-validations'] ?? [];
      if (objectRules.length > 0) {
        out.push('Object-level rules:', '');
        for (const r of objectRules) out.push(`- ${r.message ?? ''} (${code(r.rule)})`);
        out.push('');
      }
      for (const section of ['spec', 'status']) {
        const schema = root.properties?.[section];
        if (!schema) continue;
        out.push(`### ${section}`, '');
        if (schema.description) out.push(schema.description, '');
        out.push(...table(fields(schema, section)), '');
      }
      const columns = version.additionalPrinterColumns ?? [];
      if (columns.length > 0) {
        out.push('### Printer columns (`kubectl get`)', '', '| Column | Type | JSONPath |', '| --- | --- | --- |');
        for (const c of columns) out.push(`| ${c.name} | ${c.type} | ${cell(code(c.jsonPath))} |`);
        out.push('');
      }
    }
  }
  return out.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  writeOrCheck(`${root}docs/api-reference.md`, renderApiReference(readCrds(`${root}crds`)), 'node scripts/packaging/api-reference.ts');
}
