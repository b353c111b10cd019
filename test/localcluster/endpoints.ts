// Which pods a Service sends traffic to, by the rule the EndpointSlice
// controller applies (pkg/controller/endpointslice): same namespace, labels
// matching the selector, a pod IP, not terminal, not terminating, and Ready
// (unless the Service publishes not-ready addresses); the target port is the
// number given or the pod's container port of that name.
//
// Why the proxy computes this itself instead of reading EndpointSlices: the
// API server refuses loopback endpoint addresses. EndpointSlice validation
// (pkg/apis/discovery/validation, ValidateEndpointIP -> ValidateNonSpecialIP)
// rejects 127.0.0.0/8 with "may not be in the loopback range", so the real
// EndpointSlice controller cannot publish this cluster's pods (whose IPs are
// loopback by design, see loopback.ts), while Pod status accepts them. In a
// real cluster the EndpointSlice controller publishes pod IPs and kube-proxy
// (or the CNI's service implementation) programs the node to reach them.
import type { V1Pod, V1Service, V1ServicePort } from '@kubernetes/client-node';

export interface Endpoint {
  ip: string;
  port: number;
  pod: string;
}

export function selectorMatches(selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>> | undefined): boolean {
  const keys = Object.keys(selector);
  return keys.length > 0 && keys.every((k) => labels?.[k] === selector[k]);
}

export function podReady(pod: V1Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
}

function targetPort(pod: V1Pod, port: V1ServicePort): number | undefined {
  const target = port.targetPort ?? port.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  for (const c of pod.spec?.containers ?? []) {
    const found = c.ports?.find((p) => p.name === target && (p.protocol ?? 'TCP') === (port.protocol ?? 'TCP'));
    if (found) return found.containerPort;
  }
  return undefined;
}

/** Endpoints of one Service port, in a stable order (by pod name). */
export function serviceEndpoints(service: V1Service, port: V1ServicePort, pods: Iterable<V1Pod>): Endpoint[] {
  const selector = service.spec?.selector;
  if (selector === undefined) return [];
  const namespace = service.metadata?.namespace;
  const out: Endpoint[] = [];
  for (const pod of pods) {
    if (pod.metadata?.namespace !== namespace || !selectorMatches(selector, pod.metadata?.labels)) continue;
    const ip = pod.status?.podIP;
    if (!ip || pod.metadata?.deletionTimestamp || pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') continue;
    if (!podReady(pod) && service.spec?.publishNotReadyAddresses !== true) continue;
    const p = targetPort(pod, port);
    if (p !== undefined) out.push({ ip, port: p, pod: pod.metadata?.name ?? '' });
  }
  return out.sort((a, b) => a.pod.localeCompare(b.pod));
}

/** Services the proxy serves: those that select pods (not ExternalName, not headless). */
export function proxiable(service: V1Service): boolean {
  const spec = service.spec;
  return spec !== undefined && spec.type !== 'ExternalName' && spec.clusterIP !== 'None' && spec.selector !== undefined && Object.keys(spec.selector).length > 0;
}
