// Which traffic layer splits an InferenceService's traffic: the operator's
// --traffic-mode (auto picks the Gateway API when its CRDs are installed,
// else plain Services), overridden per resource by an annotation when the
// administrator allows it (--allow-traffic-mode-annotation). A mode
// whose CRDs are missing falls back to Service mode and says so in status,
// rather than writing objects the API server cannot store.
import type { TrafficConfig } from '../settings.ts';
import { TRAFFIC_MODES, type TrafficMode } from './plan.ts';

export const TRAFFIC_MODE_ANNOTATION = 'serving.modelship.io/traffic-mode';

export interface ResolvedMode {
  mode: TrafficMode;
  /** Why the requested mode could not be used, if it could not. */
  problem?: string;
}

export function resolveMode(annotations: Record<string, string> | undefined, traffic: Pick<TrafficConfig, 'mode' | 'installed' | 'allowModeAnnotation'>): ResolvedMode {
  const annotated = annotations?.[TRAFFIC_MODE_ANNOTATION];
  // The mode decides which objects a tenant makes the operator write (a
  // VirtualService answering on gateways, an HTTPRoute on the shared Gateway):
  // the administrator's call unless they delegate it.
  if (annotated !== undefined && !traffic.allowModeAnnotation) {
    const configured = resolveMode(undefined, traffic);
    const ignored = `the ${TRAFFIC_MODE_ANNOTATION} annotation is ignored: the operator does not allow it (--allow-traffic-mode-annotation)`;
    return { mode: configured.mode, problem: configured.problem === undefined ? ignored : `${ignored}; ${configured.problem}` };
  }
  const requested = annotated ?? traffic.mode;
  if (requested === 'auto') return { mode: traffic.installed.gatewayApi ? 'gatewayApi' : 'service' };
  if (!(TRAFFIC_MODES as readonly string[]).includes(requested)) {
    return { mode: 'service', problem: `${TRAFFIC_MODE_ANNOTATION} must be one of auto, ${TRAFFIC_MODES.join(', ')}; got ${requested}: using service mode` };
  }
  const mode = requested as TrafficMode;
  if (mode === 'gatewayApi' && !traffic.installed.gatewayApi) return { mode: 'service', problem: 'the Gateway API CRDs (HTTPRoute) are not installed: using service mode' };
  if (mode === 'istio' && !traffic.installed.istio) return { mode: 'service', problem: 'the Istio VirtualService CRD is not installed: using service mode' };
  return { mode };
}
