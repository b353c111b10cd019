// The hostname an InferenceService answers on through the Gateway or an Istio
// gateway, and which InferenceService holds a hostname when two would share
// it. The default `<name>.<namespace>.<domain>` (Knative's and KServe's
// pattern) cannot collide: names and namespaces are DNS labels without dots.
// An administrator may choose another template (a wildcard certificate covers
// one label, so `{name}-{namespace}.{domain}` is common); there `a-b` in `c`
// and `a` in `b-c` meet, and the one created first keeps the hostname.
// Gateway API forbids an HTTPRoute and a GRPCRoute sharing a hostname on one
// listener, so the protocol that is not the primary one (gRPC, or REST with
// grpc-v2) answers on the template rendered for `<name>-<protocol>`: the same
// shape, so the same wildcard certificate covers it. Under the default
// template that can meet only another InferenceService's hostname in the same
// namespace (`iris`'s gRPC host is `iris-grpc`'s plain one); every hostname of
// an InferenceService takes part in the same first-created-keeps-it rule.

export const HOSTNAME_PLACEHOLDERS = ['{name}', '{namespace}', '{domain}'] as const;
export const DEFAULT_HOSTNAME_TEMPLATE = '{name}.{namespace}.{domain}';

export interface HostnameSettings {
  /** The domain routes answer under. */
  ingressDomain: string;
  /** {name}, {namespace} and {domain} replaced. */
  hostnameTemplate: string;
}

export type RouteProtocol = 'http' | 'grpc';

interface Meta { name: string; namespace: string; creationTimestamp?: Date | string; uid?: string }
/** An InferenceService as the hostname rule sees it: its metadata and which protocol takes the plain hostname. */
export interface HostnameClaimant extends Meta { primary: RouteProtocol }

export function routeHostname(meta: Pick<Meta, 'name' | 'namespace'>, s: HostnameSettings): string {
  return s.hostnameTemplate.replaceAll('{name}', meta.name).replaceAll('{namespace}', meta.namespace).replaceAll('{domain}', s.ingressDomain);
}

/** The hostname of each protocol's route: the template's for the primary one, the template's for `<name>-<protocol>` for the other. */
export function routeHostnames(meta: Pick<Meta, 'name' | 'namespace'>, primary: RouteProtocol, s: HostnameSettings): Record<RouteProtocol, string> {
  const of = (protocol: RouteProtocol) => routeHostname(protocol === primary ? meta : { ...meta, name: `${meta.name}-${protocol}` }, s);
  return { http: of('http'), grpc: of('grpc') };
}

const claimed = (c: HostnameClaimant, s: HostnameSettings): string[] => Object.values(routeHostnames(c, c.primary, s));

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

/** Who holds one of an InferenceService's hostnames: `namespace/name` of the holder and the hostname. */
export interface HeldHostname { holder: string; hostname: string }

/**
 * The InferenceService (`namespace/name`) that holds one of `self`'s
 * hostnames (either protocol's) because it was created before `self` and
 * answers on the same hostname with either of its own; undefined when `self`
 * holds all of its hostnames.
 */
export function hostnameHolder(self: HostnameClaimant, all: Iterable<HostnameClaimant>, s: HostnameSettings): HeldHostname | undefined {
  const mine = new Set(claimed(self, s));
  let held: { by: Meta; hostname: string } | undefined;
  for (const other of all) {
    if (other.namespace === self.namespace && other.name === self.name) continue;
    if (!before(other, self) || (held !== undefined && !before(other, held.by))) continue;
    const shared = claimed(other, s).find((h) => mine.has(h));
    if (shared !== undefined) held = { by: other, hostname: shared };
  }
  return held === undefined ? undefined : { holder: `${held.by.namespace}/${held.by.name}`, hostname: held.hostname };
}
