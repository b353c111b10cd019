// Derives the CRD manifest and the TypeScript types from schema.ts. Pure
// string rendering; operator/scripts/gen-api.ts writes the results and
// generate.test.ts fails when the committed files drift from them.
import { dump } from 'js-yaml';
import {
  CATEGORIES, GROUP, KIND, PLURAL, SHORT_NAMES, SINGULAR, VERSION,
  openApiSchema, printerColumns, specSchema, statusSchema, type JsonSchema,
} from './schema.ts';

export const CRD_FILE = `crds/${GROUP}_${PLURAL}.yaml`;
export const TYPES_FILE = 'operator/src/api/types.gen.ts';

export function buildCrd(): Record<string, unknown> {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${PLURAL}.${GROUP}`, labels: { 'app.kubernetes.io/part-of': 'modelship' } },
    spec: {
      group: GROUP,
      scope: 'Namespaced',
      names: { kind: KIND, listKind: `${KIND}List`, plural: PLURAL, singular: SINGULAR, shortNames: SHORT_NAMES, categories: CATEGORIES },
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: printerColumns,
          schema: { openAPIV3Schema: openApiSchema },
        },
      ],
    },
  };
}

const HEADER = '# Generated from operator/src/api/schema.ts by `make gen-operator`. Do not edit.\n';

export function renderCrdYaml(): string {
  return HEADER + dump(buildCrd(), { lineWidth: -1, noRefs: true, sortKeys: false });
}

// --- TypeScript types -------------------------------------------------------

interface Rendering {
  interfaces: Map<string, string>;
}

function doc(schema: JsonSchema, indent: string): string {
  const description = schema.description;
  return typeof description === 'string' ? `${indent}/** ${description} */\n` : '';
}

function typeOf(schema: JsonSchema, r: Rendering): string {
  if (schema['x-kubernetes-int-or-string'] === true) return 'number | string';
  if (Array.isArray(schema.enum)) return schema.enum.map((v) => JSON.stringify(v)).join(' | ');
  switch (schema.type) {
    case 'string':
      return 'string';
    case 'integer':
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'array':
      return `Array<${typeOf(schema.items as JsonSchema, r)}>`;
    case 'object': {
      const properties = schema.properties as Record<string, JsonSchema> | undefined;
      if (properties === undefined) {
        const additional = schema.additionalProperties as JsonSchema | undefined;
        return additional === undefined ? 'Record<string, unknown>' : `Record<string, ${typeOf(additional, r)}>`;
      }
      const required = new Set((schema.required as string[] | undefined) ?? []);
      const lines = Object.entries(properties).map(
        ([key, sub]) => `${doc(sub, '  ')}  ${key}${required.has(key) ? '' : '?'}: ${typeOf(sub, r)};`,
      );
      const body = `{\n${lines.join('\n')}\n}`;
      const title = schema.title;
      if (typeof title !== 'string') return body;
      r.interfaces.set(title, `${doc(schema, '')}export interface ${title} ${body}\n`);
      return title;
    }
    default:
      throw new Error(`schema type ${String(schema.type)} has no TypeScript rendering`);
  }
}

export function renderTypes(): string {
  const r: Rendering = { interfaces: new Map() };
  typeOf(specSchema, r);
  typeOf(statusSchema, r);
  const names = [...r.interfaces.keys()].sort();
  return [
    '// Generated from operator/src/api/schema.ts by `make gen-operator`. Do not edit.',
    '',
    ...names.map((name) => r.interfaces.get(name)),
  ].join('\n');
}
