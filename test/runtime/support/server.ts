// Starting the real runtime for integration tests: in-process (startServer on
// a free loopback port) or as a child process (`node runtime/src/main.ts`),
// plus small HTTP helpers. Everything talks to 127.0.0.1 only.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createLogger } from '../../../common/src/logger.ts';
import { MAIN_THREAD_ONLY_FLAGS, parseServeConfig } from '../../../runtime/src/config.ts';
import { startServer, type RunningServer, type ServerOptions } from '../../../runtime/src/server.ts';

export const MAIN = fileURLToPath(new URL('../../../runtime/src/main.ts', import.meta.url));

/**
 * MODELSHIP_TEST_FRONTEND_THREADS=N serves every test runtime with N
 * front-end threads (make test-runtime-frontend-threads runs the REST suites
 * so), unless the test chose its own or uses a feature that keeps the front
 * end on the main thread.
 */
export function withFrontendThreads(flags: readonly string[]): readonly string[] {
  const threads = process.env.MODELSHIP_TEST_FRONTEND_THREADS;
  const named = flags.map((f) => f.replace(/^--/, '').split('=')[0] ?? '');
  if (threads === undefined || named.includes('frontend-threads') || named.some((f) => MAIN_THREAD_ONLY_FLAGS.includes(f))) return flags;
  return ['--frontend-threads', threads, ...flags];
}

export interface TestServer {
  readonly url: string;
  /** Base URL of the metrics port (GET /metrics). */
  readonly metricsUrl: string;
  readonly running: RunningServer;
  close(): Promise<void>;
}

export async function startTestServer(modelPath: string, flags: readonly string[] = [], modelName = 'm', options: ServerOptions = {}): Promise<TestServer> {
  const config = parseServeConfig(['--model-name', modelName, '--model-path', modelPath, '--host', '127.0.0.1', '--port', '0', '--grpc-port', '0', '--metrics-port', '0', '--access-log', 'false', ...withFrontendThreads(flags)], {}, 2);
  const running = await startServer(config, createLogger({ component: 'test', silent: true }), options);
  try {
    await running.ready;
  } catch (error) {
    await running.shutdown();
    throw error;
  }
  return {
    url: `http://127.0.0.1:${running.port}`,
    metricsUrl: `http://127.0.0.1:${running.metricsPort}`,
    running,
    async close() {
      await running.shutdown();
    },
  };
}

export interface ChildServer {
  readonly url: string;
  /** The runtime's gRPC port. */
  readonly grpcPort: number;
  readonly metricsUrl: string;
  readonly child: ChildProcess;
  readonly output: () => string;
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>;
}

/** Runs `node runtime/src/main.ts` on a free port and waits until it is ready (bounded). */
export async function startChildServer(modelPath: string, flags: readonly string[] = [], modelName = 'm', env: NodeJS.ProcessEnv = process.env): Promise<ChildServer> {
  const allFlags = withFrontendThreads(flags);
  const child = spawn(process.execPath, [MAIN, '--model-name', modelName, '--model-path', modelPath, '--host', '127.0.0.1', '--port', '0', '--grpc-port', '0', '--metrics-port', '0', ...allFlags], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  // Each front-end thread compiles the app again (about 0.5 s of CPU), which a loaded machine stretches: 30 s per thread.
  const at = allFlags.indexOf('--frontend-threads');
  const threads = at < 0 ? 1 : Math.max(1, Number(allFlags[at + 1]));
  const deadline = Date.now() + 30_000 * threads;
  let url: string | undefined;
  let grpcPort = 0;
  let metricsUrl = '';
  while (Date.now() < deadline) {
    const listening = output.split('\n').find((line) => line.includes('"message":"listening"')) ?? '';
    const port = /"port":(\d+)/.exec(listening)?.[1];
    const metricsPort = /"metricsPort":(\d+)/.exec(listening)?.[1];
    if (port && metricsPort && output.includes('"message":"model ready"')) {
      url = `http://127.0.0.1:${port}`;
      grpcPort = Number(/"grpcPort":(\d+)/.exec(listening)?.[1] ?? 0);
      metricsUrl = `http://127.0.0.1:${metricsPort}`;
      break;
    }
    if (child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  if (!url) {
    child.kill('SIGKILL');
    throw new Error(`the runtime did not become ready:\n${output}`);
  }
  return { url, grpcPort, metricsUrl, child, output: () => output, exited };
}

/** Resident set size of a process in bytes, from /proc (Linux). */
export async function rssOf(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  if (!kb) throw new Error('no VmRSS in /proc status');
  return Number(kb) * 1024;
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Left as text; the caller's assertions will say what was wrong.
  }
  return { status: response.status, body: parsed, headers: response.headers };
}

/** The value of one series on a runtime's /metrics (0 when absent). */
export async function metric(url: string, series: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

/** Polls `check` every 20 ms until it holds; fails naming `what` after `ms`. */
export async function until(what: string, ms: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.fail(`${what} within ${ms} ms`);
}
