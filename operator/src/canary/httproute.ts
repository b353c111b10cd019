// Gateway API mode: one HTTPRoute per InferenceService, attached to the
// configured Gateway, whose weighted backendRefs are the per-revision
// Services. Requests carrying `x-modelship-revision: latest` (or `prev`) reach
// that revision only, whatever its share, so a canary at 0% can be tried
// through the same Gateway.
import type { DefaultedInferenceService } from '../api/types.ts';
import type { TrafficConfig } from '../settings.ts';
import type { KubeObject } from '../kube/client.ts';
import { childMeta } from '../resources/labels.ts';
import { SERVICE_PORT } from '../resources/service.ts';
import { serviceName } from '../names.ts';
import type { PlannedRevision } from './plan.ts';

export const REVISION_HEADER = 'x-modelship-revision';

export interface HttpRoute extends KubeObject {
  spec: {
    parentRefs: Array<{ group: string; kind: string; name: string; namespace: string }>;
    hostnames: string[];
    rules: Array<{
      matches: Array<{ path: { type: string; value: string }; headers?: Array<{ type: string; name: string; value: string }> }>;
      backendRefs: Array<{ group: string; kind: string; name: string; port: number; weight: number }>;
    }>;
  };
}

export function routeHostname(meta: Pick<DefaultedInferenceService['metadata'], 'name' | 'namespace'>, traffic: Pick<TrafficConfig, 'ingressDomain'>): string {
  return `${meta.name}-${meta.namespace}.${traffic.ingressDomain}`;
}

const backend = (name: string, weight: number) => ({ group: '', kind: 'Service', name, port: SERVICE_PORT, weight });
const prefix = { type: 'PathPrefix', value: '/' };

export function buildHttpRoute(isvc: DefaultedInferenceService, revisions: readonly PlannedRevision[], traffic: TrafficConfig): HttpRoute {
  const meta = isvc.metadata;
  const tagged = revisions.map((r) => ({
    matches: [{ path: prefix, headers: [{ type: 'Exact', name: REVISION_HEADER, value: r.latest ? 'latest' : 'prev' }] }],
    backendRefs: [backend(r.name, 1)],
  }));
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: childMeta(meta, serviceName(meta.name)),
    spec: {
      parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: traffic.gatewayName, namespace: traffic.gatewayNamespace }],
      hostnames: [routeHostname(meta, traffic)],
      rules: [
        ...tagged,
        // Weight 0 keeps a revision listed without traffic; all zero answers 500, which is right when nothing is ready.
        { matches: [{ path: prefix }], backendRefs: revisions.map((r) => backend(r.name, r.percent)) },
      ],
    },
  };
}
