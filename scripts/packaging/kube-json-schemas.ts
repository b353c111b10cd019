// Builds the JSON schemas kubeconform validates against, offline: the
// Kubernetes kinds from a real API server's /openapi/v2 document and our
// custom resources from the CRDs in crds/. Nothing is downloaded; the schemas
// are exactly what the control plane we test against serves.
//
// Layout (kubeconform -schema-location '<dir>/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json'):
//   <group>/<kind lower>_<version>.json; kubeconform's {{.Group}} is the part of
//   apiVersion before the slash, which for the core group is the version (v1/).
// Schemas are "strict": every object that lists properties refuses others
// (as openapi2jsonschema --strict does), so a misspelt field fails validation.
import type { Crd, Schema } from './crd-schema.ts';

export interface OpenApiV2 {
  definitions: Record<string, Schema & { 'x-kubernetes-group-version-kind'?: { group: string; version: string; kind: string }[] }>;
}

const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
const REF_PREFIX = '#/definitions/';

// OpenAPI v2 types these as strings; YAML manifests legitimately use numbers.
const LOOSE: Record<string, Schema> = {
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': { oneOf: [{ type: 'string' }, { type: 'integer' }] },
  'io.k8s.apimachinery.pkg.api.resource.Quantity': { oneOf: [{ type: 'string' }, { type: 'number' }] },
};

export function schemaPath(group: string, kind: string, version: string): string {
  return `${group === '' ? version : group}/${kind.toLowerCase()}_${version}.json`;
}

function strict(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(strict);
  if (schema === null || typeof schema !== 'object') return schema;
  const s = schema as Schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(s)) {
    // `properties` maps field names to schemas: recurse into each schema,
    // never treat the map itself as a schema.
    if (key === 'properties' && value && typeof value === 'object') {
      out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, strict(v)]));
    } else if (key === 'enum' || key === 'default' || key === 'example' || key === 'required') {
      out[key] = value;
    } else {
      out[key] = strict(value);
    }
  }
  if (s.format === 'int-or-string' || s['x-kubernetes-int-or-string']) {
    delete out['type'];
    delete out['format'];
    if (!out['anyOf']) out['oneOf'] = [{ type: 'string' }, { type: 'integer' }];
  }
  if (s.properties && s.additionalProperties === undefined && !s['x-kubernetes-preserve-unknown-fields']) out['additionalProperties'] = false;
  return out;
}

function refsOf(schema: unknown, into: Set<string>): void {
  if (Array.isArray(schema)) for (const item of schema) refsOf(item, into);
  else if (schema !== null && typeof schema === 'object') {
    for (const [key, value] of Object.entries(schema)) {
      if (key === '$ref' && typeof value === 'string' && value.startsWith(REF_PREFIX)) into.add(value.slice(REF_PREFIX.length));
      else refsOf(value, into);
    }
  }
}

/** The named definitions `schema` refers to, transitively. */
function closure(doc: OpenApiV2, schema: unknown): Record<string, unknown> {
  const seen = new Set<string>();
  const pending = new Set<string>();
  refsOf(schema, pending);
  const out: Record<string, unknown> = {};
  while (pending.size > 0) {
    const [name] = pending;
    pending.delete(name!);
    if (seen.has(name!)) continue;
    seen.add(name!);
    const def = LOOSE[name!] ?? doc.definitions[name!];
    if (!def) throw new Error(`openapi document has no definition ${name}`);
    out[name!] = strict(def);
    refsOf(def, pending);
  }
  return out;
}

function standalone(doc: OpenApiV2, root: Schema): Schema {
  const body = strict(root) as Schema;
  return { $schema: 'http://json-schema.org/draft-07/schema#', ...body, definitions: closure(doc, root) } as Schema;
}

/** Schemas for every kind the API server publishes, keyed by schemaPath. */
export function kubernetesSchemas(doc: OpenApiV2): Map<string, Schema> {
  const out = new Map<string, Schema>();
  for (const def of Object.values(doc.definitions)) {
    const gvks = def['x-kubernetes-group-version-kind'] ?? [];
    // Shared option types (DeleteOptions, WatchEvent) list every group; they are never manifests.
    if (gvks.length !== 1) continue;
    const { group, version, kind } = gvks[0]!;
    out.set(schemaPath(group, kind, version), standalone(doc, def));
  }
  return out;
}

/** Schemas for each served version of our CRDs, with metadata checked as a real ObjectMeta. */
export function crdSchemas(doc: OpenApiV2, crds: readonly Crd[]): Map<string, Schema> {
  const out = new Map<string, Schema>();
  for (const crd of crds) {
    for (const version of crd.spec.versions.filter((v) => v.served)) {
      const root = structuredClone(version.schema.openAPIV3Schema);
      root.properties = {
        ...root.properties,
        apiVersion: { type: 'string', enum: [`${crd.spec.group}/${version.name}`] },
        kind: { type: 'string', enum: [crd.spec.names.kind] },
        metadata: { $ref: `${REF_PREFIX}${OBJECT_META}` },
      };
      out.set(schemaPath(crd.spec.group, crd.spec.names.kind, version.name), standalone(doc, root));
    }
  }
  return out;
}
