// Configuration files of one node (containerd, CNI, kubelet, kube-proxy), as pure functions of
// its layout. JSON throughout: the kubelet and kube-proxy read JSON as YAML, and containerd's
// TOML is the one file written as text. Each setting that differs from upstream says why.
import { join } from 'node:path';
import type { ClusterLayout, NodeLayout } from './layout.ts';
import { CLUSTER_DOMAIN } from './dns.ts';

/** The sandbox (pause) image every pod's network namespace is held by; imported, never pulled. */
export const PAUSE_IMAGE = 'localhost/modelship/pause:1';

export const nodePaths = (n: NodeLayout) => ({
  containerdConfig: join(n.dir, 'containerd.toml'),
  containerdRoot: join(n.dir, 'containerd', 'root'),
  containerdState: join(n.dir, 'containerd', 'state'),
  containerdSocket: join(n.dir, 'containerd', 'containerd.sock'),
  runcRoot: join(n.dir, 'containerd', 'runc'),
  cniConfDir: join(n.dir, 'cni', 'net.d'),
  cniIpamDir: join(n.dir, 'cni', 'ipam'),
  kubeletConfig: join(n.dir, 'kubelet.json'),
  kubeletRoot: join(n.dir, 'kubelet'),
  podLogs: join(n.dir, 'pod-logs'),
  kubeProxyConfig: join(n.dir, 'kube-proxy.json'),
  /** Bind-mounted file holding the node's mount namespace (`unshare --mount=`). */
  mountNs: join(n.dir, 'ns', 'mnt'),
  nsDir: join(n.dir, 'ns'),
  sysctlStandIns: join(n.dir, 'sysctl'),
  kubeletKubeconfig: join(n.dir, 'kubelet.kubeconfig'),
  kubeProxyKubeconfig: join(n.dir, 'kube-proxy.kubeconfig'),
  servingCert: join(n.dir, 'kubelet-serving.crt'),
  servingKey: join(n.dir, 'kubelet-serving.key'),
});

export function containerdToml(n: NodeLayout): string {
  const p = nodePaths(n);
  return `version = 2
root = ${JSON.stringify(p.containerdRoot)}
state = ${JSON.stringify(p.containerdState)}
[grpc]
  address = ${JSON.stringify(p.containerdSocket)}
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = ${JSON.stringify(PAUSE_IMAGE)}
  # Without CAP_SYS_RESOURCE (a container host) lowering a child's oom_score_adj fails.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = ${JSON.stringify(p.runcRoot)}
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = ${JSON.stringify(p.cniConfDir)}
    max_conf_num = 1
`;
}

/** Bridge + host-local with the node's own /24; no masquerade: nothing may leave the namespaces. */
export function cniConflist(l: ClusterLayout, n: NodeLayout): string {
  return JSON.stringify(
    {
      cniVersion: '0.4.0',
      name: l.name,
      plugins: [
        {
          type: 'bridge',
          bridge: n.bridge,
          isGateway: true,
          ipMasq: false,
          hairpinMode: true,
          ipam: {
            type: 'host-local',
            ranges: [[{ subnet: n.podSubnet, gateway: n.podGateway }]],
            routes: [{ dst: '0.0.0.0/0' }],
            dataDir: nodePaths(n).cniIpamDir,
          },
        },
        { type: 'loopback' },
      ],
    },
    null,
    2,
  );
}

export function kubeletConfig(l: ClusterLayout, n: NodeLayout, caCert: string): string {
  const p = nodePaths(n);
  return JSON.stringify(
    {
      apiVersion: 'kubelet.config.k8s.io/v1beta1',
      kind: 'KubeletConfiguration',
      // Machines like this one run cgroup v1, which v1.35 refuses unless told otherwise.
      failCgroupV1: false,
      cgroupDriver: 'cgroupfs',
      // Every pod cgroup under a root of our own, so two nodes (and two clusters) never meet.
      cgroupRoot: `/${n.cgroupRoot}`,
      containerRuntimeEndpoint: `unix://${p.containerdSocket}`,
      failSwapOn: false,
      // The kubelet would otherwise insist on host sysctl values; it writes stand-ins here.
      protectKernelDefaults: false,
      resolvConf: '',
      podLogsDir: p.podLogs,
      address: n.ip,
      port: 10250,
      readOnlyPort: 0,
      healthzBindAddress: '127.0.0.1',
      healthzPort: 10248,
      tlsCertFile: p.servingCert,
      tlsPrivateKeyFile: p.servingKey,
      authentication: { anonymous: { enabled: false }, webhook: { enabled: false }, x509: { clientCAFile: caCert } },
      authorization: { mode: 'AlwaysAllow' },
      rotateCertificates: false,
      serverTLSBootstrap: false,
      // Pods get the cluster DNS (dns.ts) and the usual search path; the node has no resolv.conf of its own to pass on.
      clusterDomain: CLUSTER_DOMAIN,
      clusterDNS: [l.dnsServiceIp],
      maxPods: 30,
      // Short sync so a test's pod changes show quickly.
      nodeStatusUpdateFrequency: '5s',
    },
    null,
    2,
  );
}

export function kubeProxyConfig(l: ClusterLayout, n: NodeLayout): string {
  return JSON.stringify(
    {
      apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
      kind: 'KubeProxyConfiguration',
      mode: 'iptables',
      clientConnection: { kubeconfig: nodePaths(n).kubeProxyKubeconfig },
      hostnameOverride: n.name,
      bindAddress: '0.0.0.0',
      clusterCIDR: l.podRange,
      metricsBindAddress: '127.0.0.1:10249',
      healthzBindAddress: '127.0.0.1:10256',
      // The conntrack sysctls are host-wide (not per namespace) and not ours to change.
      conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: '0s', tcpCloseWaitTimeout: '0s' },
    },
    null,
    2,
  );
}
