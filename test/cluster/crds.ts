// Installs CustomResourceDefinitions from YAML files and waits until the API server serves
// them (condition Established), so a test can create custom objects right away.
import { readFile } from 'node:fs/promises';
import { ApiextensionsV1Api, loadYaml, type KubeConfig, type V1CustomResourceDefinition } from '@kubernetes/client-node';
import { dump, loadAll } from 'js-yaml';

/**
 * Pure: the CRDs in a (multi-document) YAML text, as client-node models; other kinds are an
 * error, not skipped silently. The conversion matters: client-node's typed APIs serialize
 * model field names (`x_kubernetes_validations`) and silently drop wire names
 * (`x-kubernetes-validations`) found in a plain object parsed from YAML.
 */
export function parseCrds(text: string, source: string): V1CustomResourceDefinition[] {
  const docs = loadAll(text).filter((d) => d !== null && d !== undefined);
  return docs.map((doc, i) => {
    const raw = doc as { kind?: string; metadata?: { name?: string } };
    if (raw.kind !== 'CustomResourceDefinition' || !raw.metadata?.name) {
      throw new Error(`${source}: document ${i + 1} is not a named CustomResourceDefinition (kind ${raw.kind})`);
    }
    return loadYaml<V1CustomResourceDefinition>(dump(doc));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function established(crd: V1CustomResourceDefinition): boolean {
  return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ?? false;
}

/** Creates (or replaces) every CRD in the files, then waits, bounded, until all are Established. */
export async function applyCrds(kubeConfig: KubeConfig, paths: string[], timeoutMs = 30_000): Promise<void> {
  const api = kubeConfig.makeApiClient(ApiextensionsV1Api);
  const crds = (await Promise.all(paths.map(async (p) => parseCrds(await readFile(p, 'utf8'), p)))).flat();
  for (const crd of crds) {
    const name = crd.metadata!.name!;
    try {
      await api.createCustomResourceDefinition({ body: crd });
    } catch (err) {
      if ((err as { code?: number }).code !== 409) throw err;
      const current = await api.readCustomResourceDefinition({ name });
      const body = { ...crd, metadata: { ...crd.metadata, resourceVersion: current.metadata!.resourceVersion } };
      await api.replaceCustomResourceDefinition({ name, body });
    }
  }
  const deadline = Date.now() + timeoutMs;
  for (const crd of crds) {
    const name = crd.metadata!.name!;
    for (;;) {
      if (established(await api.readCustomResourceDefinition({ name }))) break;
      if (Date.now() > deadline) throw new Error(`CRD ${name} not Established within ${timeoutMs} ms`);
      await sleep(100);
    }
  }
}
