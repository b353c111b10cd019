// Desired Service: the stable in-cluster entry point, named after the
// InferenceService so its URL is http://<name>.<namespace>.svc.<domain>.
import type { V1Service } from '@kubernetes/client-node';
import type { DefaultedInferenceService } from '../api/types.ts';
import { serviceName } from '../names.ts';
import { childMeta, selectorLabels } from './labels.ts';

export const SERVICE_PORT = 80;

export function buildService(isvc: DefaultedInferenceService): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: childMeta(isvc.metadata, serviceName(isvc.metadata.name)),
    spec: {
      type: 'ClusterIP',
      selector: selectorLabels(isvc.metadata),
      ports: [{ name: 'http', port: SERVICE_PORT, targetPort: 'http', protocol: 'TCP', appProtocol: 'http' }],
    },
  };
}

export function serviceUrl(isvc: Pick<DefaultedInferenceService['metadata'], 'name' | 'namespace'>, clusterDomain: string): string {
  return `http://${serviceName(isvc.name)}.${isvc.namespace}.svc.${clusterDomain}`;
}
