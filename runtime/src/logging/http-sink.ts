// The HTTP sink: each event is POSTed as a CloudEvent in binary content mode
// (CloudEvents SDK serialisation, node's fetch). A batch is sent with bounded
// concurrency; any non-2xx answer, refused connection, TLS failure or timeout
// marks that event failed for the dispatcher to retry.
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

  async function post(event: PayloadEvent): Promise<string | undefined> {
    const { headers, body } = cloudEventMessage(event);
    try {
      const response = await fetch(options.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs) });
      // Drain the body so the connection goes back to the pool.
      await response.arrayBuffer().catch(() => undefined);
      return response.ok ? undefined : `the sink answered ${response.status}`;
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      return `${error instanceof Error ? error.message : String(error)}${cause ? ` (${cause.code ?? cause.message})` : ''}`;
    }
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
