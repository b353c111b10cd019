// Command lines of the control-plane components, as pure functions of one layout, so the
// choices are visible in one place and testable without starting anything.
import { join } from 'node:path';
import type { Pki } from './pki.ts';

export interface Layout {
  dataDir: string;
  pki: Pki;
  etcdClientPort: number;
  etcdPeerPort: number;
  apiServerPort: number;
  /** Admin kubeconfig, also used by controller-manager and scheduler (system:masters). */
  kubeconfigPath: string;
  /** Whether kube-controller-manager runs; see apiServerArgs for what depends on it. */
  controllerManager: boolean;
}

/** The API server's default Service range. Nothing in our tests may ever dial an address from it. */
export const SERVICE_CIDR = '10.0.0.0/24';
/** The HPA controller's sync period (kube-controller-manager's default is 15 s; 5 s keeps HPA tests short). */
export const HPA_SYNC_PERIOD_S = 5;

export function etcdArgs(l: Layout): string[] {
  const client = `http://127.0.0.1:${l.etcdClientPort}`;
  const peer = `http://127.0.0.1:${l.etcdPeerPort}`;
  return [
    '--name=default',
    `--data-dir=${join(l.dataDir, 'etcd')}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=default=${peer}`,
    // Throwaway data: skipping fsync makes every write (and so every test) much faster.
    '--unsafe-no-fsync',
    '--log-level=warn',
  ];
}

export function apiServerArgs(l: Layout): string[] {
  const p = l.pki;
  return [
    `--etcd-servers=http://127.0.0.1:${l.etcdClientPort}`,
    // A prefix per cluster keeps two API servers apart even if they shared an etcd.
    '--etcd-prefix=/registry',
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    // The `kubernetes` Service's Endpoints would be 127.0.0.1, which validation refuses
    // (an error every 10 s); nothing may dial that Service here anyway.
    '--endpoint-reconciler-type=none',
    `--secure-port=${l.apiServerPort}`,
    `--cert-dir=${join(l.dataDir, 'apiserver-certs')}`,
    `--tls-cert-file=${p.servingCert}`,
    `--tls-private-key-file=${p.servingKey}`,
    `--client-ca-file=${p.caCert}`,
    `--service-cluster-ip-range=${SERVICE_CIDR}`,
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${p.serviceAccountPub}`,
    `--service-account-signing-key-file=${p.serviceAccountKey}`,
    '--authorization-mode=RBAC',
    '--allow-privileged=true',
    // Aggregation layer (custom metrics API): the API server proxies to extension servers
    // with the front-proxy client certificate, and to endpoint addresses rather than to a
    // Service ClusterIP, which nothing may dial here.
    `--requestheader-client-ca-file=${p.frontProxyCaCert}`,
    '--requestheader-allowed-names=front-proxy-client',
    '--requestheader-username-headers=X-Remote-User',
    '--requestheader-group-headers=X-Remote-Group',
    '--requestheader-extra-headers-prefix=X-Remote-Extra-',
    `--proxy-client-cert-file=${p.frontProxyClientCert}`,
    `--proxy-client-key-file=${p.frontProxyClientKey}`,
    '--enable-aggregator-routing=true',
    // The ServiceAccount admission plugin refuses pods until the namespace's `default`
    // ServiceAccount exists, which only kube-controller-manager creates.
    ...(l.controllerManager ? [] : ['--disable-admission-plugins=ServiceAccount']),
    '--v=1',
  ];
}

/** What controller-manager and scheduler share: admin credentials, one instance, no port. */
function clientArgs(l: Layout): string[] {
  return [
    `--kubeconfig=${l.kubeconfigPath}`,
    `--authentication-kubeconfig=${l.kubeconfigPath}`,
    `--authorization-kubeconfig=${l.kubeconfigPath}`,
    // No serving port: nothing scrapes it, and it would be one more port to race for.
    '--secure-port=0',
    // A single instance: taking the leader lease would only delay start-up.
    '--leader-elect=false',
  ];
}

export function controllerManagerArgs(l: Layout): string[] {
  const p = l.pki;
  return [
    ...clientArgs(l),
    // Every default controller: Deployment/ReplicaSet, garbage collector, HPA,
    // EndpointSlice, namespace, service accounts and their tokens, node lifecycle...
    '--controllers=*',
    `--service-account-private-key-file=${p.serviceAccountKey}`,
    `--root-ca-file=${p.caCert}`,
    `--cluster-signing-cert-file=${p.caCert}`,
    `--cluster-signing-key-file=${p.caKey}`,
    `--horizontal-pod-autoscaler-sync-period=${HPA_SYNC_PERIOD_S}s`,
    '--v=1',
  ];
}

export function schedulerArgs(l: Layout): string[] {
  return [...clientArgs(l), '--v=1'];
}
