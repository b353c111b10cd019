// Start-up discovery of the optional CRDs: a one-item list of HTTPRoutes, GRPCRoutes, of
// VirtualServices and of KEDA ScaledObjects. 404 means the API server does not serve the type (CRD
// not installed); 403 means we may not use it, which is treated the same way
// and logged. Installing a CRD later takes an operator restart.
import type { Logger } from '../../../common/src/logger.ts';
import { KubeApiError, type KubeClient, type ResourceType } from './client.ts';
import { GRPC_ROUTES, HTTP_ROUTES, SCALED_OBJECTS, VIRTUAL_SERVICES } from './resources.ts';

async function served(client: KubeClient, type: ResourceType, logger: Logger): Promise<boolean> {
  try {
    await client.list(type, { limit: 1 });
    return true;
  } catch (err) {
    if (err instanceof KubeApiError && (err.status === 404 || err.status === 403)) {
      if (err.status === 403) logger.warn('not allowed to list an optional CRD; its use is disabled', { resource: type.plural, error: err.message });
      return false;
    }
    throw err;
  }
}

/** GRPCRoute is checked on its own: Gateway API releases before v1.1 serve HTTPRoute v1 without GRPCRoute v1. */
export async function detectTrafficCrds(client: KubeClient, logger: Logger): Promise<{ gatewayApi: boolean; grpcRoute: boolean; istio: boolean }> {
  const [gatewayApi, grpcRoute, istio] = await Promise.all([served(client, HTTP_ROUTES, logger), served(client, GRPC_ROUTES, logger), served(client, VIRTUAL_SERVICES, logger)]);
  return { gatewayApi, grpcRoute, istio };
}

export async function detectKeda(client: KubeClient, logger: Logger): Promise<boolean> {
  return served(client, SCALED_OBJECTS, logger);
}
