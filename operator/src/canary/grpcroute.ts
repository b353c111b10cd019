// Gateway API mode for gRPC: a GRPCRoute beside the HTTPRoute, attached to
// the same Gateway, with the same weights over the per-revision Services'
// `grpc` ports and the same `x-modelship-revision` tag rules (gRPC metadata
// are HTTP/2 headers), so a canary splits gRPC clients as it splits REST ones;
// the variant pins and the shadow's mirror likewise.
import type { DefaultedInferenceService } from '../api/types.ts';
import type { KubeObject } from '../kube/client.ts';
import type { TrafficConfig } from '../settings.ts';
import { gatewayRoute, mirrorFilters, pinnedRules, revisionBackend, type MirrorFilter } from './httproute.ts';
import type { PlannedRevision } from './plan.ts';
import { weighted } from './pinning.ts';

export interface GrpcRoute extends KubeObject {
  spec: {
    parentRefs: Array<{ group: string; kind: string; name: string; namespace: string }>;
    hostnames: string[];
    rules: Array<{
      matches?: Array<{ headers: Array<{ type: string; name: string; value: string }> }>;
      backendRefs: Array<{ group: string; kind: string; name: string; port: number; weight: number }>;
      filters?: MirrorFilter[];
    }>;
  };
}

export function buildGrpcRoute(isvc: DefaultedInferenceService, revisions: readonly PlannedRevision[], traffic: TrafficConfig, shadowPercent = 0): GrpcRoute {
  const filters = mirrorFilters(revisions, 'grpc', shadowPercent);
  // A rule without matches takes every gRPC method; weight 0 keeps a revision listed without traffic.
  return gatewayRoute('GRPCRoute', isvc, 'grpc', traffic, [
    ...pinnedRules(isvc, revisions, 'grpc', (header) => ({ headers: [header] })),
    { backendRefs: weighted(revisions).map((r) => revisionBackend(r, 'grpc', r.percent)), ...(filters.length > 0 ? { filters } : {}) },
  ]);
}
