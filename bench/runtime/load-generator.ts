// Load generator, run as its own process so that generating load never
// shares an event loop with the server or with the in-process baseline.
// Reads one JSON LoadSpec from argv[2], drives the URL with autocannon for
// the given time and prints one JSON LoadResult line on stdout.
//
// Latencies are taken from autocannon's per-response events (fractional
// milliseconds from process.hrtime) rather than its histogram, which stores
// whole milliseconds: too coarse for a 0.5 ms target.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { summarizeLatencies, type LatencySummary } from './stats.ts';

export interface LoadSpec {
  url: string;
  bodyFile: string;
  headers: Record<string, string>;
  connections: number;
  durationS: number;
  /** Requests per second over all connections (open loop); undefined: each connection sends as fast as answers come. */
  rate?: number | undefined;
}

export interface LoadResult {
  durationS: number;
  ok: number;
  throughputRps: number;
  latency: LatencySummary;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** CPU cores this load generator kept busy: when near 1 it, not the server, may be the limit. */
  cpuCores: number;
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '') as LoadSpec;
  const latencies: number[] = [];
  let ok = 0;
  const instance = autocannon({
    url: spec.url,
    method: 'POST',
    headers: spec.headers,
    body: readFileSync(spec.bodyFile),
    connections: spec.connections,
    duration: spec.durationS,
    ...(spec.rate === undefined ? {} : { overallRate: spec.rate }),
    timeout: 10,
  });
  instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTimeMs: number) => {
    if (statusCode >= 200 && statusCode < 300) {
      ok++;
      latencies.push(responseTimeMs);
    }
  });
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  const result = await instance;
  const durationS = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const out: LoadResult = {
    durationS,
    ok,
    throughputRps: ok / durationS,
    latency: summarizeLatencies(latencies),
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    cpuCores: (cpu.user + cpu.system) / 1e6 / durationS,
  };
  process.stdout.write(JSON.stringify(out) + '\n');
}

await main();
