// What the controller sees of tracing: an interface only, so with tracing off
// (no --tracing-endpoint) main.ts never loads the OpenTelemetry SDK.
import type { KubeClient } from './client.ts';

export interface ReconcileTracing {
  /** Runs one reconcile of `key` inside a `reconcile` span; API calls made meanwhile become its children. */
  reconcile<T>(key: string, fn: () => Promise<T>): Promise<T>;
  /** Wraps a client so calls made during a traced reconcile get a span each (calls outside one, e.g. watches, get none). */
  client(inner: KubeClient): KubeClient;
  /** Exports what is buffered. */
  shutdown(): Promise<void>;
}
