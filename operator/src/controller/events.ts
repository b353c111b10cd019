// Kubernetes Events for meaningful transitions: which ones a status change
// deserves (pure, tested), and the recorder that posts them. Recording never
// fails a reconcile: an Event is a courtesy, the status is the record.
import type { Logger } from '../../../common/src/logger.ts';
import type { InferenceService, InferenceServiceStatus } from '../api/types.ts';
import type { Clock } from '../kube/clock.ts';
import type { KubeClient } from '../kube/client.ts';
import { EVENTS } from '../kube/resources.ts';
import { MANAGED_BY } from '../resources/labels.ts';
import { trafficEvents } from '../canary/events.ts';
import type { EventSpec } from '../event-spec.ts';
import { DRIFT_DETECTED } from '../drift/condition.ts';
import { CHILD_CONFLICT, HOSTNAME_CONFLICT, POLICY_VIOLATION, PREDICTOR_READY, READY, TRAFFIC_READY } from './status.ts';

const condition = (s: InferenceServiceStatus | undefined, type: string) => s?.conditions?.find((c) => c.type === type);

/** Events owed for the change from `before` to `after` (one status write). */
export function transitionEvents(before: InferenceServiceStatus | undefined, after: InferenceServiceStatus): EventSpec[] {
  const events: EventSpec[] = [];
  const wasReady = condition(before, READY)?.status === 'True';
  const ready = condition(after, READY);
  if (!wasReady && ready?.status === 'True') events.push({ type: 'Normal', reason: 'InferenceServiceReady', message: `serving at ${after.url ?? ''}` });
  if (wasReady && ready?.status !== 'True') events.push({ type: 'Warning', reason: 'InferenceServiceNotReady', message: `${ready?.reason ?? ''}: ${ready?.message ?? ''}` });

  const failure = after.modelStatus?.lastFailureInfo;
  if (after.modelStatus?.states?.activeModelState === 'FailedToLoad' && before?.modelStatus?.states?.activeModelState !== 'FailedToLoad') {
    events.push({ type: 'Warning', reason: 'ModelLoadFailed', message: `${failure?.location ?? ''}: ${failure?.reason ?? ''}: ${failure?.message ?? ''}`.slice(0, 1024) });
  }
  const predictor = condition(after, PREDICTOR_READY);
  const previousReason = condition(before, PREDICTOR_READY)?.reason;
  for (const reason of ['InvalidSpec', 'ReconcileFailed', POLICY_VIOLATION, CHILD_CONFLICT]) {
    if (predictor?.reason === reason && (previousReason !== reason || condition(before, PREDICTOR_READY)?.message !== predictor.message)) {
      events.push({ type: 'Warning', reason, message: predictor.message ?? '' });
    }
  }
  const traffic = condition(after, TRAFFIC_READY);
  const previousTraffic = condition(before, TRAFFIC_READY);
  if (traffic?.reason === HOSTNAME_CONFLICT && (previousTraffic?.reason !== HOSTNAME_CONFLICT || previousTraffic.message !== traffic.message)) {
    events.push({ type: 'Warning', reason: HOSTNAME_CONFLICT, message: traffic.message ?? '' });
  }
  const drift = condition(after, DRIFT_DETECTED);
  const wasDrifting = condition(before, DRIFT_DETECTED)?.status === 'True';
  if (!wasDrifting && drift?.status === 'True') events.push({ type: 'Warning', reason: DRIFT_DETECTED, message: drift.message ?? '' });
  if (wasDrifting && drift?.status === 'False') events.push({ type: 'Normal', reason: 'DriftResolved', message: drift.message ?? '' });
  events.push(...trafficEvents(before, after));
  return events;
}

/** What an Event is about: an InferenceService or a BatchInference. */
export interface EventSubject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; uid?: string | undefined; resourceVersion?: string | undefined };
}

export interface EventSink {
  record(isvc: EventSubject, event: EventSpec): Promise<void>;
}

export class EventRecorder implements EventSink {
  readonly #client: KubeClient;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #instance: string;
  #seq = 0;

  constructor(deps: { client: KubeClient; clock: Clock; logger: Logger; instance: string }) {
    this.#client = deps.client;
    this.#clock = deps.clock;
    this.#logger = deps.logger;
    this.#instance = deps.instance;
  }

  async record(isvc: EventSubject, event: EventSpec): Promise<void> {
    const now = new Date(this.#clock.now()).toISOString();
    const name = `${isvc.metadata.name}.${this.#clock.now().toString(16)}${(this.#seq++ % 4096).toString(16).padStart(3, '0')}`;
    try {
      await this.#client.create(EVENTS, {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name, namespace: isvc.metadata.namespace },
        involvedObject: {
          apiVersion: isvc.apiVersion, kind: isvc.kind, name: isvc.metadata.name, namespace: isvc.metadata.namespace,
          uid: isvc.metadata.uid, resourceVersion: isvc.metadata.resourceVersion,
        },
        type: event.type,
        reason: event.reason,
        message: event.message,
        source: { component: MANAGED_BY },
        reportingComponent: `serving.modelship.io/${MANAGED_BY}`,
        reportingInstance: this.#instance,
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      });
    } catch (err) {
      this.#logger.warn('could not record event', { reason: event.reason, error: err instanceof Error ? err.message : String(err) });
    }
  }
}
