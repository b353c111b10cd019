// Istio mode: a VirtualService for the InferenceService's own Service host
// (so in-mesh clients calling its URL are split by their sidecars) and the
// configured Istio gateways, routing by weight to the per-revision Services.
// As with the HTTPRoute, `x-modelship-revision: latest|prev` picks a revision.
import type { DefaultedInferenceService } from '../api/types.ts';
import type { TrafficConfig } from '../settings.ts';
import type { KubeObject } from '../kube/client.ts';
import { childMeta } from '../resources/labels.ts';
import { SERVICE_PORT } from '../resources/service.ts';
import { serviceName } from '../names.ts';
import { REVISION_HEADER, routeHostname } from './httproute.ts';
import type { PlannedRevision } from './plan.ts';

interface Destination { destination: { host: string; port: { number: number } }; weight?: number }

export interface VirtualService extends KubeObject {
  spec: {
    hosts: string[];
    gateways: string[];
    http: Array<{ name: string; match?: Array<{ headers: Record<string, { exact: string }> }>; route: Destination[] }>;
  };
}

export function buildVirtualService(isvc: DefaultedInferenceService, revisions: readonly PlannedRevision[], traffic: TrafficConfig, clusterDomain: string): VirtualService {
  const meta = isvc.metadata;
  const host = (name: string) => `${name}.${meta.namespace}.svc.${clusterDomain}`;
  const dest = (name: string): Destination => ({ destination: { host: host(name), port: { number: SERVICE_PORT } } });
  const withShare = revisions.filter((r) => r.percent > 0);
  // Istio wants weights summing to 100 over the listed destinations; with none
  // ready, the rolled-out (or only) revision is listed alone and answers 503.
  const route: Destination[] = withShare.length > 0
    ? withShare.map((r) => ({ ...dest(r.name), weight: r.percent }))
    : revisions.slice(0, 1).map((r) => dest(r.name));
  return {
    apiVersion: 'networking.istio.io/v1beta1',
    kind: 'VirtualService',
    metadata: childMeta(meta, serviceName(meta.name)),
    spec: {
      hosts: [host(serviceName(meta.name)), ...(traffic.istioGateways.length > 0 ? [routeHostname(meta, traffic)] : [])],
      gateways: ['mesh', ...traffic.istioGateways],
      http: [
        ...revisions.map((r) => {
          const tag = r.latest ? 'latest' : 'prev';
          return { name: tag, match: [{ headers: { [REVISION_HEADER]: { exact: tag } } }], route: [dest(r.name)] };
        }),
        { name: 'split', route },
      ],
    },
  };
}
