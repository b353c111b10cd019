// The peer benchmark's pure part: pairing each runtime figure with the peer's
// (same model, protocol and concurrency) and judging issue 14's targets, so
// `bench/peer/targets.test.ts` checks them without starting a server.

export interface PeerSummary {
  server: 'modelship' | 'kserve';
  model: string;
  protocol: 'json' | 'binary' | 'grpc';
  concurrency: number;
  throughputRps: number;
  p50Ms: number;
  p99Ms: number;
  cpuUsPerRequest: number;
  serverCores: number;
  loadGeneratorCores: number;
  failed: number;
}

export interface PeerRatio {
  model: string;
  protocol: PeerSummary['protocol'];
  concurrency: number;
  modelship: PeerSummary;
  kserve: PeerSummary;
  /** modelship req/s over KServe's. */
  throughput: number;
  /** KServe's p99 over modelship's (higher is better for modelship). */
  p99: number;
  /** KServe's CPU per request over modelship's. */
  cpu: number;
}

export interface PeerTarget {
  name: string;
  value: string;
  pass: boolean;
}

const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;

export function peerRatios(summary: readonly PeerSummary[]): PeerRatio[] {
  return summary.flatMap((m) => {
    if (m.server !== 'modelship') return [];
    const k = summary.find((s) => s.server === 'kserve' && s.model === m.model && s.protocol === m.protocol && s.concurrency === m.concurrency);
    if (k === undefined) return [];
    return [{ model: m.model, protocol: m.protocol, concurrency: m.concurrency, modelship: m, kserve: k, throughput: ratio(m.throughputRps, k.throughputRps), p99: ratio(k.p99Ms, m.p99Ms), cpu: ratio(k.cpuUsPerRequest, m.cpuUsPerRequest) }];
  });
}

/** Issue 14's goals: at c=64, >= 12x the peer's throughput at <= 1/6 of its p99; on iris, <= 50 µs of CPU per request over binary REST or gRPC. */
export function peerTargets(summary: readonly PeerSummary[], ratios: readonly PeerRatio[], top = 64): PeerTarget[] {
  const atTop = ratios.filter((r) => r.concurrency === top);
  const targets: PeerTarget[] = atTop.flatMap((r) => [
    { name: `${r.model} ${r.protocol} c=${top}: throughput >= 12x the peer's`, value: `${r.throughput}x`, pass: r.throughput >= 12 },
    { name: `${r.model} ${r.protocol} c=${top}: p99 <= 1/6 of the peer's`, value: `peer p99 / ours = ${r.p99}x`, pass: r.p99 >= 6 },
  ]);
  const iris = summary.filter((s) => s.server === 'modelship' && s.model === 'iris' && s.concurrency === top && (s.protocol === 'binary' || s.protocol === 'grpc'));
  if (iris.length > 0) {
    const best = iris.reduce((a, b) => (b.cpuUsPerRequest < a.cpuUsPerRequest ? b : a));
    targets.push({ name: `iris c=${top}: CPU per request <= 50 µs over binary REST or gRPC`, value: iris.map((s) => `${s.protocol} ${s.cpuUsPerRequest} µs`).join(', '), pass: best.cpuUsPerRequest <= 50 });
  }
  return targets;
}
