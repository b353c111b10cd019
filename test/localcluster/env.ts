// A container's environment, resolved the way the kubelet does it: envFrom
// first, then env (later wins), values from Secrets and ConfigMaps of the
// pod's namespace, a few downward-API fields, and $(VAR) expansion in values,
// command and args. Pure: the referenced objects are fetched by the caller.
import type { V1Container, V1Pod } from '@kubernetes/client-node';

export interface EnvObjects {
  /** Secret name -> decoded data; a missing name means the Secret does not exist. */
  secrets: ReadonlyMap<string, Readonly<Record<string, string>>>;
  configMaps: ReadonlyMap<string, Readonly<Record<string, string>>>;
}

/** Names of the Secrets and ConfigMaps a container's env refers to. */
export function envReferences(container: V1Container): { secrets: string[]; configMaps: string[] } {
  const secrets = new Set<string>();
  const configMaps = new Set<string>();
  for (const from of container.envFrom ?? []) {
    if (from.secretRef?.name) secrets.add(from.secretRef.name);
    if (from.configMapRef?.name) configMaps.add(from.configMapRef.name);
  }
  for (const e of container.env ?? []) {
    if (e.valueFrom?.secretKeyRef?.name) secrets.add(e.valueFrom.secretKeyRef.name);
    if (e.valueFrom?.configMapKeyRef?.name) configMaps.add(e.valueFrom.configMapKeyRef.name);
  }
  return { secrets: [...secrets], configMaps: [...configMaps] };
}

/** Kubelet's $(VAR) expansion: $$ escapes, unknown references stay as written. */
export function expandVars(value: string, env: Readonly<Record<string, string>>): string {
  return value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (match, name: string | undefined) => {
    if (name === undefined) return '$';
    return env[name] ?? match;
  });
}

function fieldValue(pod: V1Pod, path: string, podIP: string): string | undefined {
  switch (path) {
    case 'metadata.name': return pod.metadata?.name;
    case 'metadata.namespace': return pod.metadata?.namespace;
    case 'metadata.uid': return pod.metadata?.uid;
    case 'spec.nodeName': return pod.spec?.nodeName;
    case 'spec.serviceAccountName': return pod.spec?.serviceAccountName;
    case 'status.podIP': return podIP;
    case 'status.hostIP': return '127.0.0.1';
    default: {
      // metadata.labels['key'] and metadata.annotations['key'], as the downward API reads them
      // (an indexed Job's JOB_COMPLETION_INDEX comes from its completion-index annotation).
      const m = /^metadata\.(labels|annotations)\['([^']+)'\]$/.exec(path);
      if (m === null) return undefined;
      return (m[1] === 'labels' ? pod.metadata?.labels : pod.metadata?.annotations)?.[m[2]!] ?? '';
    }
  }
}

/** The env the container sees (without the host's), or the kubelet-style error that keeps it from starting. */
export function resolveEnv(pod: V1Pod, container: V1Container, objects: EnvObjects, podIP: string): { env: Record<string, string> } | { error: string } {
  const env: Record<string, string> = {};
  for (const from of container.envFrom ?? []) {
    const ref = from.secretRef ?? from.configMapRef;
    const kind = from.secretRef ? 'secret' : 'configmap';
    if (!ref?.name) continue;
    const data = (from.secretRef ? objects.secrets : objects.configMaps).get(ref.name);
    if (data === undefined) {
      if (ref.optional) continue;
      return { error: `${kind} "${ref.name}" not found` };
    }
    for (const [k, v] of Object.entries(data)) env[(from.prefix ?? '') + k] = v;
  }
  for (const e of container.env ?? []) {
    const from = e.valueFrom;
    if (from === undefined) {
      env[e.name] = expandVars(e.value ?? '', env);
      continue;
    }
    const keyRef = from.secretKeyRef ?? from.configMapKeyRef;
    if (keyRef !== undefined) {
      const kind = from.secretKeyRef ? 'secret' : 'configmap';
      const data = (from.secretKeyRef ? objects.secrets : objects.configMaps).get(keyRef.name ?? '');
      const value = data?.[keyRef.key];
      if (value === undefined) {
        if (keyRef.optional) continue;
        return { error: data === undefined ? `${kind} "${keyRef.name}" not found` : `couldn't find key ${keyRef.key} in ${kind} ${keyRef.name}` };
      }
      env[e.name] = value;
    } else if (from.fieldRef !== undefined) {
      const value = fieldValue(pod, from.fieldRef.fieldPath, podIP);
      if (value === undefined) return { error: `env ${e.name}: fieldRef ${from.fieldRef.fieldPath} is not supported by the local node agent` };
      env[e.name] = value;
    } else {
      return { error: `env ${e.name}: only value, secretKeyRef, configMapKeyRef and fieldRef are supported by the local node agent` };
    }
  }
  return { env };
}
