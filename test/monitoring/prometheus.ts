// A real Prometheus (Debian's package, /usr/bin/prometheus; installed by
// test/localcluster/monitoring/ensure-prometheus.sh) on 127.0.0.1 with a
// configuration the test writes, and a loopback exposition the test controls:
// what the operator's drift query, the chart's alert rules and the
// dashboard's queries are checked against. Nothing listens beyond loopback.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import { freePorts } from '../cluster/ports.ts';
import { ManagedProcess } from '../cluster/processes.ts';

export const PROMETHEUS = 'prometheus';

/** Throws, saying how to install it, when Prometheus is missing (a check never drops itself silently). */
export function requirePrometheus(): void {
  try {
    execFileSync('sh', ['-c', `command -v ${PROMETHEUS} && command -v promtool`], { stdio: 'ignore' });
  } catch {
    throw new Error('prometheus/promtool are not installed: run test/localcluster/monitoring/ensure-prometheus.sh (make e2e-deps)');
  }
}

export interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface LocalPrometheus {
  url: string;
  query(promql: string): Promise<Sample[]>;
  /** The alerts of the loaded rule files (GET /api/v1/alerts). */
  alerts(): Promise<Array<{ labels: Record<string, string>; state: string }>>;
  stop(): Promise<void>;
}

export interface PrometheusOptions {
  /** Scrape targets: host:port on 127.0.0.1, each with the target labels to add (namespace, pod, ...). */
  targets: Array<{ address: string; labels: Record<string, string> }>;
  scrapeIntervalSeconds?: number;
  /** Rule files (absolute paths) to load, evaluated every scrape interval. */
  ruleFiles?: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startPrometheus(opts: PrometheusOptions): Promise<LocalPrometheus> {
  requirePrometheus();
  const dir = mkdtempSync(join(tmpdir(), 'modelship-prometheus-'));
  const [port] = (await freePorts(1)) as [number];
  const interval = `${opts.scrapeIntervalSeconds ?? 1}s`;
  writeFileSync(join(dir, 'prometheus.yml'), dump({
    global: { scrape_interval: interval, evaluation_interval: interval, scrape_timeout: interval },
    ...(opts.ruleFiles !== undefined ? { rule_files: opts.ruleFiles } : {}),
    scrape_configs: opts.targets.map((t, i) => ({ job_name: `target-${i}`, static_configs: [{ targets: [t.address], labels: t.labels }] })),
  }));
  const process = new ManagedProcess({
    name: 'prometheus',
    command: PROMETHEUS,
    args: [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    logFile: join(dir, 'prometheus.log'),
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    process.killSync();
    await process.exited;
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (!process.running) throw new Error(`prometheus exited:\n${process.tail()}`);
    if (await fetch(`${url}/-/ready`).then((r) => r.ok, () => false)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus not ready after 60 s:\n${process.tail()}`);
    }
    await sleep(200);
  }
  const api = async <T>(path: string): Promise<T> => {
    const r = await fetch(`${url}${path}`);
    const body = (await r.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`${path}: ${body.error ?? r.status}`);
    return body.data;
  };
  return {
    url,
    query: async (promql) => (await api<{ result: Sample[] }>(`/api/v1/query?query=${encodeURIComponent(promql)}`)).result,
    alerts: async () => (await api<{ alerts: Array<{ labels: Record<string, string>; state: string }> }>('/api/v1/alerts')).alerts,
    stop,
  };
}

/** A /metrics page on 127.0.0.1 whose text the test sets at will (what Prometheus scrapes as a stand-in runtime pod). */
export interface Exposition {
  address: string;
  set(text: string): void;
  close(): Promise<void>;
}

export async function serveExposition(initial = ''): Promise<Exposition> {
  let text = initial;
  const server: Server = createServer((_req, res) => {
    res.setHeader('content-type', 'text/plain; version=0.0.4');
    res.end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address !== 'object') throw new Error('no address');
  return {
    address: `127.0.0.1:${address.port}`,
    set: (t) => { text = t; },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
