// The hostname an InferenceService answers on through the Gateway or an Istio
// gateway, and which InferenceService holds a hostname when two would share
// it. The default `<name>.<namespace>.<domain>` (Knative's and KServe's
// pattern) cannot collide: names and namespaces are DNS labels without dots.
// An administrator may choose another template (a wildcard certificate covers
// one label, so `{name}-{namespace}.{domain}` is common); there `a-b` in `c`
// and `a` in `b-c` meet, and the one created first keeps the hostname.

export const HOSTNAME_PLACEHOLDERS = ['{name}', '{namespace}', '{domain}'] as const;
export const DEFAULT_HOSTNAME_TEMPLATE = '{name}.{namespace}.{domain}';

export interface HostnameSettings {
  /** The domain routes answer under. */
  ingressDomain: string;
  /** {name}, {namespace} and {domain} replaced. */
  hostnameTemplate: string;
}

interface Meta { name: string; namespace: string; creationTimestamp?: Date | string; uid?: string }

export function routeHostname(meta: Pick<Meta, 'name' | 'namespace'>, s: HostnameSettings): string {
  return s.hostnameTemplate.replaceAll('{name}', meta.name).replaceAll('{namespace}', meta.namespace).replaceAll('{domain}', s.ingressDomain);
}

/** Why a template cannot be used, or undefined. */
export function hostnameTemplateProblem(template: string): string | undefined {
  for (const needed of ['{name}', '{namespace}']) {
    if (!template.includes(needed)) return `must contain ${needed}, or InferenceServices of different names or namespaces would share a hostname`;
  }
  const rest = HOSTNAME_PLACEHOLDERS.reduce((t, p) => t.replaceAll(p, 'x'), template);
  if (/[{}]/.test(rest)) return `may use only the placeholders ${HOSTNAME_PLACEHOLDERS.join(', ')}`;
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(rest)) return 'must render to a DNS name (lower case letters, digits, - and .)';
  return undefined;
}

const created = (m: Meta): number => (m.creationTimestamp === undefined ? Number.POSITIVE_INFINITY : new Date(m.creationTimestamp).getTime());

/** Earlier holds the hostname: creation time, then namespace/name, so every pass and replica agrees. */
function before(a: Meta, b: Meta): boolean {
  const [ta, tb] = [created(a), created(b)];
  if (ta !== tb) return ta < tb;
  return `${a.namespace}/${a.name}` < `${b.namespace}/${b.name}`;
}

/**
 * The InferenceService (`namespace/name`) that holds `self`'s hostname when
 * another one created before it would answer on the same hostname; undefined
 * when `self` holds it.
 */
export function hostnameHolder(self: Meta, all: Iterable<Meta>, s: HostnameSettings): string | undefined {
  const mine = routeHostname(self, s);
  let holder: Meta | undefined;
  for (const other of all) {
    if (other.namespace === self.namespace && other.name === self.name) continue;
    if (routeHostname(other, s) !== mine || !before(other, self)) continue;
    if (holder === undefined || before(other, holder)) holder = other;
  }
  return holder === undefined ? undefined : `${holder.namespace}/${holder.name}`;
}
