// The HTTP sink: each event is POSTed as a CloudEvent in binary content mode
// (CloudEvents SDK serialisation). A batch is sent with bounded concurrency;
// any non-2xx answer, refused connection, TLS failure or timeout marks that
// event failed for the dispatcher to retry.
//
// Why node:http and not fetch: with logging `all` every inference costs two
// POSTs, and a profile of the runtime under load (bench/observe) put about a
// third of the main thread in undici's fetch machinery (web streams, Request
// objects, an AbortSignal per call). node:http's client over a keep-alive
// agent does the same exchange for a fraction of that.
import http from 'node:http';
import https from 'node:https';
import type { PayloadEvent } from './events.ts';
import { cloudEventMessage } from './events.ts';
import type { Sink, WriteResult } from './dispatcher.ts';

export interface HttpSinkOptions {
  readonly url: string;
  readonly timeoutMs?: number;
  readonly concurrency?: number;
}

export function createHttpSink(options: HttpSinkOptions): Sink {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const concurrency = options.concurrency ?? 16;
  const url = new URL(options.url);
  const client = url.protocol === 'https:' ? https : http;
  // One connection per concurrent POST, kept between batches.
  const agent = new client.Agent({ keepAlive: true, maxSockets: concurrency, timeout: timeoutMs });

  function post(event: PayloadEvent): Promise<string | undefined> {
    const { headers, body } = cloudEventMessage(event);
    const payload = Buffer.from(body, 'utf8');
    return new Promise((resolve) => {
      let settled = false;
      const done = (error: string | undefined) => {
        if (settled) return;
        settled = true;
        resolve(error);
      };
      const request = client.request(url, { method: 'POST', agent, headers: { ...headers, 'content-length': String(payload.length) } }, (response) => {
        // Drain the body so the connection goes back to the pool.
        response.resume();
        response.once('end', () => {
          const status = response.statusCode ?? 0;
          done(status >= 200 && status < 300 ? undefined : `the sink answered ${status}`);
        });
        response.once('error', (error) => done(error.message));
      });
      request.setTimeout(timeoutMs, () => request.destroy(new Error(`no answer from the sink within ${timeoutMs} ms`)));
      request.once('error', (error: NodeJS.ErrnoException) => done(error.code !== undefined && !error.message.includes(error.code) ? `${error.message} (${error.code})` : error.message));
      request.end(payload);
    });
  }

  return {
    name: 'http',
    async write(events): Promise<WriteResult> {
      const failed: PayloadEvent[] = [];
      let error: string | undefined;
      for (let i = 0; i < events.length; i += concurrency) {
        const slice = events.slice(i, i + concurrency);
        const results = await Promise.all(slice.map(post));
        results.forEach((e, j) => {
          if (e !== undefined) {
            failed.push(slice[j] as PayloadEvent);
            error = e;
          }
        });
      }
      return { failed, error };
    },
  };
}
