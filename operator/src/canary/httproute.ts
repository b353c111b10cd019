// Gateway API mode: one HTTPRoute per InferenceService, attached to the
// configured Gateway, whose weighted backendRefs are the per-revision
// Services. Requests carrying `x-modelship-revision: latest` (or `prev`) reach
// that revision only, whatever its share, so a canary at 0% can be tried
// through the same Gateway. gRPC gets the same rules in a GRPCRoute
// (grpcroute.ts); the primary protocol's route takes the plain hostname, the
// other one the hostname template rendered for `<name>-<http|grpc>`
// (hostname.ts: Gateway API forbids an HTTPRoute and a GRPCRoute sharing a
// hostname on one listener).
// With variants, the variant header pins (pinning.ts) come first, and a
// shadow is fed by a RequestMirror filter with `percent` on the weighted rule
// (Gateway API v1.3 and later; the CRD refuses the field where older).
import type { DefaultedInferenceService } from '../api/types.ts';
import type { TrafficConfig } from '../settings.ts';
import type { KubeObject } from '../kube/client.ts';
import { childMeta } from '../resources/labels.ts';
import { servicePorts, type WireProtocol } from '../resources/service.ts';
import { serviceName } from '../names.ts';
import { routeHostnames } from '../hostname.ts';
import type { PlannedRevision } from './plan.ts';
import { mirrorTarget, variantHeader, variantPins, weighted } from './pinning.ts';

export const REVISION_HEADER = 'x-modelship-revision';

export interface HttpRoute extends KubeObject {
  spec: {
    parentRefs: Array<{ group: string; kind: string; name: string; namespace: string }>;
    hostnames: string[];
    rules: Array<{
      matches: Array<{ path: { type: string; value: string }; headers?: Array<{ type: string; name: string; value: string }> }>;
      backendRefs: Array<{ group: string; kind: string; name: string; port: number; weight: number }>;
      filters?: MirrorFilter[];
    }>;
  };
}

export interface MirrorFilter {
  type: 'RequestMirror';
  requestMirror: { backendRef: { group: string; kind: string; name: string; port: number }; percent: number };
}

/** The RequestMirror filter copying `percent` of a rule's requests to the shadow revision's Service. */
export function mirrorFilters(revisions: readonly PlannedRevision[], protocol: WireProtocol, shadowPercent: number): MirrorFilter[] {
  const shadow = mirrorTarget(revisions, shadowPercent);
  if (shadow === undefined) return [];
  const { weight: _weight, ...backendRef } = revisionBackend(shadow, protocol, 0);
  return [{ type: 'RequestMirror', requestMirror: { backendRef, percent: shadowPercent } }];
}

/** The header matches of one protocol's route: revision tags of the main predictor, then the variant pins. */
export function pinnedRules<M>(isvc: DefaultedInferenceService, revisions: readonly PlannedRevision[], protocol: WireProtocol, match: (header: { type: string; name: string; value: string }) => M) {
  const tagged = revisions.filter((r) => r.variant === undefined).map((r) => ({
    matches: [match({ type: 'Exact', name: REVISION_HEADER, value: r.latest ? 'latest' : 'prev' })],
    backendRefs: [revisionBackend(r, protocol, 1)],
  }));
  const header = variantHeader(isvc);
  const pins = variantPins(revisions).map((pin) => ({
    matches: [match({ type: 'Exact', name: header, value: pin.value })],
    backendRefs: pin.backends.map((b) => revisionBackend(b.revision, protocol, b.weight)),
  }));
  return [...tagged, ...pins];
}

/** The hostname a protocol's route answers on: the template's for the primary protocol, the template's for `<name>-<protocol>` for the other. */
export function protocolHostname(isvc: DefaultedInferenceService, protocol: WireProtocol, traffic: Pick<TrafficConfig, 'ingressDomain' | 'hostnameTemplate'>): string {
  return routeHostnames(isvc.metadata, servicePorts(isvc.spec.predictor).primary, traffic)[protocol];
}

/** A weighted backend: the revision's Service on the port of `protocol` in that revision's spec. */
export function revisionBackend(revision: PlannedRevision, protocol: WireProtocol, weight: number) {
  return { group: '', kind: 'Service', name: revision.name, port: servicePorts(revision.spec)[protocol], weight };
}

/** A Gateway API route of `kind` for one protocol: named after the InferenceService, on the configured Gateway. */
export function gatewayRoute<R>(kind: 'HTTPRoute' | 'GRPCRoute', isvc: DefaultedInferenceService, protocol: WireProtocol, traffic: TrafficConfig, rules: R[]) {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind,
    metadata: childMeta(isvc.metadata, serviceName(isvc.metadata.name)),
    spec: {
      parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: traffic.gatewayName, namespace: traffic.gatewayNamespace }],
      hostnames: [protocolHostname(isvc, protocol, traffic)],
      rules,
    },
  };
}

const prefix = { type: 'PathPrefix', value: '/' };

export function buildHttpRoute(isvc: DefaultedInferenceService, revisions: readonly PlannedRevision[], traffic: TrafficConfig, shadowPercent = 0): HttpRoute {
  const filters = mirrorFilters(revisions, 'http', shadowPercent);
  return gatewayRoute('HTTPRoute', isvc, 'http', traffic, [
    ...pinnedRules(isvc, revisions, 'http', (header) => ({ path: prefix, headers: [header] })),
    // Weight 0 keeps a revision listed without traffic; all zero answers 500, which is right when nothing is ready.
    { matches: [{ path: prefix }], backendRefs: weighted(revisions).map((r) => revisionBackend(r, 'http', r.percent)), ...(filters.length > 0 ? { filters } : {}) },
  ]);
}
