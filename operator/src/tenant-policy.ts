// What an InferenceService author may make the operator create, decided by
// the cluster administrator (operator flags, chart values). The CRD's CEL
// rules cannot know this policy, so the reconciler asks here before it writes
// any child: a spec that breaks the policy gets a PolicyViolation status and
// nothing is written for it. Every author is treated as a possibly hostile
// tenant of a shared cluster: by default nothing that reaches the node, the
// runtime's process or another workload's identity passes unless the
// administrator allowed it.
import type { DefaultedPredictor } from './api/types.ts';

export interface TenantPolicy {
  /** Env names starting with one of these are refused (NODE_OPTIONS runs code in the model server). */
  reservedEnvPrefixes: readonly string[];
  /**
   * ServiceAccounts predictor pods may run as: `name` (any namespace) or
   * `namespace/name`, `*` matching any name or namespace. Empty: none, the
   * pods run without a token.
   */
  allowedServiceAccounts: readonly string[];
  /** Toleration keys a spec may carry (`*`: any, including the empty key that tolerates every taint). */
  allowedTolerationKeys: readonly string[];
  /** Node label keys a spec may select on, in nodeSelector and in nodeAffinity (`*`: any). */
  allowedNodeSelectorKeys: readonly string[];
  /**
   * Pod annotations whose key's prefix is one of these domains or a subdomain
   * (`kubernetes.io` covers `cluster-autoscaler.kubernetes.io/...`) are
   * refused: they steer platform components (sidecar injection, AppArmor,
   * eviction, scraping). Other annotations are the author's own metadata.
   */
  reservedAnnotationDomains: readonly string[];
  /** Exact annotation keys allowed even in a reserved domain. */
  allowedPodAnnotations: readonly string[];
}

export const DEFAULT_TENANT_POLICY: TenantPolicy = Object.freeze({
  reservedEnvPrefixes: Object.freeze(['NODE_', 'MODELSHIP_', 'LD_']),
  allowedServiceAccounts: Object.freeze([]),
  allowedTolerationKeys: Object.freeze([]),
  allowedNodeSelectorKeys: Object.freeze([]),
  reservedAnnotationDomains: Object.freeze(['kubernetes.io', 'k8s.io', 'istio.io', 'linkerd.io', 'prometheus.io', 'modelship.io']),
  allowedPodAnnotations: Object.freeze([]),
}) as TenantPolicy;

/**
 * What the operator itself adds to a GPU predictor (its GPU toleration and
 * node selector keys): a spec repeating them asks for nothing more, so they
 * pass on a GPU predictor whatever the allow-lists say, and never on a CPU one
 * (that would put a pod on a GPU node without a GPU to account for).
 */
export interface OperatorPlacement {
  gpu: boolean;
  tolerationKey: string;
  nodeSelectorKeys: readonly string[];
}

type Subject = { namespace: string; predictor: Pick<DefaultedPredictor, 'model' | 'serviceAccountName' | 'tolerations' | 'nodeSelector' | 'affinity' | 'annotations'> };

const listed = (list: readonly string[], value: string): boolean => list.includes('*') || list.includes(value);

function serviceAccountAllowed(allowed: readonly string[], namespace: string, name: string): boolean {
  return allowed.some((entry) => {
    const slash = entry.indexOf('/');
    if (slash < 0) return entry === '*' || entry === name;
    const [ns, sa] = [entry.slice(0, slash), entry.slice(slash + 1)];
    return (ns === '*' || ns === namespace) && (sa === '*' || sa === name);
  });
}

function annotationReserved(policy: TenantPolicy, key: string): boolean {
  if (policy.allowedPodAnnotations.includes(key)) return false;
  const slash = key.indexOf('/');
  if (slash < 0) return false;
  const domain = key.slice(0, slash);
  return policy.reservedAnnotationDomains.some((d) => domain === d || domain.endsWith(`.${d}`));
}

interface Term { matchExpressions?: Array<{ key?: unknown }>; matchFields?: Array<{ key?: unknown }> }
interface PodTerm { namespaces?: unknown; namespaceSelector?: unknown; podAffinityTerm?: PodTerm }

const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const asObject = (v: unknown): Record<string, unknown> => (v !== null && typeof v === 'object' && !Array.isArray(v) ? v as Record<string, unknown> : {});

