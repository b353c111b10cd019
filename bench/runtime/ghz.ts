// gRPC load from ghz (a Go client, built by test/cluster/build-binaries.sh
// into the binary cache): `connections` unary ModelInfer calls in flight on
// one HTTP/2 connection, the request a serialized ModelInferRequest sent as
// is. A Go client costs the shared cores a fraction of what a Node.js
// grpc-js client does (grpc-load-generator.ts spent about as much CPU per
// call as the server it measured), so the server, not the client, sets the
// figures. Latencies come from ghz's per-call details, summarized like the
// HTTP generator's (stats.ts).
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { binaryPath } from '../../test/cluster/binaries.ts';
import type { LoadResult } from './load-generator.ts';
import { procCpuSeconds } from './server-process.ts';
import { summarizeLatencies } from './stats.ts';

const PROTO = fileURLToPath(new URL('../../runtime/proto/grpc_predict_v2.proto', import.meta.url));

export interface GhzSpec {
  target: string;
  /** Fully qualified method, `package.Service/Method`. */
  call: string;
  bodyFile: string;
  connections: number;
  durationS: number;
  /** Requests per second over all workers (open loop); undefined: each worker sends as fast as answers come. */
  rate?: number | undefined;
  /** CPU list for `taskset -c` (the load generator's own core), or undefined to run unpinned. */
  cpus?: string | undefined;
}

/** ghz's command line for `spec`, its JSON report written to `output`. */
export function ghzArgs(spec: GhzSpec, output: string): string[] {
  return [
    '--insecure',
    '--proto',
    PROTO,
    '--call',
    spec.call,
    '--binary-file',
    spec.bodyFile,
    '--disable-template-functions',
    '--disable-template-data',
    '--concurrency',
    String(spec.connections),
    '--connections',
    '1',
    '--duration',
    `${spec.durationS}s`,
    ...(spec.rate === undefined ? [] : ['--rps', String(spec.rate)]),
    // Calls still in flight when the time is up are neither errors nor samples.
    '--duration-stop',
    'ignore',
    '--timeout',
    '10s',
    '--format',
    'json',
    '--output',
    output,
    spec.target,
  ];
}

interface GhzReport {
  count: number;
  /** Nanoseconds, as every duration in the report. */
  total: number;
  statusCodeDistribution?: Record<string, number>;
  details?: Array<{ latency: number; status: string }>;
}

/** A ghz JSON report as the LoadResult every generator returns; `cpuSeconds` is ghz's own CPU time. */
export function ghzResult(report: GhzReport, cpuSeconds: number): LoadResult {
  const durationS = report.total / 1e9;
  const okLatencies = (report.details ?? []).filter((d) => d.status === 'OK').map((d) => d.latency / 1e6);
  const statuses = report.statusCodeDistribution ?? {};
  const failed = Object.entries(statuses).reduce((n, [status, count]) => (status === 'OK' || status === 'DeadlineExceeded' ? n : n + count), 0);
  return {
    durationS,
    ok: okLatencies.length,
    throughputRps: okLatencies.length / durationS,
    latency: summarizeLatencies(okLatencies),
    non2xx: failed,
    errors: 0,
    timeouts: statuses['DeadlineExceeded'] ?? 0,
    cpuCores: cpuSeconds / durationS,
  };
}

export async function runGhz(spec: GhzSpec): Promise<LoadResult> {
  const ghz = binaryPath('ghz');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'modelship-ghz-'));
  const output = path.join(dir, 'report.json');
  try {
    const args = ghzArgs(spec, output);
    const [command, argv] = spec.cpus === undefined ? [ghz, args] : ['taskset', ['-c', spec.cpus, ghz, ...args]];
    const child = spawn(command, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
    // ghz's CPU, sampled until it exits (the last sample misses at most the final 100 ms: its report writing).
    let cpu = 0;
    const sampler = setInterval(() => (cpu = child.pid === undefined ? cpu : (procCpuSeconds(child.pid) ?? cpu)), 100);
    // Bounded: the load itself plus generous slack for start and drain.
    const killer = setTimeout(() => child.kill('SIGKILL'), (spec.durationS + 30) * 1000);
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', resolve);
    }).finally(() => {
      clearInterval(sampler);
      clearTimeout(killer);
    });
    if (code !== 0) throw new Error(`ghz exited with ${code}: ${stderr}`);
    return ghzResult(JSON.parse(await readFile(output, 'utf8')) as GhzReport, cpu);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
