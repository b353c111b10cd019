// The OpenTelemetry tracer provider the runtime and the operator share:
// OTLP/HTTP export through a batch processor, and a parent-based ratio
// sampler (a sampled incoming traceparent is always followed, new traces are
// sampled at `samplingRatio`). Import it dynamically, only when tracing is
// configured: loading it pulls in the SDK.
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider, ParentBasedSampler, TraceIdRatioBasedSampler, type IdGenerator, type Sampler } from '@opentelemetry/sdk-trace-node';

export function createSampler(samplingRatio: number): Sampler {
  return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(samplingRatio) });
}

/** `idGenerator`: where span and trace ids come from (the runtime's export thread replays ids chosen on the request thread). */
export function createTracerProvider(endpoint: string, samplingRatio: number, resource: Record<string, string>, idGenerator?: IdGenerator): NodeTracerProvider {
  return new NodeTracerProvider({
    resource: resourceFromAttributes(resource),
    sampler: createSampler(samplingRatio),
    ...(idGenerator !== undefined ? { idGenerator } : {}),
    spanProcessors: [
      new BatchSpanProcessor(new OTLPTraceExporter({ url: endpoint, timeoutMillis: 5_000 }), { maxQueueSize: 8192, maxExportBatchSize: 512, scheduledDelayMillis: 1000 }),
    ],
  });
}
