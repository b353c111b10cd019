// The per-cluster layout and node configuration, checked without starting anything: clusters
// in different slots never share an address, name or cgroup root, and no range covers the
// machine's DNS resolver.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { BLOCK, clusterLayout, guardedRanges, inRange, SLOTS, type ClusterLayout } from './layout.ts';
import { cniConflist, kubeletConfig, nodePaths } from './configs.ts';

const all = Array.from({ length: SLOTS }, (_, s) => clusterLayout(s, '/tmp'));
const network = (cidr: string) => cidr.split('/')[0]!;

describe('cluster layout', () => {
  it('keeps every range inside the block and off the DNS resolver', () => {
    const resolvers = ['10.255.255.53', ...[...readFileSync('/etc/resolv.conf', 'utf8').matchAll(/^nameserver\s+(\S+)/gm)].map((m) => m[1]!)];
    for (const l of all) {
      for (const r of guardedRanges(l)) {
        assert.ok(inRange(network(r), BLOCK), `${r} in ${BLOCK}`);
        for (const dns of resolvers.filter((a) => a.includes('.'))) assert.ok(!inRange(dns, r), `${r} covers resolver ${dns}`);
      }
    }
  });

  it('gives each slot its own ranges, namespaces, cgroup roots and work dir', () => {
    const ranges = all.flatMap(guardedRanges);
    for (const [i, a] of ranges.entries()) {
      for (const b of ranges.slice(i + 1)) assert.ok(!inRange(network(a), b) && !inRange(network(b), a), `${a} overlaps ${b}`);
    }
    for (const pick of [(l: ClusterLayout) => [l.workDir], (l: ClusterLayout) => l.nodes.map((n) => n.netns), (l: ClusterLayout) => l.nodes.map((n) => n.cgroupRoot)]) {
      const names = all.flatMap(pick);
      assert.equal(new Set(names).size, names.length, names.join(' '));
    }
    // Interface names are limited to 15 characters by the kernel.
    for (const n of all.flatMap((l) => l.nodes)) assert.ok(n.veth.length <= 15, n.veth);
  });

  it('puts node addresses, pod subnets and the kubernetes Service inside the guarded ranges', () => {
    for (const l of all) {
      assert.ok(inRange(l.apiServiceIp, l.serviceRange));
      assert.ok(inRange(l.dnsServiceIp, l.serviceRange));
      assert.notEqual(l.dnsServiceIp, l.apiServiceIp);
      for (const n of l.nodes) {
        assert.ok(inRange(n.ip, l.nodeRange));
        assert.ok(inRange(network(n.podSubnet), l.podRange));
        assert.ok(inRange(n.podGateway, n.podSubnet));
      }
      assert.notEqual(l.nodes[0].podSubnet, l.nodes[1].podSubnet);
    }
  });

  it('refuses a slot outside the table', () => {
    assert.throws(() => clusterLayout(SLOTS, '/tmp'), /outside/);
    assert.throws(() => clusterLayout(-1, '/tmp'), /outside/);
  });

  it('inRange decides by prefix', () => {
    assert.ok(inRange('10.129.1.7', '10.129.0.0/16'));
    assert.ok(!inRange('10.130.0.1', '10.129.0.0/16'));
    assert.ok(inRange('10.255.255.53', '10.0.0.0/8'));
    assert.ok(!inRange('10.255.255.53', BLOCK));
  });
});

describe('node configuration', () => {
  const l = all[3]!;
  it('gives each node its own cgroup root, runtime socket and pod subnet', () => {
    const [a, b] = l.nodes.map((n) => JSON.parse(kubeletConfig(l, n, '/ca.crt')));
    assert.notEqual(a.cgroupRoot, b.cgroupRoot);
    assert.equal(a.cgroupRoot, `/${l.nodes[0].cgroupRoot}`);
    assert.equal(a.containerRuntimeEndpoint, `unix://${nodePaths(l.nodes[0]).containerdSocket}`);
    // Both nodes hand their pods the one cluster DNS address.
    assert.deepEqual([a.clusterDNS, b.clusterDNS], [[l.dnsServiceIp], [l.dnsServiceIp]]);
    const [ca, cb] = l.nodes.map((n) => JSON.parse(cniConflist(l, n)).plugins[0]);
    assert.equal(ca.ipam.ranges[0][0].subnet, l.nodes[0].podSubnet);
    assert.equal(cb.ipam.ranges[0][0].subnet, l.nodes[1].podSubnet);
    // No masquerade: pod traffic keeps its source, and nothing may leave the namespaces anyway.
    assert.equal(ca.ipMasq, false);
  });
});

describe('API server flags', () => {
  it('replaces a flag rather than repeating it', async () => {
    const { withFlags } = await import('./harness.ts');
    assert.deepEqual(withFlags(['--a=1', '--authorization-mode=RBAC', '--b'], ['--authorization-mode=Node,RBAC']), [
      '--a=1',
      '--b',
      '--authorization-mode=Node,RBAC',
    ]);
  });
});
