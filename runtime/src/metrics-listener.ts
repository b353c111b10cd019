// The listener of the metrics port: `GET /metrics` and nothing else. It is a
// port of its own so that whatever exposes the inference port (a Service, a
// Gateway route, a mesh) never exposes the metrics, and a NetworkPolicy can
// admit scrapes from the monitoring namespace alone.
import type { RequestListener } from 'node:http';

/** A registry, or one summing the front-end threads' registries into the main thread's (server.ts). */
export interface MetricsSource {
  readonly contentType: string;
  metrics(): Promise<string>;
}

export function createMetricsListener(source: MetricsSource): RequestListener {
  return (req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: `no route for ${req.method} ${path}; this port serves GET /metrics` }));
      return;
    }
    source.metrics().then(
      (text) => res.writeHead(200, { 'Content-Type': source.contentType }).end(req.method === 'HEAD' ? undefined : text),
      (error: unknown) => res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`collecting metrics failed: ${error instanceof Error ? error.message : String(error)}`),
    );
  };
}
