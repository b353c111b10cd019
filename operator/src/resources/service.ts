// Desired Service: the stable in-cluster entry point, named after the
// InferenceService so its URL is http://<name>.<namespace>.svc.<domain>.
// It exposes both runtime protocols: REST (`http`) and gRPC (`grpc`, h2c).
// The primary one (port 80, the one the URL and the unsuffixed route hostname
// reach) is REST, or gRPC with `protocolVersion: grpc-v2` as in KServe.
import type { V1Service } from '@kubernetes/client-node';
import type { DefaultedInferenceService } from '../api/types.ts';
import { serviceName } from '../names.ts';
import { childMeta, selectorLabels } from './labels.ts';

export const SERVICE_PORT = 80;
/** The secondary protocol's Service port: the runtime's own port number for it. */
const SECONDARY_PORTS = { http: 8080, grpc: 8081 } as const;

export type WireProtocol = 'http' | 'grpc';

export interface ServicePorts {
  readonly primary: WireProtocol;
  readonly http: number;
  readonly grpc: number;
}

export function servicePorts(predictor: Pick<DefaultedInferenceService['spec']['predictor'], 'model'>): ServicePorts {
  return predictor.model.protocolVersion === 'grpc-v2'
    ? { primary: 'grpc', http: SECONDARY_PORTS.http, grpc: SERVICE_PORT }
    : { primary: 'http', http: SERVICE_PORT, grpc: SECONDARY_PORTS.grpc };
}

export function buildService(isvc: DefaultedInferenceService): V1Service {
  const ports = servicePorts(isvc.spec.predictor);
  const http = { name: 'http', port: ports.http, targetPort: 'http', protocol: 'TCP', appProtocol: 'http' };
  // kubernetes.io/h2c: HTTP/2 without TLS, which gateways and meshes need to know to proxy gRPC.
  const grpc = { name: 'grpc', port: ports.grpc, targetPort: 'grpc', protocol: 'TCP', appProtocol: 'kubernetes.io/h2c' };
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: childMeta(isvc.metadata, serviceName(isvc.metadata.name)),
    spec: {
      type: 'ClusterIP',
      selector: selectorLabels(isvc.metadata),
      ports: ports.primary === 'grpc' ? [grpc, http] : [http, grpc],
    },
  };
}

export function serviceUrl(isvc: Pick<DefaultedInferenceService['metadata'], 'name' | 'namespace'>, clusterDomain: string): string {
  return `http://${serviceName(isvc.name)}.${isvc.namespace}.svc.${clusterDomain}`;
}
