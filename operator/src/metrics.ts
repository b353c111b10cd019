// Operator metrics on their own prom-client registry (no global state, so
// tests and two operators in one process stay separate).
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { RequestObserver } from './kube/client.ts';

export interface OperatorMetrics {
  registry: Registry;
  reconciles: Counter<'result'>;
  reconcileErrors: Counter;
  reconcileDuration: Histogram;
  queueDepth: Gauge;
  apiRequests: Counter<'verb' | 'resource' | 'code'>;
  leader: Gauge;
  informerSynced: Gauge<'resource'>;
  watchRestarts: Gauge<'resource'>;
  watchIdleTimeouts: Gauge<'resource'>;
  watchStalled: Gauge<'resource'>;
  driftChecks: Counter<'result'>;
  observeRequest: RequestObserver;
}

export function createMetrics(): OperatorMetrics {
  const registry = new Registry();
  // Process and Node.js runtime metrics (RSS, heap, event-loop lag, GC).
  collectDefaultMetrics({ register: registry });
  const reconciles = new Counter({ name: 'modelship_operator_reconcile_total', help: 'Reconcile passes by result (success, error).', labelNames: ['result'], registers: [registry] });
  const reconcileErrors = new Counter({ name: 'modelship_operator_reconcile_errors_total', help: 'Reconcile passes that failed and were retried with backoff.', registers: [registry] });
  const reconcileDuration = new Histogram({
    name: 'modelship_operator_reconcile_duration_seconds',
    help: 'Duration of one reconcile pass.',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const queueDepth = new Gauge({ name: 'modelship_operator_workqueue_depth', help: 'Keys waiting in the work queue.', registers: [registry] });
  const apiRequests = new Counter({
    name: 'modelship_operator_api_requests_total',
    help: 'Requests to the Kubernetes API server by verb, resource and HTTP status (0: no response).',
    labelNames: ['verb', 'resource', 'code'],
    registers: [registry],
  });
  const leader = new Gauge({ name: 'modelship_operator_leader', help: '1 while this process holds the leader lease.', registers: [registry] });
  const informerSynced = new Gauge({ name: 'modelship_operator_informer_synced', help: '1 once the informer listed its resource.', labelNames: ['resource'], registers: [registry] });
  const watchRestarts = new Gauge({ name: 'modelship_operator_watch_restarts', help: 'Watch restarts after errors, per informer.', labelNames: ['resource'], registers: [registry] });
  const watchIdleTimeouts = new Gauge({
    name: 'modelship_operator_watch_idle_timeouts',
    help: 'Watches cut after their idle timeout (no event, no bookmark) and relisted, per informer.',
    labelNames: ['resource'],
    registers: [registry],
  });
  const watchStalled = new Gauge({ name: 'modelship_operator_watch_stalled', help: '1 while an informer\'s watch is stalled (silent past its idle timeout, not relisted yet).', labelNames: ['resource'], registers: [registry] });
  const driftChecks = new Counter({
    name: 'modelship_operator_drift_checks_total',
    help: 'Prometheus queries behind the DriftDetected conditions (one per interval for all InferenceServices), by result (success, error).',
    labelNames: ['result'],
    registers: [registry],
  });
  return {
    registry, reconciles, reconcileErrors, reconcileDuration, queueDepth, apiRequests, leader, informerSynced, watchRestarts, watchIdleTimeouts, watchStalled, driftChecks,
    observeRequest: (verb, resource, code) => apiRequests.inc({ verb, resource, code: String(code) }),
  };
}
