// Derives the CRD manifests and the TypeScript types from the API schemas
// (schema.ts for InferenceService, batch-schema.ts for BatchInference). Pure
// string rendering; operator/scripts/gen-api.ts writes the results and
// generate.test.ts fails when the committed files drift from them.
import { dump } from 'js-yaml';
import {
  CATEGORIES, GROUP, KIND, PLURAL, SHORT_NAMES, SINGULAR, VERSION,
  openApiSchema, printerColumns, specSchema, statusSchema, type JsonSchema,
} from './schema.ts';
import {
  BATCH_CATEGORIES, BATCH_KIND, BATCH_PLURAL, BATCH_SHORT_NAMES, BATCH_SINGULAR,
  batchOpenApiSchema, batchPrinterColumns, batchSpecSchema, batchStatusSchema,
} from './batch-schema.ts';

/** One CRD and its types file, as the generator sees it. */
export interface ApiSource {
  kind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  categories: string[];
  openApiSchema: JsonSchema;
  printerColumns: Array<Record<string, string>>;
  specSchema: JsonSchema;
  statusSchema: JsonSchema;
  /** The schema module, named in the generated headers. */
  schemaFile: string;
  crdFile: string;
  typesFile: string;
  /** A types file whose interfaces this one imports instead of declaring again (shared sub-schemas). */
  importsFrom?: ApiSource;
}

export const INFERENCE_SERVICE_API: ApiSource = {
  kind: KIND, plural: PLURAL, singular: SINGULAR, shortNames: SHORT_NAMES, categories: CATEGORIES,
  openApiSchema, printerColumns, specSchema, statusSchema,
  schemaFile: 'operator/src/api/schema.ts',
  crdFile: `crds/${GROUP}_${PLURAL}.yaml`,
  typesFile: 'operator/src/api/types.gen.ts',
};

export const BATCH_INFERENCE_API: ApiSource = {
  kind: BATCH_KIND, plural: BATCH_PLURAL, singular: BATCH_SINGULAR, shortNames: BATCH_SHORT_NAMES, categories: BATCH_CATEGORIES,
  openApiSchema: batchOpenApiSchema, printerColumns: batchPrinterColumns, specSchema: batchSpecSchema, statusSchema: batchStatusSchema,
  schemaFile: 'operator/src/api/batch-schema.ts',
  crdFile: `crds/${GROUP}_${BATCH_PLURAL}.yaml`,
  typesFile: 'operator/src/api/batch-types.gen.ts',
  importsFrom: INFERENCE_SERVICE_API,
};

/** Every API the generator writes. */
export const APIS: readonly ApiSource[] = [INFERENCE_SERVICE_API, BATCH_INFERENCE_API];

export const CRD_FILE = INFERENCE_SERVICE_API.crdFile;
export const TYPES_FILE = INFERENCE_SERVICE_API.typesFile;

export function buildCrd(api: ApiSource = INFERENCE_SERVICE_API): Record<string, unknown> {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${api.plural}.${GROUP}`, labels: { 'app.kubernetes.io/part-of': 'modelship' } },
    spec: {
      group: GROUP,
      scope: 'Namespaced',
      names: { kind: api.kind, listKind: `${api.kind}List`, plural: api.plural, singular: api.singular, shortNames: api.shortNames, categories: api.categories },
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: api.printerColumns,
          schema: { openAPIV3Schema: api.openApiSchema },
        },
      ],
    },
  };
}

const header = (api: ApiSource, comment: string): string => `${comment} Generated from ${api.schemaFile} by \`make gen-operator\`. Do not edit.`;

export function renderCrdYaml(api: ApiSource = INFERENCE_SERVICE_API): string {
  return `${header(api, '#')}\n${dump(buildCrd(api), { lineWidth: -1, noRefs: true, sortKeys: false })}`;
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

function interfacesOf(api: ApiSource): Map<string, string> {
  const r: Rendering = { interfaces: new Map() };
  typeOf(api.specSchema, r);
  typeOf(api.statusSchema, r);
  return r.interfaces;
}

export function renderTypes(api: ApiSource = INFERENCE_SERVICE_API): string {
  const interfaces = interfacesOf(api);
  const shared = api.importsFrom === undefined ? new Map<string, string>() : interfacesOf(api.importsFrom);
  const imported = [...interfaces.keys()].filter((name) => shared.has(name)).sort();
  // A shared title must mean the same shape in both files, or the import would lie.
  const differing = imported.filter((name) => interfaces.get(name)!.replace(/\/\*\*.*\*\/\n/g, '') !== shared.get(name)!.replace(/\/\*\*.*\*\/\n/g, ''));
  if (differing.length > 0) throw new Error(`${api.schemaFile}: ${differing.join(', ')} differ from the interfaces of the same name in ${api.importsFrom!.schemaFile}; give them another title`);
  const own = [...interfaces.keys()].filter((name) => !shared.has(name)).sort();
  const body = own.map((name) => interfaces.get(name)!).join('\n');
  // Only what the file's own interfaces name directly (a shared interface brings its own parts).
  const used = imported.filter((name) => new RegExp(`\\b${name}\\b`).test(body));
  const from = api.importsFrom === undefined ? '' : `./${api.importsFrom.typesFile.split('/').pop()}`;
  return [
    header(api, '//'),
    '',
    ...(used.length > 0 ? [`import type { ${used.join(', ')} } from '${from}';`, ''] : []),
    ...own.map((name) => interfaces.get(name)),
  ].join('\n');
}
