// gRPC load generator, its own process like the HTTP one (load-generator.ts):
// reads one JSON GrpcLoadSpec from argv[2], keeps `connections` unary
// ModelInfer calls in flight on one channel (one HTTP/2 connection, as a gRPC
// client does) for the given time, and prints one JSON LoadResult line.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Client, credentials, Metadata } from '@grpc/grpc-js';
import type { LoadResult } from './load-generator.ts';
import { summarizeLatencies } from './stats.ts';

export interface GrpcLoadSpec {
  target: string;
  method: string;
  bodyFile: string;
  connections: number;
  durationS: number;
}

const identity = (b: Buffer): Buffer => b;

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '') as GrpcLoadSpec;
  const body = readFileSync(spec.bodyFile);
  const client = new Client(spec.target, credentials.createInsecure(), { 'grpc.max_receive_message_length': -1 });
  const latencies: number[] = [];
  let ok = 0;
  let failed = 0;
  let timeouts = 0;
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  const end = started + spec.durationS * 1000;
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const t0 = performance.now();
      client.makeUnaryRequest(spec.method, identity, identity, body, new Metadata(), { deadline: Date.now() + 10_000 }, (error) => {
        if (error) {
          if (error.code === 4) timeouts++;
          else failed++;
        } else {
          ok++;
          latencies.push(performance.now() - t0);
        }
        resolve();
      });
    });
  const loop = async (): Promise<void> => {
    while (performance.now() < end) await one();
  };
  await Promise.all(Array.from({ length: spec.connections }, loop));
  const durationS = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  client.close();
  const out: LoadResult = {
    durationS,
    ok,
    throughputRps: ok / durationS,
    latency: summarizeLatencies(latencies),
    non2xx: failed,
    errors: 0,
    timeouts,
    cpuCores: (cpu.user + cpu.system) / 1e6 / durationS,
  };
  process.stdout.write(JSON.stringify(out) + '\n');
}

await main();
