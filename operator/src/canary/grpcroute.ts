// Gateway API mode for gRPC: a GRPCRoute beside the HTTPRoute, attached to
// the same Gateway, with the same weights over the per-revision Services'
// `grpc` ports and the same `x-modelship-revision` tag rules (gRPC metadata
// are HTTP/2 headers), so a canary splits gRPC clients as it splits REST ones.
import type { DefaultedInferenceService } from '../api/types.ts';
import type { KubeObject } from '../kube/client.ts';
import type { TrafficConfig } from '../settings.ts';
import { gatewayRoute, REVISION_HEADER, revisionBackend } from './httproute.ts';
import type { PlannedRevision } from './plan.ts';

export interface GrpcRoute extends KubeObject {
  spec: {
    parentRefs: Array<{ group: string; kind: string; name: string; namespace: string }>;
    hostnames: string[];
    rules: Array<{
      matches?: Array<{ headers: Array<{ type: string; name: string; value: string }> }>;
      backendRefs: Array<{ group: string; kind: string; name: string; port: number; weight: number }>;
    }>;
  };
}

export function buildGrpcRoute(isvc: DefaultedInferenceService, revisions: readonly PlannedRevision[], traffic: TrafficConfig): GrpcRoute {
  const tagged = revisions.map((r) => ({
    matches: [{ headers: [{ type: 'Exact', name: REVISION_HEADER, value: r.latest ? 'latest' : 'prev' }] }],
    backendRefs: [revisionBackend(r, 'grpc', 1)],
  }));
  // A rule without matches takes every gRPC method; weight 0 keeps a revision listed without traffic.
  return gatewayRoute('GRPCRoute', isvc, 'grpc', traffic, [...tagged, { backendRefs: revisions.map((r) => revisionBackend(r, 'grpc', r.percent)) }]);
}
