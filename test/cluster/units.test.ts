// Cluster-free tests of the harness's pure parts: versions list, component command lines,
// Node/Lease objects, kubeconfig and CRD parsing.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { load } from 'js-yaml';
import { binDir, parseVersions } from './binaries.ts';
import { apiServerArgs, controllerManagerArgs, etcdArgs, type Layout } from './components.ts';
import { parseCrds } from './crds.ts';
import { buildKubeconfig } from './kubeconfig.ts';
import { buildLease, buildNode } from './nodes.ts';

describe('versions.txt', () => {
  const entries = parseVersions(readFileSync(new URL('./tools/versions.txt', import.meta.url), 'utf8'));

  it('lists the core set at one Kubernetes release', () => {
    const core = entries.filter((e) => e.set === 'core').map((e) => e.name);
    assert.deepEqual(core.sort(), ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubectl']);
    const k8s = new Set(entries.filter((e) => e.set === 'core' && e.name !== 'etcd').map((e) => e.version));
    assert.equal(k8s.size, 1);
  });

  it('refuses a malformed line', () => {
    assert.throws(() => parseVersions('etcd v1\n'), /malformed/);
  });

  it('puts the cache under XDG_CACHE_HOME unless MODELSHIP_BIN_DIR says otherwise', () => {
    assert.equal(binDir({ XDG_CACHE_HOME: '/c', HOME: '/h' }), '/c/modelship/bin');
    assert.equal(binDir({ HOME: '/h' }), '/h/.cache/modelship/bin');
    assert.equal(binDir({ MODELSHIP_BIN_DIR: '/b', HOME: '/h' }), '/b');
  });
});

describe('component command lines', () => {
  const layout = (controllerManager: boolean): Layout => ({
    dataDir: '/d',
    pki: {
      caCert: '/d/ca.crt', caKey: '/d/ca.key', servingCert: '/d/s.crt', servingKey: '/d/s.key',
      adminCert: '/d/a.crt', adminKey: '/d/a.key', serviceAccountKey: '/d/sa.key', serviceAccountPub: '/d/sa.pub',
      frontProxyCaCert: '/d/f.crt', frontProxyClientCert: '/d/fc.crt', frontProxyClientKey: '/d/fc.key',
    },
    etcdClientPort: 1001,
    etcdPeerPort: 1002,
    apiServerPort: 1003,
    kubeconfigPath: '/d/kubeconfig',
    controllerManager,
  });

  it('binds everything to loopback', () => {
    const args = [...etcdArgs(layout(true)), ...apiServerArgs(layout(true))].join(' ');
    assert.doesNotMatch(args, /[=/ ]0\.0\.0\.0/);
    assert.match(args, /--bind-address=127\.0\.0\.1/);
    assert.match(args, /--listen-client-urls=http:\/\/127\.0\.0\.1:1001/);
  });

  it('routes the aggregation layer to endpoints, never to a ClusterIP', () => {
    assert.ok(apiServerArgs(layout(true)).includes('--enable-aggregator-routing=true'));
  });

  it('keeps ServiceAccount admission only when the controller-manager creates the accounts', () => {
    assert.ok(!apiServerArgs(layout(true)).some((a) => a.startsWith('--disable-admission-plugins')));
    assert.ok(apiServerArgs(layout(false)).includes('--disable-admission-plugins=ServiceAccount'));
  });

  it('gives the controller-manager the service-account signing key', () => {
    assert.ok(controllerManagerArgs(layout(true)).includes('--service-account-private-key-file=/d/sa.key'));
  });
});

describe('fake nodes', () => {
  const now = new Date('2026-01-01T00:00:00Z');

  it('builds a Ready node with capacity, allocatable, labels and taints', () => {
    const node = buildNode(
      { name: 'gpu', labels: { pool: 'gpu' }, capacity: { 'nvidia.com/gpu': '2' }, taints: [{ key: 'nvidia.com/gpu', effect: 'NoSchedule' }] },
      now,
    );
    assert.equal(node.metadata?.labels?.['kubernetes.io/hostname'], 'gpu');
    assert.equal(node.metadata?.labels?.pool, 'gpu');
    assert.equal(node.status?.capacity?.['nvidia.com/gpu'], '2');
    assert.equal(node.status?.allocatable?.cpu, '8');
    assert.deepEqual(node.spec?.taints, [{ key: 'nvidia.com/gpu', value: undefined, effect: 'NoSchedule' }]);
    assert.equal(node.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
  });

  it('lets the spec override default capacity', () => {
    assert.equal(buildNode({ name: 'n', capacity: { cpu: '2' } }, now).status?.capacity?.cpu, '2');
  });

  it('builds a lease owned by its node, renewTime in microseconds', () => {
    const lease = buildLease({ metadata: { name: 'n', uid: 'u1' } }, now);
    assert.equal(lease.metadata?.namespace, 'kube-node-lease');
    assert.equal(lease.metadata?.ownerReferences?.[0]?.uid, 'u1');
    assert.equal(JSON.parse(JSON.stringify(lease.spec?.renewTime)), '2026-01-01T00:00:00.000000Z');
  });
});

describe('kubeconfig', () => {
  it('embeds the certificates', () => {
    const cfg = load(buildKubeconfig({ server: 'https://127.0.0.1:1', caCert: 'CA', clientCert: 'C', clientKey: 'K', name: 'x' })) as {
      clusters: Array<{ cluster: Record<string, string> }>;
      users: Array<{ user: Record<string, string> }>;
      'current-context': string;
    };
    assert.equal(cfg.clusters[0]?.cluster['certificate-authority-data'], Buffer.from('CA').toString('base64'));
    assert.equal(cfg.users[0]?.user['client-key-data'], Buffer.from('K').toString('base64'));
    assert.equal(cfg['current-context'], 'x');
  });
});

describe('CRD files', () => {
  it('parses every document and refuses other kinds', () => {
    const crd = 'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: a.b.c}\n';
    assert.equal(parseCrds(`${crd}---\n${crd}---\n`, 'f').length, 2);
    assert.throws(() => parseCrds('kind: ConfigMap\nmetadata: {name: x}\n', 'f.yaml'), /f\.yaml: document 1/);
  });
});

describe('CRD models', () => {
  it('keeps x-kubernetes-* schema extensions through client-node serialization', () => {
    const text = readFileSync(new URL('./fixtures/widgets.crd.yaml', import.meta.url), 'utf8');
    const [crd] = parseCrds(text, 'widgets');
    const spec = crd?.spec.versions[0]?.schema?.openAPIV3Schema?.properties?.spec;
    assert.equal(spec?.x_kubernetes_validations?.[0]?.rule, 'self.minReplicas <= self.maxReplicas');
  });
});

describe('binaryPath', () => {
  it('says which make target builds a missing binary', async () => {
    const { binaryPath } = await import('./binaries.ts');
    const saved = process.env.MODELSHIP_BIN_DIR;
    process.env.MODELSHIP_BIN_DIR = '/nonexistent/modelship-bin';
    try {
      assert.throws(() => binaryPath('kube-apiserver'), /kube-apiserver v1\.35\.\d+ is not built .*make cluster-binaries/);
      assert.throws(() => binaryPath('helm'), /make cluster-tools/);
    } finally {
      if (saved === undefined) delete process.env.MODELSHIP_BIN_DIR;
      else process.env.MODELSHIP_BIN_DIR = saved;
    }
  });
});
