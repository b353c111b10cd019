// One measured load run against a running server, with the server's CPU per
// request (utime+stime of all its threads from /proc over the requests
// answered: on a shared machine this moves far less with the neighbours'
// load than throughput does). Shared by bench/grpc and bench/peer.
import type { LoadResult } from './load-generator.ts';
import type { RunningServer } from './server-process.ts';
import { round } from './stats.ts';

export interface ServerLoadSample {
  throughputRps: number;
  p50Ms: number;
  p99Ms: number;
  /** Calls that failed or timed out. */
  failed: number;
  serverCores: number;
  cpuUsPerRequest: number;
  loadGeneratorCores: number;
}

export async function measureServerLoad(server: RunningServer, load: () => Promise<LoadResult>): Promise<ServerLoadSample> {
  const before = server.cpuSeconds();
  const started = performance.now();
  const r = await load();
  const wallS = (performance.now() - started) / 1000;
  const after = server.cpuSeconds();
  if (before === undefined || after === undefined) throw new Error('server CPU needs /proc (Linux)');
  return {
    throughputRps: round(r.throughputRps, 1),
    p50Ms: round(r.latency.p50Ms),
    p99Ms: round(r.latency.p99Ms),
    failed: r.non2xx + r.errors + r.timeouts,
    serverCores: round((after - before) / wallS, 3),
    // Over every answered request: the generator's start and drain cost the server nothing.
    cpuUsPerRequest: round(((after - before) * 1e6) / Math.max(1, r.ok), 1),
    loadGeneratorCores: round(r.cpuCores, 3),
  };
}

export function formatSample(s: ServerLoadSample): string {
  return `${s.throughputRps} req/s, p50 ${s.p50Ms} ms, p99 ${s.p99Ms} ms, server ${s.serverCores} cores = ${s.cpuUsPerRequest} us/request, load generator ${s.loadGeneratorCores} cores${s.failed ? `, ${s.failed} failed` : ''}`;
}
