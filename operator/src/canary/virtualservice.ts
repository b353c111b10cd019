// Istio mode: a VirtualService for the InferenceService's own Service host
// (so in-mesh clients calling its URL are split by their sidecars) and the
// configured Istio gateways, routing by weight to the per-revision Services.
// As with the HTTPRoute, `x-modelship-revision: latest|prev` picks a revision.
// The secondary protocol (gRPC on 8081, or REST on 8080 with grpc-v2) gets
// the same routes first, matched by its Service port in the mesh and, on the
// gateways, by its own hostname (hostname.ts: the template rendered for
// `<name>-<protocol>`, as the GRPCRoute uses); everything else (the primary
// port and the plain hostname) falls through to the primary's routes.
// With variants, the variant header pins (pinning.ts) follow the revision
// tags, and a shadow gets `mirror` with `mirrorPercentage` on the split route.
import type { DefaultedInferenceService } from '../api/types.ts';
import type { TrafficConfig } from '../settings.ts';
import type { KubeObject } from '../kube/client.ts';
import { childMeta } from '../resources/labels.ts';
import { servicePorts, type WireProtocol } from '../resources/service.ts';
import { serviceName } from '../names.ts';
import { REVISION_HEADER } from './httproute.ts';
import { routeHostnames } from '../hostname.ts';
import type { PlannedRevision } from './plan.ts';
import { scaleShares } from './apportion.ts';
import { mirrorTarget, variantHeader, variantPins, weighted } from './pinning.ts';

interface Destination { destination: { host: string; port: { number: number } }; weight?: number }

export interface VirtualService extends KubeObject {
  spec: {
    hosts: string[];
    gateways: string[];
    http: Array<{
      name: string;
      match?: Array<{ port?: number; authority?: { exact: string } | { prefix: string }; headers?: Record<string, { exact: string }> }>;
      route: Destination[];
      mirror?: Destination['destination'];
      mirrorPercentage?: { value: number };
    }>;
  };
}

/** `onGateways` false (another InferenceService holds the hostname): in-mesh routing only. */
export function buildVirtualService(isvc: DefaultedInferenceService, revisions: readonly PlannedRevision[], traffic: TrafficConfig, clusterDomain: string, onGateways = true, shadowPercent = 0): VirtualService {
  const exposed = onGateways && traffic.istioGateways.length > 0;
  const meta = isvc.metadata;
  const host = (name: string) => `${name}.${meta.namespace}.svc.${clusterDomain}`;
  const withShare = weighted(revisions).filter((r) => r.percent > 0);
  const shadow = mirrorTarget(revisions, shadowPercent);
  const header = variantHeader(isvc);
  const ports = servicePorts(isvc.spec.predictor);
  const secondary: WireProtocol = ports.primary === 'http' ? 'grpc' : 'http';
  const hostnames = routeHostnames(meta, ports.primary, traffic);
  // Through a gateway the secondary protocol is told apart by its hostname, with or without a port (gRPC clients send `host:port`).
  const onHost: Array<{ authority: { exact: string } | { prefix: string } }> = exposed ? [{ authority: { exact: hostnames[secondary] } }, { authority: { prefix: `${hostnames[secondary]}:` } }] : [];
  const routes = (protocol: WireProtocol, port: number | undefined): VirtualService['spec']['http'] => {
    const dest = (r: PlannedRevision): Destination => ({ destination: { host: host(r.name), port: { number: servicePorts(r.spec)[protocol] } } });
    // Istio wants weights summing to 100 over the listed destinations; with none
    // ready, the rolled-out (or only) revision is listed alone and answers 503.
    const route: Destination[] = withShare.length > 0 ? withShare.map((r) => ({ ...dest(r), weight: r.percent })) : revisions.slice(0, 1).map(dest);
    const prefix = port === undefined ? '' : `${protocol}-`;
    // The secondary's rules match its port (mesh) or its hostname (gateways); the primary's match anything.
    const on = port === undefined ? [{}] : [{ port }, ...onHost];
    const matching = (headers: Record<string, { exact: string }>) => on.map((m) => ({ ...m, headers }));
    const pins = variantPins(revisions).map((pin) => {
      const weights = pin.backends.length > 1 ? scaleShares(pin.backends.map((b) => b.weight), 100) : [];
      return {
        name: `${prefix}variant-${pin.value}`,
        match: matching({ [header]: { exact: pin.value } }),
        route: pin.backends.map((b, i) => (weights.length > 0 ? { ...dest(b.revision), weight: weights[i] ?? 0 } : dest(b.revision))),
      };
    });
    const mirror = shadow === undefined ? {} : { mirror: dest(shadow).destination, mirrorPercentage: { value: shadowPercent } };
    return [
      ...revisions.filter((r) => r.variant === undefined).map((r) => {
        const tag = r.latest ? 'latest' : 'prev';
        return { name: `${prefix}${tag}`, match: matching({ [REVISION_HEADER]: { exact: tag } }), route: [dest(r)] };
      }),
      ...pins,
      port === undefined ? { name: 'split', route, ...mirror } : { name: `${prefix}split`, match: on, route, ...mirror },
    ];
  };
  return {
    apiVersion: 'networking.istio.io/v1beta1',
    kind: 'VirtualService',
    metadata: childMeta(meta, serviceName(meta.name)),
    spec: {
      hosts: [host(serviceName(meta.name)), ...(exposed ? [hostnames[ports.primary], hostnames[secondary]] : [])],
      gateways: ['mesh', ...(exposed ? traffic.istioGateways : [])],
      http: [...routes(secondary, ports[secondary]), ...routes(ports.primary, undefined)],
    },
  };
}
