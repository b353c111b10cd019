// Starts the real runtime server (`node runtime/src/main.ts serve ...`) as a
// child process on a free loopback port, waits until it is ready, and stops
// it the way Kubernetes would (SIGTERM, then SIGKILL after a grace period).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ServerOptions {
  repoRoot: string;
  modelName: string;
  modelPath: string;
  maxBatchSize: number;
  maxQueueDelayMs: number;
  maxQueueSize: number;
  workers: number;
  /** Extra node flags, e.g. --cpu-prof for profiling. */
  nodeArgs: string[];
  extraArgs: string[];
  /** A CPU list for `taskset -c` (the server's own core), or undefined to run unpinned. */
  cpus?: string | undefined;
}

export interface RunningServer {
  baseUrl: string;
  /** host:port of the runtime's gRPC port (0 when the server has none). */
  grpcTarget: string;
  stop(): Promise<void>;
  /** Everything the server wrote, for diagnosing a failed start. */
  output(): string;
  /** CPU seconds the server process (all threads) has used so far; undefined off Linux. */
  cpuSeconds(): number | undefined;
  /** CPU seconds of its main thread alone (the one that parses, batches and answers requests: what bounds throughput). */
  mainThreadCpuSeconds(): number | undefined;
  /** The server's process id (per-thread CPU from /proc/<pid>/task, pinning with taskset). */
  readonly pid: number | undefined;
}

/** utime + stime of a process (or, with `thread`, of its main thread) from /proc, in seconds (Linux, USER_HZ 100). */
export function procCpuSeconds(pid: number | undefined, thread = false): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(thread ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name, which may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

async function waitReady(baseUrl: string, child: ChildProcess, output: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${output()}`);
    try {
      const res = await fetch(`${baseUrl}/v2/health/ready`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // Not listening yet.
    }
    await sleep(100);
  }
  throw new Error(`server not ready within ${timeoutMs} ms:\n${output()}`);
}

/** The runtime's command line for `o` on `port` (HTTP) and `grpcPort`. */
function runtimeArgs(o: ServerOptions, port: number, grpcPort: number): string[] {
  return [
    ...o.nodeArgs,
    'runtime/src/main.ts',
    'serve',
    '--model-name',
    o.modelName,
    '--model-path',
    o.modelPath,
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--grpc-port',
    String(grpcPort),
    // Several servers run side by side: each takes a free metrics port.
    '--metrics-port',
    '0',
    '--max-batch-size',
    String(o.maxBatchSize),
    '--max-queue-delay-ms',
    String(o.maxQueueDelayMs),
    '--max-queue-size',
    String(o.maxQueueSize),
    '--workers',
    String(o.workers),
    ...o.extraArgs,
  ];
}

export async function startServer(o: ServerOptions): Promise<RunningServer> {
  const grpcPort = await freePort();
  const server = await startNodeServer(o.repoRoot, (port) => runtimeArgs(o, port, grpcPort), o.cpus);
  return { ...server, grpcTarget: `127.0.0.1:${grpcPort}` };
}

/** Runs `node <args(port)>` (under `taskset -c cpus` when given) on a free port until /v2/health/ready answers 200. */
export async function startNodeServer(cwd: string, args: (port: number) => string[], cpus?: string): Promise<RunningServer> {
  const port = await freePort();
  return startProcess(cwd, cpus === undefined ? [process.execPath, ...args(port)] : ['taskset', '-c', cpus, process.execPath, ...args(port)], `http://127.0.0.1:${port}`);
}

/**
 * Runs `argv` (any server: the peer benchmark's Python one too) until `baseUrl`/v2/health/ready answers 200.
 * `taskset` execs its command, so the pid (and its /proc CPU) is the server's.
 */
export async function startProcess(cwd: string, argv: readonly string[], baseUrl: string, env?: NodeJS.ProcessEnv): Promise<RunningServer> {
  const [command, ...rest] = argv;
  const child = spawn(command!, rest, { cwd, stdio: ['ignore', 'pipe', 'pipe'], ...(env === undefined ? {} : { env }) });
  // Keep only the tail: an access log under load would otherwise grow
  // without bound in this process.
  let log = '';
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const output = () => log;

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await waitReady(baseUrl, child, output, 60_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return { baseUrl, grpcTarget: '127.0.0.1:0', stop, output, cpuSeconds: () => procCpuSeconds(child.pid), mainThreadCpuSeconds: () => procCpuSeconds(child.pid, true), pid: child.pid };
}
