// Payload logging (spec.predictor.logger): decides per request whether it is
// sampled, builds the request and response events and hands them to each
// configured sink's dispatcher. Protocol front ends call three functions;
// nothing here can block or fail an inference.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from '../../../common/src/logger.ts';
import type { LoggerConfig, ServiceIdentity } from '../config.ts';
import { createBlobSink, fileStore, parseBlobUri, type ObjectStore } from './blob-sink.ts';
import { Dispatcher, type Outcome, type SinkName } from './dispatcher.ts';
import { REQUEST_TYPE, RESPONSE_TYPE, type PayloadEvent } from './events.ts';
import { GCS_XML_ENDPOINT, s3Store } from './s3-store.ts';
import { createThreadedHttpSink } from './sink-thread.ts';

// In payloads.ts, so the REST app can name it without loading the sinks (and the S3 SDK) into every front-end thread.
export { REQUEST_ID_HEADER } from './payloads.ts';

/** One sampled request: what its events share. */
export interface LogContext {
  /** Generated; the front end replaces it with the v2 body's `id` when there is one. */
  id: string;
  readonly metadata: Readonly<Record<string, string>> | undefined;
  traceparent: string | undefined;
}

export interface PayloadLogger {
  /** A sampled request gets a context; undefined means nothing is logged for it. */
  begin(headers: Readonly<Record<string, string | string[] | undefined>>): LogContext | undefined;
  request(context: LogContext, body: () => string): void;
  response(context: LogContext, body: () => string): void;
  /** Events queued per sink (the modelship_logger_queue_length gauge). */
  queued(sink: SinkName): number;
  /** Delivers what is queued until the deadline (performance.now() clock); called on SIGTERM after draining. */
  close(deadlineMs: number): Promise<void>;
}

export interface PayloadLoggerDeps {
  readonly logger: Logger;
  readonly count: (sink: SinkName, outcome: Outcome, n: number) => void;
  /** Injected in tests; Math.random otherwise. */
  readonly random?: () => number;
  /** Overrides the object store the storage URI names (tests). */
  readonly store?: ObjectStore;
}

function storeFor(config: LoggerConfig, uri: string): { store: ObjectStore; prefix: string } {
  const location = parseBlobUri(uri);
  if (location.scheme === 'file') return { store: fileStore(location.root), prefix: '' };
  const endpoint = location.scheme === 'gs' ? (config.s3Endpoint ?? GCS_XML_ENDPOINT) : config.s3Endpoint;
  return { store: s3Store({ bucket: location.root, endpoint, region: config.s3Region }), prefix: location.prefix };
}

const MIB = 1024 * 1024;

export function createPayloadLogger(config: LoggerConfig, identity: ServiceIdentity, deps: PayloadLoggerDeps): PayloadLogger {
  const random = deps.random ?? Math.random;
  const dispatchers = new Map<SinkName, Dispatcher>();
  const common = { capacity: config.queueSize, logger: deps.logger, count: deps.count };
  if (config.url !== undefined) {
    dispatchers.set('http', new Dispatcher({
      ...common,
      // Delivery runs on its own thread (sink-thread.ts), off the one answering requests.
      sink: createThreadedHttpSink({ url: config.url }),
      maxBytes: 64 * MIB,
      policy: { maxBatch: 64, bytes: 0, intervalMs: 0 },
    }));
  }
  if (config.storageUri !== undefined) {
    const { store, prefix } = deps.store !== undefined ? { store: deps.store, prefix: parseBlobUri(config.storageUri).prefix } : storeFor(config, config.storageUri);
    dispatchers.set('blob', new Dispatcher({
      ...common,
      sink: createBlobSink({ store, prefix, writer: `${identity.revision}-${hostname()}` }),
      maxBytes: Math.max(64 * MIB, 2 * config.flushBytes),
      policy: { maxBatch: config.queueSize, bytes: config.flushBytes, intervalMs: config.flushIntervalMs },
    }));
  }
  const sinks = [...dispatchers.values()];
  const logsRequests = config.mode !== 'response';
  const logsResponses = config.mode !== 'request';

  function emit(context: LogContext, type: PayloadEvent['type'], body: () => string): void {
    let text: string;
    try {
      text = body();
    } catch (error) {
      deps.logger.warn('payload logger could not encode an event', { id: context.id, error: error instanceof Error ? error.message : String(error) });
      return;
    }
    const event: PayloadEvent = { id: context.id, type, time: new Date().toISOString(), identity, traceparent: context.traceparent, metadata: context.metadata, body: text };
    for (const d of sinks) d.offer(event);
  }

  return {
    begin(headers) {
      if (config.sampleRate < 1 && random() >= config.sampleRate) return undefined;
      let metadata: Record<string, string> | undefined;
      for (const name of config.metadataHeaders) {
        const value = headers[name];
        if (value === undefined) continue;
        metadata ??= {};
        metadata[name] = Array.isArray(value) ? value.join(', ') : value;
      }
      return { id: randomUUID(), metadata, traceparent: undefined };
    },
    request(context, body) {
      if (logsRequests) emit(context, REQUEST_TYPE, body);
    },
    response(context, body) {
      if (logsResponses) emit(context, RESPONSE_TYPE, body);
    },
    queued: (sink) => dispatchers.get(sink)?.queued ?? 0,
    close: async (deadlineMs) => {
      await Promise.all(sinks.map((d) => d.close(deadlineMs)));
    },
  };
}
