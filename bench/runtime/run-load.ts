// Runs load-generator.ts (HTTP) or grpc-load-generator.ts (gRPC) in its own
// process for one spec and returns its LoadResult (shared by the runtime and
// observability benchmarks).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GrpcLoadSpec } from './grpc-load-generator.ts';
import type { LoadResult, LoadSpec } from './load-generator.ts';

const GENERATOR = fileURLToPath(new URL('./load-generator.ts', import.meta.url));
const GRPC_GENERATOR = fileURLToPath(new URL('./grpc-load-generator.ts', import.meta.url));

/** `cpus`: a CPU list for `taskset -c`, to keep the load generator on its own core. */
export function runLoad(spec: LoadSpec | GrpcLoadSpec, cpus?: string): Promise<LoadResult> {
  const generator = 'target' in spec ? GRPC_GENERATOR : GENERATOR;
  const argv = [process.execPath, generator, JSON.stringify(spec)];
  const [command, ...args] = cpus === undefined ? argv : ['taskset', '-c', cpus, ...argv];
  return new Promise((resolve, reject) => {
    const child = spawn(command!, args, { cwd: path.dirname(generator), stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    // Bounded: the load itself plus generous slack for start and drain.
    const timer = setTimeout(() => child.kill('SIGKILL'), (spec.durationS + 30) * 1000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`load generator exited with ${code}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').pop() ?? '') as LoadResult);
      } catch (err) {
        reject(new Error(`load generator printed no result: ${out.slice(0, 500)}`, { cause: err }));
      }
    });
  });
}
