import assert from 'node:assert/strict';
import { test } from 'node:test';
import { peerRatios, peerTargets, type PeerSummary } from './targets.ts';

const row = (server: PeerSummary['server'], protocol: PeerSummary['protocol'], concurrency: number, throughputRps: number, p99Ms: number, cpuUsPerRequest: number, model = 'iris'): PeerSummary => ({
  server, model, protocol, concurrency, throughputRps, p50Ms: p99Ms / 2, p99Ms, cpuUsPerRequest, serverCores: 1, loadGeneratorCores: 0.5, failed: 0,
});

test('pairs each runtime figure with the peer figure of the same model, protocol and concurrency', () => {
  const ratios = peerRatios([row('modelship', 'json', 64, 12_000, 10, 80), row('kserve', 'json', 64, 1_000, 70, 900), row('kserve', 'json', 1, 500, 3, 1500), row('modelship', 'grpc', 64, 9_000, 10, 60)]);
  assert.equal(ratios.length, 1, 'json c=64 only: grpc has no peer figure and c=1 no runtime figure');
  assert.deepEqual({ throughput: ratios[0]!.throughput, p99: ratios[0]!.p99, cpu: ratios[0]!.cpu }, { throughput: 12, p99: 7, cpu: 11.25 });
});

test('judges the targets at c=64: 12x throughput, 1/6 p99, 50 µs on iris over binary or gRPC', () => {
  const summary = [
    row('modelship', 'binary', 64, 11_900, 10, 49),
    row('kserve', 'binary', 64, 1_000, 60, 900),
    row('modelship', 'grpc', 64, 13_000, 9, 70),
    row('kserve', 'grpc', 64, 1_000, 50, 800),
    row('modelship', 'json', 64, 13_000, 9, 45),
    row('kserve', 'json', 64, 1_000, 60, 900),
  ];
  const targets = peerTargets(summary, peerRatios(summary));
  const by = (name: string) => targets.find((t) => t.name.startsWith(name))!.pass;
  assert.equal(by('iris binary c=64: throughput'), false, '11.9x is below 12x');
  assert.equal(by('iris binary c=64: p99'), true, 'exactly 6x passes');
  assert.equal(by('iris grpc c=64: throughput'), true);
  assert.equal(by('iris grpc c=64: p99'), false, '50/9 < 6');
  const cpu = targets.find((t) => t.name.includes('CPU per request'))!;
  assert.equal(cpu.pass, true, 'binary at 49 µs is the best of binary and gRPC; JSON does not count');
  assert.match(cpu.value, /binary 49 µs, grpc 70 µs/);
  const slow = peerTargets([row('modelship', 'binary', 64, 1, 1, 51), row('modelship', 'json', 64, 1, 1, 10)], []);
  assert.equal(slow.find((t) => t.name.includes('CPU'))!.pass, false, 'JSON at 10 µs does not rescue binary at 51 µs');
});
