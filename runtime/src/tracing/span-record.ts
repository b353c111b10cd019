// What the request thread records of one span, for the export thread
// (export-worker.ts) to turn into an OpenTelemetry span: plain data, so a
// batch of them crosses threads in one postMessage. Ids are chosen on the
// request thread (they go into access log lines, CloudEvents and responses
// at once); times are epoch milliseconds from the request thread's clock, so
// that every span of a trace is timed on one clock.
import type { HrTime } from '@opentelemetry/api';

/** The instrumentation scope of the runtime's spans. */
export const INSTRUMENTATION = 'modelship-runtime';

export type SpanAttributes = Record<string, string | number | boolean>;

export interface SpanRecord {
  readonly name: string;
  /** SERVER for the request span, INTERNAL for the rest. */
  readonly server: boolean;
  readonly traceId: string;
  readonly spanId: string;
  /** The parent span, in this process or the caller's (remote). */
  readonly parentSpanId: string | undefined;
  readonly remoteParent: boolean;
  /** The caller's W3C tracestate, carried by every span of the trace. */
  readonly traceState: string | undefined;
  readonly startMs: number;
  readonly endMs: number;
  readonly attributes: SpanAttributes | undefined;
  /** Span ids (of this trace or another) the span links to: a batch run's requests. */
  readonly links: ReadonlyArray<{ readonly traceId: string; readonly spanId: string }> | undefined;
  /** Set when the span failed: its status becomes ERROR with this message ('' for none). */
  readonly error: string | undefined;
}

/** Messages to the export thread. */
export type ToExporter = { readonly kind: 'spans'; readonly spans: readonly SpanRecord[] } | { readonly kind: 'shutdown' };

/** An epoch-milliseconds time as an OpenTelemetry HrTime. */
export function hrTime(epochMs: number): HrTime {
  const seconds = Math.floor(epochMs / 1000);
  const nanos = Math.min(999_999_999, Math.round((epochMs - seconds * 1000) * 1e6));
  return [seconds, nanos];
}
