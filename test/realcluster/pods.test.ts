// The real-pods tier: a two-node cluster with real kubelets, containerd and kube-proxy in
// network namespaces. Proves pod security settings are enforced by a real runtime, a ClusterIP
// answers through kube-proxy across nodes, the GPU taint keeps other pods off the GPU node,
// the host cannot route to any cluster address, nothing routes out of the cluster, and
// teardown leaves nothing. Every dial to a cluster address runs inside a node's namespace.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GPU_LABEL, GPU_TAINT, startRealCluster, TEST_IMAGE, type RealCluster } from './harness.ts';
import { guardedRanges, inRange, type ClusterLayout } from './layout.ts';
import { leftovers } from './leftovers.ts';
import { sh, trySh } from './host.ts';
import { writeTierRecord } from './record.ts';

const REPO_ROOT = new URL('../..', import.meta.url).pathname;

const log = process.env.MODELSHIP_REALCLUSTER_LOG ? (line: string) => console.error(line) : undefined;
const json = (o: unknown) => JSON.stringify(o);

const secureContainer = (name: string, command: string[], limits = { cpu: '200m', memory: '64Mi' }) => ({
  name,
  image: TEST_IMAGE,
  imagePullPolicy: 'Never',
  command,
  securityContext: {
    runAsUser: 1000,
    runAsNonRoot: true,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
  },
  resources: { limits, requests: limits },
});

const pod = (name: string, spec: Record<string, unknown>, labels: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels },
  // busybox's sleep ignores nothing, but a short grace keeps deletes quick either way.
  spec: { terminationGracePeriodSeconds: 1, ...spec },
});

/** Host-namespace iptables chains named KUBE-*: kube-proxy must never write any here. */
async function hostKubeChains(): Promise<string[]> {
  const r = await trySh('iptables-save', []);
  return r.ok ? r.out.split('\n').filter((l) => l.startsWith(':KUBE-')).sort() : [];
}

