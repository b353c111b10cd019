// The cluster DNS: CoreDNS (built from its Go module, test/cluster/tools/coredns) as a process in
// node 1's network namespace, answering for cluster.local from the API server through its
// kubernetes plugin, behind the `kube-system/kube-dns` Service at a fixed ClusterIP that every
// kubelet hands its pods (clusterDNS). The Service has no selector: its one EndpointSlice names
// node 1's address, so pods on either node reach CoreDNS through kube-proxy as they would reach a
// CoreDNS pod. CoreDNS reads the API as `system:coredns`, bound to upstream's ClusterRole.
// Nothing forwards: names outside the cluster get no answer (the cluster has no route out).
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildKubeconfig } from '../cluster/kubeconfig.ts';
import { leafExt, makeCert, opensslConfig, type Pki } from '../cluster/pki.ts';
import type { ClusterLayout } from './layout.ts';

export const CLUSTER_DOMAIN = 'cluster.local';
/** CoreDNS's readiness endpoint (the `ready` plugin: 200 once the kubernetes plugin has synced), in node 1's namespace. */
export const DNS_READY_URL = 'http://127.0.0.1:8181/ready';

export const dnsPaths = (l: ClusterLayout) => ({
  corefile: join(l.workDir, 'Corefile'),
  kubeconfig: join(l.workDir, 'coredns.kubeconfig'),
});

/** Pure: the Corefile. Listens on every address of node 1's namespace (the cluster's own), port 53. */
export function corefile(kubeconfig: string): string {
  return `.:53 {
    errors
    health 127.0.0.1:8180
    ready 127.0.0.1:8181
    kubernetes ${CLUSTER_DOMAIN} in-addr.arpa ip6.arpa {
        kubeconfig ${kubeconfig}
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
    }
    cache 30
    loadbalance
}
`;
}

/** Writes CoreDNS's client certificate, kubeconfig and Corefile; resolves the args to run it with. */
export async function writeDnsFiles(l: ClusterLayout, pkiDir: string, pki: Pki): Promise<string[]> {
  await makeCert(pkiDir, opensslConfig(pkiDir), { name: 'coredns', subject: '/CN=system:coredns', ca: 'ca', ext: leafExt('clientAuth') });
  const pem = (f: string) => readFile(f, 'utf8');
  const p = dnsPaths(l);
  const kubeconfig = buildKubeconfig({
    server: l.apiServerUrl,
    caCert: await pem(pki.caCert),
    clientCert: await pem(join(pkiDir, 'coredns.crt')),
    clientKey: await pem(join(pkiDir, 'coredns.key')),
    name: l.name,
  });
  await writeFile(p.kubeconfig, kubeconfig, { mode: 0o600 });
  await writeFile(p.corefile, corefile(p.kubeconfig));
  return ['-conf', p.corefile];
}

/** Pure: the RBAC, Service and EndpointSlice that put CoreDNS behind the cluster DNS address. */
export function dnsManifests(l: ClusterLayout): Record<string, unknown> {
  const dnsPorts = [
    { name: 'dns', port: 53, protocol: 'UDP' },
    { name: 'dns-tcp', port: 53, protocol: 'TCP' },
  ];
  return {
    apiVersion: 'v1',
    kind: 'List',
    items: [
      {
        // CoreDNS's own ClusterRole (its deployment repo's kubernetes manifest): read-only, what the kubernetes plugin watches.
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: 'system:coredns' },
        rules: [
          { apiGroups: [''], resources: ['endpoints', 'services', 'pods', 'namespaces'], verbs: ['list', 'watch'] },
          { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] },
        ],
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: 'system:coredns' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:coredns' },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'system:coredns' }],
      },
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'kube-dns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } },
        spec: { clusterIP: l.dnsServiceIp, ports: dnsPorts.map((p) => ({ ...p, targetPort: 53 })) },
      },
      {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: {
          name: 'kube-dns-node',
          namespace: 'kube-system',
          labels: { 'kubernetes.io/service-name': 'kube-dns', 'endpointslice.kubernetes.io/managed-by': 'realcluster.modelship.io' },
        },
        addressType: 'IPv4',
        endpoints: [{ addresses: [l.nodes[0].ip], conditions: { ready: true }, nodeName: l.nodes[0].name }],
        ports: dnsPorts,
      },
    ],
  };
}
