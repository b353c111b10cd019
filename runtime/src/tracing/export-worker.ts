// The export thread of tracing (otel.ts): turns the span records the request
// thread sends into OpenTelemetry spans with the SDK (same names, ids, times,
// parents, links and attributes) and exports them over OTLP/HTTP through the
// shared provider's batch processor. The SDK's span building, batching and
// OTLP serialisation run here, off the thread that answers requests.
import { parentPort, workerData } from 'node:worker_threads';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags, type Context, type Link } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import type { IdGenerator } from '@opentelemetry/sdk-trace-node';
import { createTracerProvider } from '../../../common/src/otel-provider.ts';
import { hrTime, INSTRUMENTATION, type SpanRecord, type ToExporter } from './span-record.ts';

/** Hands the SDK the ids the request thread chose for the span being started. */
class ChosenIds implements IdGenerator {
  traceId = '';
  spanId = '';
  generateTraceId(): string {
    return this.traceId;
  }
  generateSpanId(): string {
    return this.spanId;
  }
}

const { endpoint, resource } = workerData as { endpoint: string; resource: Record<string, string> };
const ids = new ChosenIds();
// The request thread sampled already: everything it sends is recorded (ratio 1, parents sent as sampled).
const provider = createTracerProvider(endpoint, 1, resource, ids);
const tracer = provider.getTracer(INSTRUMENTATION);

function parentOf(r: SpanRecord): Context {
  if (r.parentSpanId === undefined) return ROOT_CONTEXT;
  return trace.setSpan(ROOT_CONTEXT, trace.wrapSpanContext({
    traceId: r.traceId,
    spanId: r.parentSpanId,
    traceFlags: TraceFlags.SAMPLED,
    isRemote: r.remoteParent,
    ...(r.traceState !== undefined ? { traceState: new TraceState(r.traceState) } : {}),
  }));
}

function record(r: SpanRecord): void {
  ids.traceId = r.traceId;
  ids.spanId = r.spanId;
  const links: Link[] | undefined = r.links?.map((l) => ({ context: { traceId: l.traceId, spanId: l.spanId, traceFlags: TraceFlags.SAMPLED } }));
  const span = tracer.startSpan(r.name, {
    kind: r.server ? SpanKind.SERVER : SpanKind.INTERNAL,
    startTime: hrTime(r.startMs),
    ...(r.attributes !== undefined ? { attributes: r.attributes } : {}),
    ...(links !== undefined ? { links } : {}),
  }, parentOf(r));
  if (r.error !== undefined) span.setStatus(r.error === '' ? { code: SpanStatusCode.ERROR } : { code: SpanStatusCode.ERROR, message: r.error });
  span.end(hrTime(r.endMs));
}

const port = parentPort!;
port.on('message', (message: ToExporter) => {
  if (message.kind === 'spans') {
    for (const r of message.spans) record(r);
    return;
  }
  void provider.shutdown().finally(() => port.postMessage('shut down'));
});
