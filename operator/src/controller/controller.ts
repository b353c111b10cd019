// Wires informers, the work queue and the reconciler: every watched object
// maps to the key of its InferenceService, handlers only enqueue, workers read
// the latest state from the caches. Informers run from start-up (a standby
// keeps a warm cache); workers run only while this process leads.
import type { V1Deployment, V1Pod, V1Service, V2HorizontalPodAutoscaler } from '@kubernetes/client-node';
import type { Logger } from '../../../common/src/logger.ts';
import type { InferenceService } from '../api/types.ts';
import type { BuildConfig, DriftConfig, WatchConfig } from '../settings.ts';
import { DriftMonitor } from './drift-monitor.ts';
import { KIND } from '../api/schema.ts';
import type { Clock } from '../kube/clock.ts';
import type { KubeClient, KubeObject } from '../kube/client.ts';
import { Informer } from '../kube/informer.ts';
import { DEPLOYMENTS, GRPC_ROUTES, HPAS, HTTP_ROUTES, INFERENCE_SERVICES, PDBS, PODS, SCALED_OBJECTS, SERVICES, VIRTUAL_SERVICES } from '../kube/resources.ts';
import type { WorkQueue } from '../kube/workqueue.ts';
import { WorkLoop } from './work-loop.ts';
import type { OperatorMetrics } from '../metrics.ts';
import { ISVC_LABEL, MANAGED_SELECTOR } from '../resources/labels.ts';
import { canonicalJson } from '../canonical-json.ts';
import { trimPod } from './cache-trim.ts';
import { informerFactory } from './informer-factory.ts';
import type { EventSink } from './events.ts';
import { Reconciler } from './reconciler.ts';
import type { ReconcileTracing } from '../kube/reconcile-tracing.ts';

/** The predictor pods: our managed-by label and an InferenceService label. */
export const POD_SELECTOR = `${MANAGED_SELECTOR},${ISVC_LABEL}`;

export interface ControllerDeps {
  client: KubeClient;
  config: BuildConfig & { workers: number; resyncSeconds: number; watchNamespace: string; watch?: WatchConfig; drift?: DriftConfig };
  events: EventSink;
  clock: Clock;
  logger: Logger;
  metrics: OperatorMetrics;
  /** Reconcile spans (kube/reconcile-tracing-otel.ts) when --tracing-endpoint is set. */
  tracing?: ReconcileTracing | undefined;
}

/** The InferenceService that owns a child: its controller ownerReference, else our label. */
export function ownerKey(o: KubeObject): string | undefined {
  const namespace = o.metadata?.namespace ?? '';
  const ref = (o.metadata?.ownerReferences ?? []).find((r) => r.controller === true && r.kind === KIND);
  if (ref !== undefined) return `${namespace}/${ref.name}`;
  const label = o.metadata?.labels?.[ISVC_LABEL];
  return label === undefined ? undefined : `${namespace}/${label}`;
}

/** Status-only updates (our own writes, mostly) need no reconcile. */
function specChanged(o: InferenceService, old: InferenceService | undefined): boolean {
  if (old === undefined) return true;
  return o.metadata.generation !== old.metadata.generation
    || o.metadata.deletionTimestamp !== old.metadata.deletionTimestamp
    || canonicalJson(o.metadata.labels ?? {}) !== canonicalJson(old.metadata.labels ?? {})
    || canonicalJson(o.metadata.annotations ?? {}) !== canonicalJson(old.metadata.annotations ?? {});
}

export class Controller {
  readonly inferenceServices: Informer<InferenceService>;
  readonly deployments: Informer<V1Deployment>;
  readonly services: Informer<V1Service>;
  readonly hpas: Informer<V2HorizontalPodAutoscaler>;
  readonly pdbs: Informer<KubeObject>;
  readonly pods: Informer<V1Pod>;
  /** Present only when the API server serves the route's CRD. */
  readonly httpRoutes: Informer<KubeObject> | undefined;
  readonly grpcRoutes: Informer<KubeObject> | undefined;
  readonly virtualServices: Informer<KubeObject> | undefined;
  /** Present only when the API server serves KEDA's ScaledObject. */
  readonly scaledObjects: Informer<KubeObject> | undefined;
  readonly queue: WorkQueue;
  readonly loop: WorkLoop;
  readonly reconciler: Reconciler;
  /** Present when --drift-check-seconds is above 0: the DriftDetected condition's Prometheus query. */
  readonly driftMonitor: DriftMonitor | undefined;

