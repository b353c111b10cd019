// Real sinks for the payload-logging and tracing tests, all on 127.0.0.1:
// the CloudEvents receiver (official Python SDK, test/observe/ce_receiver.py),
// MinIO (built by test/cluster/build-binaries.sh), DuckDB to read JSONL back,
// and a runtime metric reader.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { binaryPath } from '../cluster/binaries.ts';
import { freePorts } from '../cluster/ports.ts';

const VENV = process.env.MODELSHIP_OBSERVE_VENV ?? path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'modelship', 'venv-observe');
export const PYTHON = path.join(VENV, 'bin', 'python');
const RECEIVER = fileURLToPath(new URL('./ce_receiver.py', import.meta.url));

/** Polls `check` every 50 ms until it returns a value, for at most `ms`. */
export async function eventually<T>(what: string, check: () => T | undefined | Promise<T | undefined>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(50);
  }
}

export interface ReceivedEvent {
  readonly attributes: Record<string, unknown>;
  readonly data: unknown;
  readonly headers: Record<string, string>;
}

export interface Receiver {
  readonly url: string;
  readonly port: number;
  /** Every event decoded so far; SDK rejections fail the test through `errors`. */
  events(): ReceivedEvent[];
  errors(): string[];
  /** Makes later deliveries answer `status` after `delayMs` (202 and 0 restore normal). */
  fault(status: number, delayMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startReceiver(port?: number): Promise<Receiver> {
  const listenOn = port ?? (await freePorts(1))[0]!;
  const child = spawn(PYTHON, [RECEIVER, String(listenOn)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const events: ReceivedEvent[] = [];
  const errors: string[] = [];
  let buffered = '';
  let stderr = '';
  let listening = false;
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const record = JSON.parse(buffered.slice(0, nl));
      buffered = buffered.slice(nl + 1);
      if ('listening' in record) listening = true;
      else if ('error' in record) errors.push(record.error);
      else events.push(record);
    }
  });
  await eventually(`the CloudEvents receiver to listen (${stderr})`, () => (listening ? true : child.exitCode !== null ? assert.fail(`receiver exited: ${stderr}`) : undefined), 30_000);
  const url = `http://127.0.0.1:${listenOn}`;
  return {
    url,
    port: listenOn,
    events: () => events,
    errors: () => errors,
    async fault(status, delayMs = 0) {
      const res = await fetch(`${url}/_control?status=${status}&delay_ms=${delayMs}`, { method: 'POST', signal: AbortSignal.timeout(5000) });
      assert.equal(res.status, 204);
    },
    stop: () => stopProcess(child),
  };
}

export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

export const MINIO_USER = 'modelship-test';
export const MINIO_PASSWORD = 'modelship-test-secret';

export interface Minio {
  readonly endpoint: string;
  stop(): Promise<void>;
}

export async function startMinio(): Promise<Minio> {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'modelship-observe-minio-'));
  const [port, consolePort] = await freePorts(2);
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn(
    binaryPath('minio'),
    ['server', path.join(scratch, 'data'), '--address', `127.0.0.1:${port}`, '--console-address', `127.0.0.1:${consolePort}`, '--quiet'],
    { env: { PATH: process.env.PATH ?? '', HOME: scratch, MINIO_ROOT_USER: MINIO_USER, MINIO_ROOT_PASSWORD: MINIO_PASSWORD, MINIO_BROWSER: 'off' }, stdio: 'ignore' },
  );
  await eventually('minio to be ready', async () => {
    if (child.exitCode !== null) assert.fail('minio exited during start-up');
    try {
      return (await fetch(`${endpoint}/minio/health/ready`, { signal: AbortSignal.timeout(1000) })).status === 200 ? true : undefined;
    } catch {
      return undefined;
    }
  }, 30_000);
  return {
    endpoint,
    async stop() {
      await stopProcess(child);
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}

/** Runs a DuckDB query over local files with the venv's duckdb; returns rows as objects. */
export function duckdb(sql: string): Record<string, unknown>[] {
  const script = 'import duckdb, json, sys\nrel = duckdb.sql(sys.argv[1])\ncols = rel.columns\nprint(json.dumps([dict(zip(cols, row)) for row in rel.fetchall()], default=str))';
  const run = spawnSync(PYTHON, ['-c', script, sql], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout);
}

/** The value of one sample of a runtime metric at its metrics URL (the --metrics-port listener; 0 when absent). */
export async function metricValue(baseUrl: string, name: string, labels: Record<string, string>): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const ok = Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`));
    if (ok) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}

/** One span as the collector's file exporter writes it (OTLP JSON), with its resource attributes. */
export interface CollectedSpan {
  readonly name: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly kind: number;
  readonly startTimeUnixNano: string;
  readonly endTimeUnixNano: string;
  readonly attributes: Record<string, unknown>;
  readonly links: { traceId: string; spanId: string }[];
  readonly status: { code?: number; message?: string };
  readonly resource: Record<string, unknown>;
}

export interface Collector {
  /** The OTLP/HTTP traces URL to give --tracing-endpoint. */
  readonly endpoint: string;
  readonly file: string;
  spans(): CollectedSpan[];
  stop(): Promise<void>;
}

type OtlpValue = { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean };
type OtlpAttribute = { key: string; value: OtlpValue };
const attributesOf = (list: OtlpAttribute[] | undefined): Record<string, unknown> =>
  Object.fromEntries((list ?? []).map(({ key, value }) => [key, value.stringValue ?? (value.intValue !== undefined ? Number(value.intValue) : undefined) ?? value.doubleValue ?? value.boolValue]));

/** Parses the file exporter's output: one OTLP JSON export request per line. */
export function parseOtlpFile(text: string): CollectedSpan[] {
  const spans: CollectedSpan[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    for (const rs of JSON.parse(line).resourceSpans ?? []) {
      const resource = attributesOf(rs.resource?.attributes);
      for (const ss of rs.scopeSpans ?? []) {
        for (const s of ss.spans ?? []) {
          spans.push({
            name: s.name, traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId ?? '', kind: s.kind,
            startTimeUnixNano: s.startTimeUnixNano, endTimeUnixNano: s.endTimeUnixNano,
            attributes: attributesOf(s.attributes), links: (s.links ?? []).map((l: { traceId: string; spanId: string }) => ({ traceId: l.traceId, spanId: l.spanId })),
            status: s.status ?? {}, resource,
          });
        }
      }
    }
  }
  return spans;
}

/** Starts the OpenTelemetry Collector built from test/cluster/tools/otelcol on a free loopback port. */
export async function startCollector(): Promise<Collector> {
  const { readFileSync, writeFileSync, existsSync } = await import('node:fs');
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'modelship-otelcol-'));
  const [port] = await freePorts(1);
  const file = path.join(scratch, 'traces.jsonl');
  const config = path.join(scratch, 'config.yaml');
  writeFileSync(config, [
    'receivers:',
    '  otlp:',
    '    protocols:',
    '      http:',
    `        endpoint: 127.0.0.1:${port}`,
    'exporters:',
    '  file:',
    `    path: ${file}`,
    '    flush_interval: 100ms',
    'service:',
    '  telemetry:',
    '    logs:',
    '      level: warn',
    '    metrics:',
    '      level: none',
    '  pipelines:',
    '    traces:',
    '      receivers: [otlp]',
    '      exporters: [file]',
    '',
  ].join('\n'));
  let output = '';
  const child = spawn(binaryPath('otelcol'), ['--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const endpoint = `http://127.0.0.1:${port}/v1/traces`;
  // An empty export request is answered 200 once the receiver is up.
  await eventually(`the collector to listen (${output})`, async () => {
    if (child.exitCode !== null) assert.fail(`the collector exited: ${output}`);
    try {
      const res = await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"resourceSpans":[]}', signal: AbortSignal.timeout(1000) });
      return res.status === 200 ? true : undefined;
    } catch {
      return undefined;
    }
  }, 30_000);
  return {
    endpoint,
    file,
    spans: () => (existsSync(file) ? parseOtlpFile(readFileSync(file, 'utf8')) : []),
    async stop() {
      await stopProcess(child);
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}
