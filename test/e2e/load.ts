// A bounded load generator: `concurrency` clients each send requests back to
// back (a new connection per request, so the service proxy spreads them over
// pods as kube-proxy spreads connections) until `durationMs` has passed, the
// request budget is spent, or it is stopped. Loopback targets only.
import { http } from '../localcluster/http.ts';

export interface LoadOptions {
  url: string;
  body: unknown;
  concurrency: number;
  durationMs: number;
  /** Hard cap on requests sent, whatever the duration. */
  maxRequests: number;
}

export interface LoadResult {
  sent: number;
  ok: number;
  failed: number;
  statuses: Record<string, number>;
  elapsedMs: number;
}

export interface RunningLoad {
  done: Promise<LoadResult>;
  stop(): void;
}

export function startLoad(opts: LoadOptions): RunningLoad {
  const started = Date.now();
  let stopped = false;
  const result: LoadResult = { sent: 0, ok: 0, failed: 0, statuses: {}, elapsedMs: 0 };
  // Serialised once: the clients share this process with the service proxy, and every saved cycle is load on the pods.
  const payload = opts.body !== null && typeof opts.body === 'object' && 'raw' in opts.body ? opts.body : JSON.stringify(opts.body);
  const client = async () => {
    while (!stopped && Date.now() - started < opts.durationMs && result.sent < opts.maxRequests) {
      result.sent++;
      const reply = await http(opts.url, payload, 30_000).catch(() => undefined);
      const key = String(reply?.status ?? 'error');
      result.statuses[key] = (result.statuses[key] ?? 0) + 1;
      if (reply?.status === 200) result.ok++;
      else result.failed++;
    }
  };
  const done = Promise.all(Array.from({ length: opts.concurrency }, client)).then(() => ({ ...result, elapsedMs: Date.now() - started }));
  return { done, stop: () => { stopped = true; } };
}