  constructor(deps: ControllerDeps) {
    const { client, clock, logger, config } = deps;
    // Every informer but the InferenceServices' watches only what carries our managed-by label, and caches trimmed objects.
    const informer = informerFactory(deps);
    this.inferenceServices = informer<InferenceService>(INFERENCE_SERVICES);
    this.deployments = informer<V1Deployment>(DEPLOYMENTS, MANAGED_SELECTOR);
    this.services = informer<V1Service>(SERVICES, MANAGED_SELECTOR);
    this.hpas = informer<V2HorizontalPodAutoscaler>(HPAS, MANAGED_SELECTOR);
    this.pdbs = informer<KubeObject>(PDBS, MANAGED_SELECTOR);
    // A tenant can put our InferenceService label on any pod; predictor pods also carry managed-by.
    this.pods = informer<V1Pod>(PODS, POD_SELECTOR, trimPod);
    this.pods.setIndex((pod) => ownerKeyOfPod(pod));
    // Every revision of an InferenceService has its own Deployment and Service.
    this.deployments.setIndex(ownerKey);
    this.services.setIndex(ownerKey);
    this.httpRoutes = config.traffic.installed.gatewayApi ? informer<KubeObject>(HTTP_ROUTES, MANAGED_SELECTOR) : undefined;
    this.grpcRoutes = config.traffic.installed.gatewayApi && config.traffic.installed.grpcRoute === true ? informer<KubeObject>(GRPC_ROUTES, MANAGED_SELECTOR) : undefined;
    this.virtualServices = config.traffic.installed.istio ? informer<KubeObject>(VIRTUAL_SERVICES, MANAGED_SELECTOR) : undefined;
    this.scaledObjects = config.autoscaling.kedaInstalled ? informer<KubeObject>(SCALED_OBJECTS, MANAGED_SELECTOR) : undefined;
    const none = { get: () => undefined };
    const driftSeconds = config.drift?.checkSeconds ?? 0;
    this.driftMonitor = driftSeconds > 0 ? new DriftMonitor({
      prometheusUrl: config.autoscaling.prometheusUrl,
      intervalSeconds: driftSeconds,
      clock,
      logger,
      inferenceServices: this.inferenceServices,
      specDefaults: config.specDefaults,
      enqueue: (key) => this.queue.add(key),
      onCheck: (result) => deps.metrics.driftChecks.inc({ result }),
    }) : undefined;

    this.reconciler = new Reconciler({
      ...(this.driftMonitor !== undefined ? { drift: this.driftMonitor } : {}),
      client,
      clock,
      logger,
      events: deps.events,
      config,
      caches: {
        inferenceServices: this.inferenceServices,
        deployments: this.deployments,
        services: this.services,
        hpas: this.hpas,
        pdbs: this.pdbs,
        podsFor: (namespace, name) => this.pods.byIndex(`${namespace}/${name}`),
        childrenFor: (namespace, name) => [...this.deployments.byIndex(`${namespace}/${name}`), ...this.services.byIndex(`${namespace}/${name}`)],
        httpRoutes: this.httpRoutes ?? none,
        grpcRoutes: this.grpcRoutes ?? none,
        virtualServices: this.virtualServices ?? none,
        scaledObjects: this.scaledObjects ?? none,
      },
    });
    this.loop = new WorkLoop({
      clock,
      concurrency: config.workers,
      resyncSeconds: config.resyncSeconds,
      metrics: deps.metrics,
      keys: () => this.inferenceServices.list().map((o) => `${o.metadata.namespace}/${o.metadata.name}`),
      reconcile: (key) => (deps.tracing === undefined ? this.reconciler.reconcile(key) : deps.tracing.reconcile(key, () => this.reconciler.reconcile(key))),
      onError: (key, err, attempt) => logger.error('reconcile failed; retrying with backoff', {
        key, attempt, error: err instanceof Error ? err.message : String(err),
      }),
      onDepth: (depth) => deps.metrics.queueDepth.set(depth),
    });
    this.queue = this.loop.queue;

    this.inferenceServices.onEvent((event, o, old) => {
      if (event === 'delete') {
        this.reconciler.forget(INFERENCE_SERVICES, o.metadata.namespace, o.metadata.name);
        return;
      }
      if (event === 'add' || specChanged(o, old)) this.queue.add(`${o.metadata.namespace}/${o.metadata.name}`);
    });
    const optional = [this.httpRoutes, this.grpcRoutes, this.virtualServices, this.scaledObjects].filter((i) => i !== undefined);
    for (const child of [this.deployments, this.services, this.hpas, this.pdbs, ...optional] as Informer<KubeObject>[]) {
      child.onEvent((event, o) => {
        if (event === 'delete') this.reconciler.forget(child.type, o.metadata?.namespace ?? '', o.metadata?.name ?? '');
        const key = ownerKey(o);
        if (key !== undefined) this.queue.add(key);
      });
    }
    this.pods.onEvent((_event, pod) => {
      const key = ownerKeyOfPod(pod);
      if (key !== undefined) this.queue.add(key);
    });
  }

  get informers(): Informer<KubeObject>[] {
    const optional = [this.httpRoutes, this.grpcRoutes, this.virtualServices, this.scaledObjects].filter((i) => i !== undefined);
    return [this.inferenceServices, this.deployments, this.services, this.hpas, this.pdbs, this.pods, ...optional] as Informer<KubeObject>[];
  }

  get synced(): boolean {
    return this.informers.every((i) => i.synced);
  }

  startInformers(): void {
    for (const i of this.informers) i.start();
  }

  async waitForSync(timeoutMs: number): Promise<void> {
    await Promise.all(this.informers.map((i) => i.waitForSync(timeoutMs)));
  }

  /** Starts reconciling: every known InferenceService once, then whatever changes, plus a periodic resync. */
  startWorkers(): void {
    this.loop.start();
    this.driftMonitor?.start();
  }

  async stopWorkers(): Promise<void> {
    await this.driftMonitor?.stop();
    await this.loop.stop();
  }

  async stopInformers(): Promise<void> {
    await Promise.all(this.informers.map((i) => i.stop()));
  }
}

function ownerKeyOfPod(pod: V1Pod): string | undefined {
  // Pods are owned by ReplicaSets, not by us: map them through our label.
  const label = pod.metadata?.labels?.[ISVC_LABEL];
  return label === undefined ? undefined : `${pod.metadata?.namespace ?? ''}/${label}`;
}
