// OpenTelemetry tracing of the operator's reconciles: one `reconcile` span
// per pass (attribute modelship.key = namespace/name) and a child span per
// API call made during it (`apply deployments`, `get inferenceservices`, with
// the HTTP status when one failed). The current reconcile travels in an
// AsyncLocalStorage, so the client wrapper needs no parameter. Loaded by
// main.ts only when --tracing-endpoint is set; the provider (sampler,
// exporter) is the runtime's too (common/src/otel-provider.ts).
import { AsyncLocalStorage } from 'node:async_hooks';
import { hostname } from 'node:os';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context } from '@opentelemetry/api';
import { createTracerProvider } from '../../../common/src/otel-provider.ts';
import { KubeApiError, type KubeClient, type ResourceType } from './client.ts';
import type { ReconcileTracing } from './reconcile-tracing.ts';

export function createReconcileTracing(endpoint: string, samplingRatio: number): ReconcileTracing {
  const provider = createTracerProvider(endpoint, samplingRatio, { 'service.name': 'modelship-operator', 'service.instance.id': hostname() });
  const tracer = provider.getTracer('modelship-operator');
  const current = new AsyncLocalStorage<Context>();

  async function traced<T>(name: string, attributes: Record<string, string>, parent: Context, kind: SpanKind, fn: () => Promise<T>): Promise<T> {
    const span = tracer.startSpan(name, { kind, attributes }, parent);
    try {
      return await current.run(trace.setSpan(parent, span), fn);
    } catch (error) {
      if (error instanceof KubeApiError) span.setAttribute('http.response.status_code', error.status);
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      throw error;
    } finally {
      span.end();
    }
  }

  /** A span for one API call, when a reconcile is being traced. */
  function call<T>(verb: string, type: ResourceType, namespace: string | undefined, fn: () => Promise<T>): Promise<T> {
    const parent = current.getStore();
    if (parent === undefined || !trace.getSpan(parent)?.isRecording()) return fn();
    const attributes: Record<string, string> = { 'k8s.resource': type.plural, 'modelship.verb': verb, ...(namespace ? { 'k8s.namespace.name': namespace } : {}) };
    return traced(`${verb} ${type.plural}`, attributes, parent, SpanKind.CLIENT, fn);
  }

  return {
    reconcile: (key, fn) => traced('reconcile', { 'modelship.key': key }, ROOT_CONTEXT, SpanKind.INTERNAL, fn),
    client: (inner) => ({
      get: (type, namespace, name) => call('get', type, namespace, () => inner.get(type, namespace, name)),
      list: (type, options) => call('list', type, options.namespace, () => inner.list(type, options)),
      // A watch outlives any reconcile: never traced.
      watch: (type, options, onEvent, signal) => inner.watch(type, options, onEvent, signal),
      apply: (type, object, fieldManager, options) => call('apply', type, object.metadata?.namespace, () => inner.apply(type, object, fieldManager, options)),
      create: (type, object) => call('create', type, object.metadata?.namespace, () => inner.create(type, object)),
      update: (type, object) => call('update', type, object.metadata?.namespace, () => inner.update(type, object)),
      updateStatus: (type, object) => call('update-status', type, object.metadata?.namespace, () => inner.updateStatus(type, object)),
      delete: (type, namespace, name, uid) => call('delete', type, namespace, () => inner.delete(type, namespace, name, uid)),
    }),
    shutdown: () => provider.shutdown(),
  };
}
