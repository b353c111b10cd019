// One logged payload, and its two wire forms: a CloudEvent 1.0 in HTTP binary
// content mode (as KServe's logger agent sends them, so KServe logger sinks
// receive ours unchanged) and one JSONL line for the blob sink. Pure.
import { CloudEvent, HTTP } from 'cloudevents';
import type { ServiceIdentity } from '../config.ts';

export const REQUEST_TYPE = 'org.kubeflow.serving.inference.request';
export const RESPONSE_TYPE = 'org.kubeflow.serving.inference.response';

export interface PayloadEvent {
  /** The request id: the v2 body's `id`, else the one the server generated and returned in X-Request-Id. */
  readonly id: string;
  readonly type: typeof REQUEST_TYPE | typeof RESPONSE_TYPE;
  /** RFC 3339 time the payload was seen. */
  readonly time: string;
  readonly identity: ServiceIdentity;
  /** W3C traceparent of the request's span, when tracing is on. */
  readonly traceparent: string | undefined;
  /** The request headers named by --logger-metadata-headers, as received. */
  readonly metadata: Readonly<Record<string, string>> | undefined;
  /** The v2 (or v1) request or response as JSON text, binary tensors decoded. */
  readonly body: string;
}

/** `source` of every event: the component of the InferenceService that answered (a URI reference). */
export function sourceOf(identity: ServiceIdentity): string {
  return `/namespaces/${identity.namespace}/inferenceservices/${identity.inferenceService}/${identity.component}`;
}

/** Approximate memory an event holds while queued (the body dominates). */
export function sizeOf(event: PayloadEvent): number {
  return event.body.length + 512;
}

/** Headers and body of the binary-mode CloudEvents HTTP request for one event. */
export function cloudEventMessage(event: PayloadEvent): { headers: Record<string, string>; body: string } {
  const { identity } = event;
  const ce = new CloudEvent<string>(
    {
      specversion: '1.0',
      id: event.id,
      type: event.type,
      source: sourceOf(identity),
      time: event.time,
      datacontenttype: 'application/json',
      data: event.body,
      inferenceservicename: identity.inferenceService,
      namespace: identity.namespace,
      component: identity.component,
      endpoint: identity.revision,
      ...(identity.variant !== undefined ? { variant: identity.variant } : {}),
      ...(event.traceparent !== undefined ? { traceparent: event.traceparent } : {}),
      // Extension names are [a-z0-9]{1,20}, header names are not: the copied headers travel as one JSON attribute.
      ...(event.metadata !== undefined ? { metadata: JSON.stringify(event.metadata) } : {}),
    },
    false,
  );
  const message = HTTP.binary(ce);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers)) if (value !== undefined) headers[name] = String(value);
  return { headers, body: event.body };
}

/** One JSONL line (newline included): the CloudEvent attributes as fields, the payload under `data` (inlined, not re-encoded). */
export function jsonlLine(event: PayloadEvent): string {
  const { identity } = event;
  const envelope = JSON.stringify({
    specversion: '1.0',
    id: event.id,
    type: event.type,
    source: sourceOf(identity),
    time: event.time,
    inferenceservicename: identity.inferenceService,
    namespace: identity.namespace,
    component: identity.component,
    endpoint: identity.revision,
    ...(identity.variant !== undefined ? { variant: identity.variant } : {}),
    traceparent: event.traceparent ?? null,
    metadata: event.metadata ?? null,
  });
  // A client's pretty-printed JSON has line breaks between tokens (never inside strings): re-encode it onto one line.
  const data = /[\r\n]/.test(event.body) ? JSON.stringify(JSON.parse(event.body)) : event.body;
  return `${envelope.slice(0, -1)},"data":${data}}\n`;
}
