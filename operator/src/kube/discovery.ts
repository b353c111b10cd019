// Start-up discovery of the optional CRDs: a one-item list of HTTPRoutes, GRPCRoutes, of
// VirtualServices and of KEDA ScaledObjects. 404 means the API server does not serve the type (CRD
// not installed); 403 means we may not use it, which is treated the same way
// and logged. Installing a CRD later takes an operator restart. With a watch
// namespace the list is namespaced: a namespaced install is granted its verbs
// there only (a RoleBinding), and a cluster-wide list would read as 403.
import type { Logger } from '../../../common/src/logger.ts';
import { KubeApiError, type KubeClient, type ResourceType } from './client.ts';
import { BATCH_INFERENCES, GRPC_ROUTES, HTTP_ROUTES, SCALED_OBJECTS, VIRTUAL_SERVICES } from './resources.ts';

async function served(client: KubeClient, type: ResourceType, logger: Logger, namespace: string): Promise<boolean> {
  try {
    await client.list(type, { limit: 1, ...(namespace === '' ? {} : { namespace }) });
    return true;
  } catch (err) {
    if (err instanceof KubeApiError && (err.status === 404 || err.status === 403)) {
      if (err.status === 403) logger.warn('not allowed to list an optional CRD; its use is disabled', { resource: type.plural, error: err.message });
      return false;
    }
    throw err;
  }
}

/** GRPCRoute is checked on its own: Gateway API releases before v1.1 serve HTTPRoute v1 without GRPCRoute v1. `namespace`: the watch namespace, empty for all. */
export async function detectTrafficCrds(client: KubeClient, logger: Logger, namespace = ''): Promise<{ gatewayApi: boolean; grpcRoute: boolean; istio: boolean }> {
  const [gatewayApi, grpcRoute, istio] = await Promise.all([
    served(client, HTTP_ROUTES, logger, namespace), served(client, GRPC_ROUTES, logger, namespace), served(client, VIRTUAL_SERVICES, logger, namespace),
  ]);
  return { gatewayApi, grpcRoute, istio };
}

export async function detectKeda(client: KubeClient, logger: Logger, namespace = ''): Promise<boolean> {
  return served(client, SCALED_OBJECTS, logger, namespace);
}

/**
 * BatchInference is the operator's own CRD, but Helm never upgrades crds/: an
 * upgrade that did not apply the new CRD keeps serving InferenceServices, and
 * batch reconciling starts once the CRD is applied and the operator restarted.
 */
export async function detectBatch(client: KubeClient, logger: Logger, namespace = ''): Promise<boolean> {
  const ok = await served(client, BATCH_INFERENCES, logger, namespace);
  if (!ok) logger.warn('the BatchInference CRD is not installed (kubectl apply -f crds/); batch reconciling is off');
  return ok;
}
