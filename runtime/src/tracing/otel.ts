// The OpenTelemetry implementation of tracing/types.ts, in two halves. On the
// thread that answers requests: W3C trace-context extraction, the sampling
// decision (the shared parent-based ratio sampler), ids, and a plain record
// per span (span-record.ts), sent in batches to the export thread. On the
// export thread (export-worker.ts): the SDK builds the spans from the records
// and exports them over OTLP/HTTP. Measured under load (bench/observe/hooks.ts),
// building SDK spans on the request thread cost about as much main-thread CPU
// per request as a tenth of the inference itself; recording them costs a
// fraction of that. Imported dynamically, only when tracing is configured.
//
// Span tree of one request:  infer -> queue -> batch -> compute, and
// infer -> encode. A batch run serves several requests but has one parent:
// the queue span of the first traced request in it; it links to the request
// span of every traced request it served, so each request finds its batch.
import { hostname } from 'node:os';
import { Worker } from 'node:worker_threads';
import { defaultTextMapGetter, ROOT_CONTEXT, SamplingDecision, SpanKind, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { RandomIdGenerator } from '@opentelemetry/sdk-trace-node';
import { createSampler } from '../../../common/src/otel-provider.ts';
import type { ServiceIdentity, TracingConfig } from '../config.ts';
import type { SpanAttributes, SpanRecord, ToExporter } from './span-record.ts';
import type { RequestTrace, Tracer } from './types.ts';

export { INSTRUMENTATION } from './span-record.ts';

/** How long a dead export thread stays dead before the next batch starts another. */
const RESTART_DELAY_MS = 5_000;
/** Records waiting for the next turn of the event loop at most; beyond it spans are dropped. */
const MAX_PENDING = 8192;

// Compiled into dist/ for the images the worker is export-worker.js; run from source it is export-worker.ts.
const WORKER_URL = new URL(import.meta.url.endsWith('.ts') ? './export-worker.ts' : './export-worker.js', import.meta.url);

/** performance.now() milliseconds as epoch milliseconds: one clock for every span, whichever thread builds it. */
const epochMs = (ms: number) => performance.timeOrigin + ms;

class Recorder {
  readonly #resource: Record<string, string>;
  readonly #endpoint: string;
  #worker: Worker | undefined;
  #pending: SpanRecord[] = [];
  #flushing = false;
  /** After the export thread died, no new one before this time (performance.now()): a thread that cannot start must not be restarted every turn. */
  #restartAt = 0;

  constructor(endpoint: string, resource: Record<string, string>) {
    this.#endpoint = endpoint;
    this.#resource = resource;
    // Started now: loading the SDK takes the new thread a while, and the first requests' spans should not wait for it.
    this.#thread();
  }

  push(record: SpanRecord): void {
    // A stuck export thread must not grow memory without bound: beyond it spans are dropped (as the SDK's own queue would).
    if (this.#pending.length >= MAX_PENDING) return;
    this.#pending.push(record);
    if (!this.#flushing) {
      this.#flushing = true;
      setImmediate(() => this.flush());
    }
  }

  flush(): void {
    this.#flushing = false;
    if (this.#pending.length === 0) return;
    const spans = this.#pending;
    this.#pending = [];
    // While no export thread may start, the spans are dropped (tracing is best effort).
    this.#thread()?.postMessage({ kind: 'spans', spans } satisfies ToExporter);
  }

  #thread(): Worker | undefined {
    if (this.#worker === undefined) {
      if (performance.now() < this.#restartAt) return undefined;
      const worker = new Worker(WORKER_URL, { workerData: { endpoint: this.#endpoint, resource: this.#resource } });
      // Its batch processor exports on a timer; shutdown() flushes it on SIGTERM.
      worker.unref();
      // A dead export thread loses its buffered spans (tracing is best effort) and is started again with the next batch.
      const lost = () => {
        if (this.#worker !== worker) return;
        this.#worker = undefined;
        this.#restartAt = performance.now() + RESTART_DELAY_MS;
      };
      worker.on('error', lost);
      worker.on('exit', lost);
      this.#worker = worker;
    }
    return this.#worker;
  }

  async shutdown(): Promise<void> {
    this.flush();
    const worker = this.#worker;
    if (worker === undefined) return;
    this.#worker = undefined;
    worker.ref();
    await new Promise<void>((resolve) => {
      worker.once('message', () => resolve());
      worker.once('exit', () => resolve());
      worker.postMessage({ kind: 'shutdown' } satisfies ToExporter);
    });
    await worker.terminate();
  }
}

/** The caller's span, when the request came with a sampled traceparent. */
interface Caller {
  readonly spanId: string;
  readonly traceState: string | undefined;
}

class OtelRequestTrace implements RequestTrace {
  readonly traceId: string;
  readonly spanId: string;
  readonly #parent: Caller | undefined;
  readonly #startMs: number;
  readonly #attributes: SpanAttributes;
  readonly #recorder: Recorder;
  readonly #ids: RandomIdGenerator;

  constructor(traceId: string, spanId: string, parent: Caller | undefined, attributes: SpanAttributes, recorder: Recorder, ids: RandomIdGenerator) {
    this.traceId = traceId;
    this.spanId = spanId;
    this.#parent = parent;
    this.#startMs = epochMs(performance.now());
    this.#attributes = attributes;
    this.#recorder = recorder;
    this.#ids = ids;
  }

  get traceparent(): string {
    return `00-${this.traceId}-${this.spanId}-01`;
  }

  /** A span of this trace (its caller's tracestate included) with `parentSpanId` in this process. */
  child(name: string, spanId: string, parentSpanId: string, startMs: number, endMs: number, extra?: Partial<SpanRecord>): SpanRecord {
    return {
      name, server: false, traceId: this.traceId, spanId, parentSpanId, remoteParent: false, traceState: this.#parent?.traceState,
      startMs, endMs, attributes: undefined, links: undefined, error: undefined, ...extra,
    };
  }

  newSpanId(): string {
    return this.#ids.generateSpanId();
  }

  encode<T>(fn: () => T): T {
    const start = epochMs(performance.now());
    try {
      return fn();
    } finally {
      this.#recorder.push(this.child('encode', this.newSpanId(), this.spanId, start, epochMs(performance.now())));
    }
  }

  end(status: number): void {
    this.#attributes['http.response.status_code'] = status;
    this.#recorder.push({
      name: 'infer', server: true, traceId: this.traceId, spanId: this.spanId, parentSpanId: this.#parent?.spanId, remoteParent: true, traceState: this.#parent?.traceState,
      startMs: this.#startMs, endMs: epochMs(performance.now()), attributes: this.#attributes, links: undefined, error: status >= 500 ? '' : undefined,
    });
  }
}

export function createOtelTracer(config: TracingConfig, identity: ServiceIdentity): Tracer {
  const recorder = new Recorder(config.endpoint, {
    'service.name': 'modelship-runtime',
    'service.instance.id': hostname(),
    'k8s.namespace.name': identity.namespace,
    'modelship.inference_service': identity.inferenceService,
    'modelship.component': identity.component,
    'modelship.revision': identity.revision,
    ...(identity.variant !== undefined ? { 'modelship.variant': identity.variant } : {}),
  });
  const sampler = createSampler(config.samplingRatio);
  const ids = new RandomIdGenerator();
  const propagator = new W3CTraceContextPropagator();
  const identityAttributes: SpanAttributes = {
    'modelship.inference_service': identity.inferenceService,
    'modelship.revision': identity.revision,
    ...(identity.variant !== undefined ? { 'modelship.variant': identity.variant } : {}),
  };

  return {
    startRequest(carrier, attributes) {
      const context = carrier?.traceparent === undefined ? ROOT_CONTEXT : propagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter);
      const caller = trace.getSpanContext(context);
      const traceId = caller !== undefined && trace.isSpanContextValid(caller) ? caller.traceId : ids.generateTraceId();
      // The SDK's sampler, as a span would be sampled: a caller's decision is followed, new traces at the ratio.
      if (sampler.shouldSample(context, traceId, 'infer', SpanKind.SERVER, {}, []).decision !== SamplingDecision.RECORD_AND_SAMPLED) return undefined;
      const parent = caller !== undefined && traceId === caller.traceId ? { spanId: caller.spanId, traceState: caller.traceState?.serialize() || undefined } : undefined;
      return new OtelRequestTrace(traceId, ids.generateSpanId(), parent, {
        'modelship.protocol': attributes.protocol,
        ...(attributes.method !== undefined ? { 'http.request.method': attributes.method } : {}),
        ...(attributes.path !== undefined ? { 'url.path': attributes.path } : {}),
        ...identityAttributes,
      }, recorder, ids);
    },

    batch(members, run) {
      if (members.length === 0) return;
      const startMs = epochMs(run.startedAt);
      const endMs = epochMs(run.endedAt);
      const first = members[0]!.trace as OtelRequestTrace;
      const batchId = first.newSpanId();
      let parentQueue: string | undefined;
      const links: Array<{ traceId: string; spanId: string }> = [];
      for (const member of members) {
        const owner = member.trace as OtelRequestTrace;
        const queueId = owner.newSpanId();
        recorder.push(owner.child('queue', queueId, owner.spanId, epochMs(member.queuedAt), startMs));
        parentQueue ??= queueId;
        links.push({ traceId: owner.traceId, spanId: owner.spanId });
      }
      recorder.push(first.child('batch', batchId, parentQueue!, startMs, endMs, {
        links,
        attributes: {
          'modelship.batch.size': run.size,
          'modelship.batch.rows': run.rows,
          ...(run.worker !== undefined ? { 'modelship.worker': run.worker } : {}),
        },
        error: run.error,
      }));
      if (run.computeSeconds !== undefined) {
        const computeStart = Math.max(run.startedAt, run.endedAt - run.computeSeconds * 1000);
        recorder.push(first.child('compute', first.newSpanId(), batchId, epochMs(computeStart), endMs));
      }
    },

    shutdown: () => recorder.shutdown(),
  };
}