describe('real pods: kubelet, containerd and kube-proxy in network namespaces', { timeout: 600_000 }, () => {
  let cluster: RealCluster;
  let l: ClusterLayout;
  let chainsBefore: string[];

  const startedAt = new Date();
  let upAt = 0;

  before(async () => {
    chainsBefore = await hostKubeChains();
    cluster = await startRealCluster(log ? { log } : {});
    l = cluster.layout;
    upAt = Date.now();
    console.log(`# cluster ${l.name} up in ${upAt - startedAt.getTime()} ms`);
  });
  after(async () => {
    await cluster?.stop();
  });

  it('registers both nodes Ready, the GPU node labelled and tainted', async () => {
    const nodes = JSON.parse(await cluster.kubectl(['get', 'nodes', '-o', 'json'])).items as any[];
    const byName = new Map(nodes.map((n) => [n.metadata.name, n]));
    assert.deepEqual([...byName.keys()].sort(), ['cpu-node', 'gpu-node']);
    for (const n of nodes) {
      assert.equal(n.status.conditions.find((c: any) => c.type === 'Ready')?.status, 'True', n.metadata.name);
      assert.equal(n.status.nodeInfo.containerRuntimeVersion.split(':')[0], 'containerd');
    }
    const gpu = byName.get('gpu-node');
    assert.equal(gpu.metadata.labels[GPU_LABEL], 'true');
    assert.deepEqual(gpu.spec.taints, [GPU_TAINT]);
    assert.equal(byName.get('cpu-node').spec.taints, undefined);
  });

  it('runs a pod as UID 1000 with a read-only root, no capabilities and its limits in its cgroup', async () => {
    await cluster.kubectl(['apply', '-f', '-'], json(pod('secure', { containers: [secureContainer('main', ['sleep', '3600'])] })));
    await cluster.kubectl(['wait', '--for=condition=Ready', 'pod/secure', '--timeout=120s']);
    const exec = (...cmd: string[]) => cluster.kubectl(['exec', 'secure', '--', ...cmd]);
    assert.equal((await exec('id', '-u')).trim(), '1000');
    assert.match(await exec('grep', 'CapEff', '/proc/self/status'), /CapEff:\s+0000000000000000/);
    // cgroup v1: runc mounts the container's own cgroup as the root of each hierarchy.
    assert.equal((await exec('cat', '/sys/fs/cgroup/memory/memory.limit_in_bytes')).trim(), String(64 * 1024 * 1024));
    const quota = Number(await exec('cat', '/sys/fs/cgroup/cpu/cpu.cfs_quota_us'));
    const period = Number(await exec('cat', '/sys/fs/cgroup/cpu/cpu.cfs_period_us'));
    assert.equal(quota / period, 0.2);
    await assert.rejects(exec('touch', '/written-by-test'), /Read-only file system/);
    // And the limit is enforced by the node's own cgroup root on the host, not the host's.
    const podCgroups = join('/sys/fs/cgroup/memory', l.nodes[0].cgroupRoot, 'kubepods');
    assert.ok(existsSync(podCgroups), `${podCgroups} exists`);
  });

  it('kills a container that allocates past its memory limit (OOMKilled)', async () => {
    // The shell holds ~100 MB in a variable; the limit is 32Mi.
    const hog = secureContainer('hog', ['sh', '-c', "x=$(head -c 100000000 /dev/zero | tr '\\0' a); echo survived ${#x}"], { cpu: '200m', memory: '32Mi' });
    await cluster.kubectl(['apply', '-f', '-'], json(pod('hog', { restartPolicy: 'Never', containers: [hog] })));
    let reason = '';
    for (let i = 0; i < 300 && reason === ''; i++) {
      reason = (await cluster.kubectl(['get', 'pod', 'hog', '-o', 'jsonpath={.status.containerStatuses[0].state.terminated.reason}'])).trim();
      if (reason === '') await new Promise((r) => setTimeout(r, 300));
    }
    assert.equal(reason, 'OOMKilled');
  });

  it('answers on a ClusterIP through kube-proxy, from both nodes', async () => {
    const web = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            terminationGracePeriodSeconds: 1,
            containers: [
              {
                ...secureContainer('httpd', ['httpd', '-f', '-p', '8080', '-h', '/www'], { cpu: '100m', memory: '32Mi' }),
                ports: [{ containerPort: 8080 }],
                readinessProbe: { httpGet: { path: '/index.html', port: 8080 }, periodSeconds: 1 },
              },
            ],
          },
        },
      },
    };
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } };
    await cluster.kubectl(['apply', '-f', '-'], json({ apiVersion: 'v1', kind: 'List', items: [web, svc] }));
    await cluster.kubectl(['rollout', 'status', 'deployment/web', '--timeout=120s']);
    const ip = (await cluster.kubectl(['get', 'service', 'web', '-o', 'jsonpath={.spec.clusterIP}'])).trim();
    assert.ok(inRange(ip, l.serviceRange), `${ip} in ${l.serviceRange}`);
    // Node 2 has no web pod (the GPU taint): its answers cross the link to node 1's pods.
    for (const node of [1, 2] as const) {
      let body = '';
      for (let i = 0; i < 50 && !body.includes('hello from a real pod'); i++) {
        body = await cluster.httpGet(node, `http://${ip}/index.html`).catch((err: Error) => err.message);
        if (!body.includes('hello')) await new Promise((r) => setTimeout(r, 200));
      }
      assert.match(body, /hello from a real pod/, `node ${node}`);
    }
  });

  it('puts only the tolerating pod on the GPU node', async () => {
    const onGpu = { nodeSelector: { [GPU_LABEL]: 'true' } };
    await cluster.kubectl(['apply', '-f', '-'], json({
      apiVersion: 'v1',
      kind: 'List',
      items: [
        pod('gpu-tolerating', { ...onGpu, tolerations: [{ key: GPU_TAINT.key, operator: 'Exists', effect: 'NoSchedule' }], containers: [secureContainer('main', ['sleep', '3600'])] }),
        pod('gpu-intolerant', { ...onGpu, containers: [secureContainer('main', ['sleep', '3600'])] }),
      ],
    }));
    await cluster.kubectl(['wait', '--for=condition=Ready', 'pod/gpu-tolerating', '--timeout=120s']);
    assert.equal((await cluster.kubectl(['get', 'pod', 'gpu-tolerating', '-o', 'jsonpath={.spec.nodeName}'])).trim(), 'gpu-node');
    const reason = await cluster.kubectl(['get', 'pod', 'gpu-intolerant', '-o', 'jsonpath={.spec.nodeName}|{.status.conditions[?(@.type=="PodScheduled")].reason}']);
    assert.equal(reason.trim(), '|Unschedulable');
    const pods = JSON.parse(await cluster.kubectl(['get', 'pods', '-o', 'json'])).items as any[];
    const onGpuNode = pods.filter((p) => p.spec.nodeName === 'gpu-node').map((p) => p.metadata.name);
    assert.deepEqual(onGpuNode, ['gpu-tolerating']);
  });

  it('resolves Services by name through the cluster DNS (CoreDNS) from pods on both nodes', async () => {
    const svcIp = (await cluster.kubectl(['get', 'service', 'web', '-o', 'jsonpath={.spec.clusterIP}'])).trim();
    // `secure` runs on node 1, `gpu-tolerating` on node 2 (which reaches CoreDNS across the link).
    for (const pod of ['secure', 'gpu-tolerating']) {
      const exec = (...cmd: string[]) => cluster.kubectl(['exec', pod, '--', ...cmd]);
      const resolv = await exec('cat', '/etc/resolv.conf');
      assert.match(resolv, new RegExp(`^nameserver ${l.dnsServiceIp.replaceAll('.', '\\.')}$`, 'm'), pod);
      assert.match(resolv, /^search default\.svc\.cluster\.local svc\.cluster\.local cluster\.local$/m, pod);
      // busybox's nslookup asks for the name as given (no search path; inference.test.ts resolves a short name).
      const answer = await exec('nslookup', '-type=a', 'web.default.svc.cluster.local');
      assert.match(answer, new RegExp(`Name:\\s+web\\.default\\.svc\\.cluster\\.local\\s+Address:\\s+${svcIp.replaceAll('.', '\\.')}\\b`), `${pod}: ${answer}`);
      // A name the cluster does not have is refused, not answered by a wildcard.
      const missing = await exec('sh', '-c', 'nslookup -type=a nothere.default.svc.cluster.local 2>&1; echo "exit=$?"');
      assert.match(missing, /can't find nothere\.default\.svc\.cluster\.local: NXDOMAIN[\s\S]*exit=1/, `${pod}: ${missing}`);
      // (Debian's static busybox crashes in glibc's getaddrinfo, so `wget http://web/` cannot be the
      // client here; inference.test.ts reaches a Service by name with Node in a pod.)
    }
  });

  it('leaves the host no route to pod or Service addresses (asked with ip route get, never dialled)', async () => {
    const podIp = (await cluster.kubectl(['get', 'pod', 'secure', '-o', 'jsonpath={.status.podIP}'])).trim();
    const svcIp = (await cluster.kubectl(['get', 'service', 'web', '-o', 'jsonpath={.spec.clusterIP}'])).trim();
    assert.ok(inRange(podIp, l.podRange), `${podIp} in ${l.podRange}`);
    for (const addr of [podIp, svcIp, l.nodes[0].ip]) {
      const r = await trySh('ip', ['route', 'get', addr]);
      // iproute2 reports an unreachable route as an error (EHOSTUNREACH), or as an `unreachable` line.
      assert.ok(!r.ok ? /No route to host|unreachable/i.test(r.out) : /^unreachable/.test(r.out.trim()), `${addr}: ${r.out}`);
    }
  });

  it('has no route out of the cluster namespaces', async () => {
    const resolver = readFileSync('/etc/resolv.conf', 'utf8').match(/^nameserver\s+(\S+)/m)?.[1] ?? '1.1.1.1';
    const ranges = guardedRanges(l);
    for (const n of l.nodes) {
      const routes = JSON.parse(await sh('ip', ['-n', n.netns, '-j', 'route', 'show'])) as { dst: string }[];
      for (const r of routes) {
        assert.ok(r.dst !== 'default' && ranges.some((range) => inRange(r.dst.split('/')[0]!, range)), `${n.netns}: route ${json(r)}`);
      }
      for (const outside of [resolver, '192.0.2.1', '8.8.8.8']) {
        const r = await trySh('ip', ['-n', n.netns, 'route', 'get', outside]);
        assert.ok(!r.ok && /unreachable/i.test(r.out), `${n.netns} -> ${outside}: ${r.out}`);
      }
    }
  });

  it('tears down without a trace', async () => {
    const stopAt = Date.now();
    const left = await cluster.stop();
    const doneAt = Date.now();
    assert.deepEqual(left, []);
    assert.deepEqual(await leftovers(l), []);
    assert.deepEqual(await hostKubeChains(), chainsBefore);
    if (process.env.MODELSHIP_BENCH_RESULTS === '1') {
      const t0 = startedAt.getTime();
      const times = { clusterUpMs: upAt - t0, testsMs: stopAt - upAt, teardownMs: doneAt - stopAt, totalMs: doneAt - t0 };
      console.log(`# record: ${writeTierRecord(REPO_ROOT, startedAt, times)}`);
    }
  });
});
