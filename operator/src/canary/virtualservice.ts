// Istio mode: a VirtualService for the InferenceService's own Service host
// (so in-mesh clients calling its URL are split by their sidecars) and the
// configured Istio gateways, routing by weight to the per-revision Services.
// As with the HTTPRoute, `x-modelship-revision: latest|prev` picks a revision.
// The secondary protocol's port (gRPC on 8081, or REST on 8080 with
// grpc-v2) gets the same routes first, matched by port; everything else
// (the primary port and the gateways) falls through to the primary's routes.
import type { DefaultedInferenceService } from '../api/types.ts';
import type { TrafficConfig } from '../settings.ts';
import type { KubeObject } from '../kube/client.ts';
import { childMeta } from '../resources/labels.ts';
import { servicePorts, type WireProtocol } from '../resources/service.ts';
import { serviceName } from '../names.ts';
import { REVISION_HEADER } from './httproute.ts';
import { routeHostname } from '../hostname.ts';
import type { PlannedRevision } from './plan.ts';

interface Destination { destination: { host: string; port: { number: number } }; weight?: number }

export interface VirtualService extends KubeObject {
  spec: {
    hosts: string[];
    gateways: string[];
    http: Array<{ name: string; match?: Array<{ port?: number; headers?: Record<string, { exact: string }> }>; route: Destination[] }>;
  };
}

/** `onGateways` false (another InferenceService holds the hostname): in-mesh routing only. */
export function buildVirtualService(isvc: DefaultedInferenceService, revisions: readonly PlannedRevision[], traffic: TrafficConfig, clusterDomain: string, onGateways = true): VirtualService {
  const exposed = onGateways && traffic.istioGateways.length > 0;
  const meta = isvc.metadata;
  const host = (name: string) => `${name}.${meta.namespace}.svc.${clusterDomain}`;
  const withShare = revisions.filter((r) => r.percent > 0);
  const ports = servicePorts(isvc.spec.predictor);
  const secondary: WireProtocol = ports.primary === 'http' ? 'grpc' : 'http';
  const routes = (protocol: WireProtocol, port: number | undefined): VirtualService['spec']['http'] => {
    const dest = (r: PlannedRevision): Destination => ({ destination: { host: host(r.name), port: { number: servicePorts(r.spec)[protocol] } } });
    // Istio wants weights summing to 100 over the listed destinations; with none
    // ready, the rolled-out (or only) revision is listed alone and answers 503.
    const route: Destination[] = withShare.length > 0 ? withShare.map((r) => ({ ...dest(r), weight: r.percent })) : revisions.slice(0, 1).map(dest);
    const prefix = port === undefined ? '' : `${protocol}-`;
    const onPort = port === undefined ? {} : { port };
    return [
      ...revisions.map((r) => {
        const tag = r.latest ? 'latest' : 'prev';
        return { name: `${prefix}${tag}`, match: [{ ...onPort, headers: { [REVISION_HEADER]: { exact: tag } } }], route: [dest(r)] };
      }),
      port === undefined ? { name: 'split', route } : { name: `${prefix}split`, match: [onPort], route },
    ];
  };
  return {
    apiVersion: 'networking.istio.io/v1beta1',
    kind: 'VirtualService',
    metadata: childMeta(meta, serviceName(meta.name)),
    spec: {
      hosts: [host(serviceName(meta.name)), ...(exposed ? [routeHostname(meta, traffic)] : [])],
      gateways: ['mesh', ...(exposed ? traffic.istioGateways : [])],
      http: [...routes(secondary, ports[secondary]), ...routes(ports.primary, undefined)],
    },
  };
}
