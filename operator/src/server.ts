// The operator's own HTTP endpoints: /healthz (the process works; never the
// API server's state), /readyz (caches synced, watches working, leader state:
// see probes.ts) and /metrics.
import http from 'node:http';
import type { Registry } from 'prom-client';
import type { ProbeResult } from './probes.ts';

export interface ProbeDeps {
  registry: Registry;
  healthy(): ProbeResult;
  ready(): ProbeResult;
  /** Refreshes gauges that are sampled rather than counted. */
  beforeScrape?(): void;
}

export function createOperatorServer(deps: ProbeDeps): http.Server {
  return http.createServer((req, res) => {
    const send = (code: number, body: string, type = 'text/plain; charset=utf-8'): void => {
      res.writeHead(code, { 'content-type': type });
      res.end(body);
    };
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') return send(405, 'method not allowed\n');
    switch (path) {
      case '/healthz': {
        const h = deps.healthy();
        return send(h.ok ? 200 : 500, h.ok ? 'ok\n' : `unhealthy: ${h.reason ?? ''}\n`);
      }
      case '/readyz': {
        const r = deps.ready();
        return send(r.ok ? 200 : 503, r.ok ? `ok${r.detail === undefined ? '' : ` (${r.detail})`}\n` : `not ready: ${r.reason ?? ''}\n`);
      }
      case '/metrics':
        deps.beforeScrape?.();
        deps.registry.metrics().then((text) => send(200, text, deps.registry.contentType), (err: unknown) => send(500, String(err)));
        return;
      default:
        return send(404, 'not found\n');
    }
  });
}
