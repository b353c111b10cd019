// Header pinning without a router (Service mode): the shared Service sends a
// connection to any pod of the split, so a request whose variant header
// (--variant-header, default x-modelship-variant) names another variant is
// forwarded by the pod that received it to that variant's own Service
// (--variant-routes name=url,...). A forwarded request carries
// x-modelship-forwarded and is never forwarded again, so a wrong route
// cannot loop. Requests naming this pod's own variant, an unknown variant or
// none are served here. Every answer names the variant that produced it in
// the same header, so a client or an A/B framework can record exposure.
import { Agent, request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type { Logger } from '../../../common/src/logger.ts';

export const DEFAULT_VARIANT_HEADER = 'x-modelship-variant';
export const FORWARDED_HEADER = 'x-modelship-forwarded';

export interface VariantRouting {
  /** Lower-case request (and response) header naming a variant. */
  readonly header: string;
  /** This pod's variant. */
  readonly self: string;
  /** Other variants' base URLs, by name. */
  readonly routes: ReadonlyMap<string, string>;
}

// Hop-by-hop headers (RFC 9110 7.6.1) are not forwarded.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host']);

function forwardHeaders(headers: IncomingMessage['headers']): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  return out;
}

/**
 * Returns a handler that forwards and answers a request pinned to another
 * variant (true), or stamps this pod's variant on the answer and leaves the
 * request to the server (false).
 */
export function variantForwarder(routing: VariantRouting, logger: Logger): (req: IncomingMessage, res: ServerResponse) => boolean {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  return (req, res) => {
    const wanted = req.headers[routing.header];
    const target = typeof wanted === 'string' && wanted !== routing.self && req.headers[FORWARDED_HEADER] === undefined ? routing.routes.get(wanted) : undefined;
    if (target === undefined) {
      res.setHeader(routing.header, routing.self);
      return false;
    }
    const url = new URL(req.url ?? '/', target);
    const upstream = httpRequest(url, { method: req.method, headers: { ...forwardHeaders(req.headers), host: url.host, [FORWARDED_HEADER]: routing.self }, agent }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, forwardHeaders(answer.headers) as Record<string, string | string[]>);
      answer.pipe(res);
    });
    upstream.on('error', (error) => {
      logger.warn('forwarding a pinned request failed', { variant: wanted, target, error: error.message });
      if (res.headersSent) res.destroy();
      else {
        const body = JSON.stringify({ error: `variant ${String(wanted)} could not be reached: ${error.message}` });
        res.writeHead(502, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), [routing.header]: routing.self }).end(body);
      }
    });
    // A client gone mid-request takes the forwarded request with it.
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
    return true;
  };
}

/** `name=target,...` with DNS-label names, each target checked by `check` (which throws); shared with the gRPC routes. */
export function parseNamedTargets(text: string, what: string, check: (target: string, entry: string) => void): Map<string, string> {
  const routes = new Map<string, string>();
  for (const entry of text.split(',').map((e) => e.trim()).filter((e) => e !== '')) {
    const eq = entry.indexOf('=');
    const name = entry.slice(0, eq);
    const target = entry.slice(eq + 1);
    if (eq < 1 || !/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/.test(name)) throw new Error(`'${entry}' is not name=${what} with a DNS-label name`);
    check(target, entry);
    routes.set(name, target);
  }
  return routes;
}

/** `--variant-routes`: `name=url,name=url`, names as DNS labels, URLs http(s). */
export function parseVariantRoutes(text: string): Map<string, string> {
  return parseNamedTargets(text, 'url', (url, entry) => {
    if (!/^https?:\/\/[^/?#\s]+([/?#]\S*)?$/.test(url)) throw new Error(`'${entry}': the URL must be http:// or https:// with a host`);
  });
}
