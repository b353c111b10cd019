// The OpenTelemetry implementation of tracing/types.ts: the shared provider
// (common/src/otel-provider.ts: parent-based ratio sampling, batched OTLP/HTTP
// export) and W3C trace-context extraction. Imported dynamically, only when
// tracing is configured.
//
// Span tree of one request:  infer -> queue -> batch -> compute, and
// infer -> encode. A batch run serves several requests but has one parent:
// the queue span of the first traced request in it; it links to the request
// span of every traced request it served, so each request finds its batch.
import { hostname } from 'node:os';
import { defaultTextMapGetter, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type HrTime, type Link, type Span } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { createTracerProvider } from '../../../common/src/otel-provider.ts';
import type { ServiceIdentity, TracingConfig } from '../config.ts';
import type { BatchMember, BatchRun, Carrier, RequestTrace, Tracer } from './types.ts';

export const INSTRUMENTATION = 'modelship-runtime';

/**
 * A performance.now() time as an epoch HrTime. Every span here is timed on
 * this one clock: the SDK corrects numeric times by a per-span offset, so a
 * queue span's end and its batch span's start, the same instant, would
 * otherwise differ by microseconds.
 */
export function at(ms: number): HrTime {
  const epochMs = performance.timeOrigin + ms;
  const seconds = Math.floor(epochMs / 1000);
  const nanos = Math.min(999_999_999, Math.round((epochMs - seconds * 1000) * 1e6));
  return [seconds, nanos];
}

class OtelRequestTrace implements RequestTrace {
  readonly span: Span;
  readonly context: Context;
  readonly #tracer: ReturnType<NodeTracerProvider['getTracer']>;

  constructor(span: Span, tracer: ReturnType<NodeTracerProvider['getTracer']>) {
    this.span = span;
    this.context = trace.setSpan(ROOT_CONTEXT, span);
    this.#tracer = tracer;
  }

  get traceId(): string {
    return this.span.spanContext().traceId;
  }

  get spanId(): string {
    return this.span.spanContext().spanId;
  }

  get traceparent(): string {
    const c = this.span.spanContext();
    return `00-${c.traceId}-${c.spanId}-0${c.traceFlags & 1}`;
  }

  encode<T>(fn: () => T): T {
    const span = this.#tracer.startSpan('encode', { kind: SpanKind.INTERNAL, startTime: at(performance.now()) }, this.context);
    try {
      return fn();
    } finally {
      span.end(at(performance.now()));
    }
  }

  end(status: number): void {
    this.span.setAttribute('http.response.status_code', status);
    if (status >= 500) this.span.setStatus({ code: SpanStatusCode.ERROR });
    this.span.end(at(performance.now()));
  }
}

export function createOtelTracer(config: TracingConfig, identity: ServiceIdentity): Tracer {
  const provider = createTracerProvider(config.endpoint, config.samplingRatio, {
    'service.name': 'modelship-runtime',
    'service.instance.id': hostname(),
    'k8s.namespace.name': identity.namespace,
    'modelship.inference_service': identity.inferenceService,
    'modelship.component': identity.component,
    'modelship.revision': identity.revision,
    ...(identity.variant !== undefined ? { 'modelship.variant': identity.variant } : {}),
  });
  const tracer = provider.getTracer(INSTRUMENTATION);
  const propagator = new W3CTraceContextPropagator();

  return {
    startRequest(carrier, attributes) {
      const parent = carrier === undefined ? ROOT_CONTEXT : propagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter);
      const span = tracer.startSpan('infer', {
        kind: SpanKind.SERVER,
        startTime: at(performance.now()),
        attributes: {
          'modelship.protocol': attributes.protocol,
          ...(attributes.method !== undefined ? { 'http.request.method': attributes.method } : {}),
          ...(attributes.path !== undefined ? { 'url.path': attributes.path } : {}),
          'modelship.inference_service': identity.inferenceService,
          'modelship.revision': identity.revision,
          ...(identity.variant !== undefined ? { 'modelship.variant': identity.variant } : {}),
        },
      }, parent);
      // Not sampled: nothing to record; the caller skips every tracing step.
      if (!span.isRecording()) return undefined;
      return new OtelRequestTrace(span, tracer);
    },

    batch(members, run) {
      if (members.length === 0) return;
      let parent: Context | undefined;
      const links: Link[] = [];
      for (const member of members) {
        const owner = member.trace as OtelRequestTrace;
        const queue = tracer.startSpan('queue', { kind: SpanKind.INTERNAL, startTime: at(member.queuedAt) }, owner.context);
        queue.end(at(run.startedAt));
        parent ??= trace.setSpan(ROOT_CONTEXT, queue);
        links.push({ context: owner.span.spanContext() });
      }
      const batch = tracer.startSpan('batch', {
        kind: SpanKind.INTERNAL,
        startTime: at(run.startedAt),
        links,
        attributes: {
          'modelship.batch.size': run.size,
          'modelship.batch.rows': run.rows,
          ...(run.worker !== undefined ? { 'modelship.worker': run.worker } : {}),
        },
      }, parent);
      if (run.computeSeconds !== undefined) {
        const computeStart = Math.max(run.startedAt, run.endedAt - run.computeSeconds * 1000);
        const compute = tracer.startSpan('compute', { kind: SpanKind.INTERNAL, startTime: at(computeStart) }, trace.setSpan(ROOT_CONTEXT, batch));
        compute.end(at(run.endedAt));
      }
      if (run.error !== undefined) batch.setStatus({ code: SpanStatusCode.ERROR, message: run.error });
      batch.end(at(run.endedAt));
    },

    async shutdown() {
      await provider.shutdown();
    },
  };
}
