// Pod discovery for Prometheus, through a file. Debian's prometheus package
// (2.42.0+ds) is built without the Kubernetes service discovery (its config
// parser refuses `kubernetes_sd_configs`), so this writes what role=pod
// discovery would yield, per container port, with the same __meta_kubernetes_*
// labels, into a file_sd file; the relabelling in prometheus-config.ts is
// then exactly the one a real cluster's kubernetes_sd config uses.
import { renameSync, writeFileSync } from 'node:fs';
import { CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { listWatch, type ListWatch } from '../list-watch.ts';

export interface TargetGroup {
  targets: string[];
  labels: Record<string, string>;
}

/** Prometheus's label name sanitising: anything outside [a-zA-Z0-9_] becomes _. */
const sanitize = (name: string) => name.replace(/[^a-zA-Z0-9_]/g, '_');

/** kubernetes_sd role=pod: one target per declared container port of each pod that has an IP. */
export function podTargets(pods: Iterable<V1Pod>): TargetGroup[] {
  const groups: TargetGroup[] = [];
  for (const pod of pods) {
    const ip = pod.status?.podIP;
    if (!ip) continue;
    const meta: Record<string, string> = {
      __meta_kubernetes_namespace: pod.metadata?.namespace ?? '',
      __meta_kubernetes_pod_name: pod.metadata?.name ?? '',
      __meta_kubernetes_pod_ip: ip,
      __meta_kubernetes_pod_phase: pod.status?.phase ?? '',
      __meta_kubernetes_pod_node_name: pod.spec?.nodeName ?? '',
      __meta_kubernetes_pod_ready: pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? 'true' : 'false',
    };
    for (const [k, v] of Object.entries(pod.metadata?.labels ?? {})) meta[`__meta_kubernetes_pod_label_${sanitize(k)}`] = v;
    for (const [k, v] of Object.entries(pod.metadata?.annotations ?? {})) meta[`__meta_kubernetes_pod_annotation_${sanitize(k)}`] = v;
    for (const c of pod.spec?.containers ?? []) {
      for (const p of c.ports ?? []) {
        groups.push({
          targets: [`${ip}:${p.containerPort}`],
          labels: { ...meta, __meta_kubernetes_pod_container_name: c.name, __meta_kubernetes_pod_container_port_number: String(p.containerPort), __meta_kubernetes_pod_container_port_name: p.name ?? '' },
        });
      }
    }
  }
  return groups.sort((a, b) => a.targets[0]!.localeCompare(b.targets[0]!));
}

/** Keeps `file` equal to podTargets(all pods), rewritten atomically on every change. */
export async function startPodDiscovery(kubeConfig: KubeConfig, file: string, log: (line: string) => void): Promise<ListWatch> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const pods = new Map<string, V1Pod>();
  const write = () => {
    writeFileSync(`${file}.tmp`, `${JSON.stringify(podTargets(pods.values()), null, 1)}\n`);
    renameSync(`${file}.tmp`, file);
  };
  write();
  const watch = listWatch<V1Pod>({
    kubeConfig,
    path: '/api/v1/pods',
    list: () => core.listPodForAllNamespaces(),
    onEvent: (type, pod) => {
      const key = pod.metadata?.uid ?? '';
      if (type === 'DELETED') pods.delete(key);
      else pods.set(key, pod);
      write();
    },
    log,
  });
  await watch.synced;
  return watch;
}
