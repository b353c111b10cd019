// The resource types the operator reads and writes. RBAC in config/rbac/
// grants exactly the verbs used on these (see rbac.test.ts).
import { GROUP, KIND, PLURAL, VERSION } from '../api/schema.ts';
import { BATCH_KIND, BATCH_PLURAL } from '../api/batch-schema.ts';
import type { ResourceType } from './client.ts';

export const INFERENCE_SERVICES: ResourceType = { group: GROUP, version: VERSION, plural: PLURAL, kind: KIND, namespaced: true };
export const BATCH_INFERENCES: ResourceType = { group: GROUP, version: VERSION, plural: BATCH_PLURAL, kind: BATCH_KIND, namespaced: true };
export const DEPLOYMENTS: ResourceType = { group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment', namespaced: true };
export const SERVICES: ResourceType = { group: '', version: 'v1', plural: 'services', kind: 'Service', namespaced: true };
export const HPAS: ResourceType = { group: 'autoscaling', version: 'v2', plural: 'horizontalpodautoscalers', kind: 'HorizontalPodAutoscaler', namespaced: true };
export const PDBS: ResourceType = { group: 'policy', version: 'v1', plural: 'poddisruptionbudgets', kind: 'PodDisruptionBudget', namespaced: true };
export const PODS: ResourceType = { group: '', version: 'v1', plural: 'pods', kind: 'Pod', namespaced: true };
export const EVENTS: ResourceType = { group: '', version: 'v1', plural: 'events', kind: 'Event', namespaced: true };
export const LEASES: ResourceType = { group: 'coordination.k8s.io', version: 'v1', plural: 'leases', kind: 'Lease', namespaced: true };
// Traffic layers for canary splits; used only when their CRDs are installed.
export const HTTP_ROUTES: ResourceType = { group: 'gateway.networking.k8s.io', version: 'v1', plural: 'httproutes', kind: 'HTTPRoute', namespaced: true };
export const GRPC_ROUTES: ResourceType = { group: 'gateway.networking.k8s.io', version: 'v1', plural: 'grpcroutes', kind: 'GRPCRoute', namespaced: true };
export const VIRTUAL_SERVICES: ResourceType = { group: 'networking.istio.io', version: 'v1beta1', plural: 'virtualservices', kind: 'VirtualService', namespaced: true };
// KEDA's autoscaler, used only when its CRD is installed.
export const SCALED_OBJECTS: ResourceType = { group: 'keda.sh', version: 'v1alpha1', plural: 'scaledobjects', kind: 'ScaledObject', namespaced: true };
// Batch runs: an indexed Job per run, a CronJob per schedule.
export const JOBS: ResourceType = { group: 'batch', version: 'v1', plural: 'jobs', kind: 'Job', namespaced: true };
export const CRON_JOBS: ResourceType = { group: 'batch', version: 'v1', plural: 'cronjobs', kind: 'CronJob', namespaced: true };