/** Node label (and field) keys a nodeAffinity selects on. */
function nodeAffinityKeys(nodeAffinity: unknown): string[] {
  const n = asObject(nodeAffinity);
  const terms: Term[] = [
    ...asArray(asObject(n['requiredDuringSchedulingIgnoredDuringExecution'])['nodeSelectorTerms']),
    ...asArray(n['preferredDuringSchedulingIgnoredDuringExecution']).map((p) => asObject(p)['preference']),
  ].map((t) => asObject(t) as Term);
  return terms.flatMap((t) => [...asArray(t.matchExpressions), ...asArray(t.matchFields)].map((e) => String(asObject(e)['key'] ?? '')));
}

/** Pod (anti-)affinity terms that reach outside the InferenceService's namespace. */
function crossNamespaceTerms(podAffinity: unknown, namespace: string): number {
  const p = asObject(podAffinity);
  const terms = [
    ...asArray(p['requiredDuringSchedulingIgnoredDuringExecution']),
    ...asArray(p['preferredDuringSchedulingIgnoredDuringExecution']).map((w) => asObject(w)['podAffinityTerm']),
  ].map((t) => asObject(t) as PodTerm);
  return terms.filter((t) => t.namespaceSelector !== undefined || asArray(t.namespaces).some((ns) => ns !== namespace)).length;
}

function affinityViolations(affinity: unknown, namespace: string, nodeKeyAllowed: (key: string) => boolean): string[] {
  if (affinity === undefined) return [];
  const out: string[] = [];
  const a = asObject(affinity);
  for (const field of Object.keys(a)) {
    if (!['nodeAffinity', 'podAffinity', 'podAntiAffinity'].includes(field)) out.push(`spec.predictor.affinity.${field} is not a known affinity`);
  }
  for (const key of new Set(nodeAffinityKeys(a['nodeAffinity']))) {
    if (!nodeKeyAllowed(key)) out.push(`spec.predictor.affinity.nodeAffinity selects on node key "${key}", which the operator does not allow`);
  }
  for (const field of ['podAffinity', 'podAntiAffinity']) {
    if (crossNamespaceTerms(a[field], namespace) > 0) {
      out.push(`spec.predictor.affinity.${field} reaches pods of other namespaces (namespaces or namespaceSelector); only the InferenceService's own namespace is allowed`);
    }
  }
  return out;
}

/**
 * Every way the predictor breaks the policy, each naming the field; empty
 * when it may be built. Pure: the caller says what the operator adds.
 */
export function policyViolations(subject: Subject, policy: TenantPolicy, operator: OperatorPlacement): string[] {
  const { predictor, namespace } = subject;
  const out: string[] = [];
  for (const [i, e] of (predictor.model.env ?? []).entries()) {
    const prefix = policy.reservedEnvPrefixes.find((p) => e.name.startsWith(p));
    if (prefix !== undefined) out.push(`spec.predictor.model.env[${i}].name ${e.name}: names starting with ${prefix} are reserved by the operator`);
  }
  const sa = predictor.serviceAccountName;
  if (sa !== undefined && !serviceAccountAllowed(policy.allowedServiceAccounts, namespace, sa)) {
    out.push(`spec.predictor.serviceAccountName ${sa}: the operator does not allow this ServiceAccount`);
  }
  for (const [i, t] of (predictor.tolerations ?? []).entries()) {
    const key = t.key ?? '';
    const operatorsOwn = operator.gpu && key === operator.tolerationKey;
    if (!operatorsOwn && !listed(policy.allowedTolerationKeys, key)) {
      out.push(`spec.predictor.tolerations[${i}] key "${key}"${key === '' ? ' (tolerates every taint)' : ''}: the operator does not allow this toleration`);
    }
  }
  const nodeKeyAllowed = (key: string): boolean => (operator.gpu && operator.nodeSelectorKeys.includes(key)) || listed(policy.allowedNodeSelectorKeys, key);
  for (const key of Object.keys(predictor.nodeSelector ?? {})) {
    if (!nodeKeyAllowed(key)) out.push(`spec.predictor.nodeSelector "${key}": the operator does not allow selecting nodes on this label`);
  }
  out.push(...affinityViolations(predictor.affinity, namespace, nodeKeyAllowed));
  for (const key of Object.keys(predictor.annotations ?? {})) {
    if (annotationReserved(policy, key)) out.push(`spec.predictor.annotations "${key}": annotations of this domain are reserved for the platform`);
  }
  return out;
}
