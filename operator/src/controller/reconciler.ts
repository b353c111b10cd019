// One reconcile pass for one InferenceService, in a fixed order: read it from
// the cache (gone or deleting: done, garbage collection removes the children),
// default and validate, build the desired children, apply only those that
// differ from what is observed, derive the status from what was observed, and
// write the status once if it changed. A failed child write still gets its
// status written, then the error is rethrown so the queue backs off.
import type { V1Deployment, V1Pod, V1Service, V2HorizontalPodAutoscaler } from '@kubernetes/client-node';
import type { Logger } from '../../../common/src/logger.ts';
import { defaultAndValidate } from '../api/validation.ts';
import type { InferenceService, InferenceServiceStatus } from '../api/types.ts';
import type { BuildConfig } from '../config.ts';
import type { Clock } from '../kube/clock.ts';
import { isConflict, resourcePath, type KubeClient, type KubeObject, type ResourceType } from '../kube/client.ts';
import { DEPLOYMENTS, HPAS, INFERENCE_SERVICES, SERVICES } from '../kube/resources.ts';
import { FIELD_MANAGER, hpaName } from '../names.ts';
import { buildDeployment } from '../resources/deployment.ts';
import { buildHpa } from '../resources/hpa.ts';
import { buildService } from '../resources/service.ts';
import { applyReason, canonicalJson, withDesiredHash } from './diff.ts';
import { transitionEvents, type EventSink, type EventSpec } from './events.ts';
import { computeStatus } from './status.ts';

export interface Lister<T> {
  get(namespace: string, name: string): T | undefined;
}

export interface ReconcilerCaches {
  inferenceServices: Lister<InferenceService>;
  deployments: Lister<V1Deployment>;
  services: Lister<V1Service>;
  hpas: Lister<V2HorizontalPodAutoscaler>;
  /** Predictor pods of one InferenceService. */
  podsFor(namespace: string, name: string): V1Pod[];
}

export interface ReconcilerDeps {
  client: KubeClient;
  caches: ReconcilerCaches;
  config: BuildConfig;
  events: EventSink;
  clock: Clock;
  logger: Logger;
}

const STATUS_ATTEMPTS = 4;

const rv = (o: KubeObject | undefined): number => Number(o?.metadata?.resourceVersion ?? 0);

function controlledBy(child: KubeObject, isvc: InferenceService): boolean {
  return (child.metadata?.ownerReferences ?? []).some((r) => r.controller === true && r.uid === isvc.metadata.uid);
}

export class Reconciler {
  readonly #d: ReconcilerDeps;
  /**
   * Objects this process wrote, until the informer catches up. Without it a
   * pass that runs before our own write's watch event arrives would see the
   * old object and write again. resourceVersions are etcd revisions here, so
   * "newer" is a numeric comparison.
   */
  readonly #written = new Map<string, KubeObject>();

  constructor(deps: ReconcilerDeps) {
    this.#d = deps;
  }

  /** Called by the informer wiring when a child is deleted, so a deleted child is recreated. */
  forget(type: ResourceType, namespace: string, name: string): void {
    this.#written.delete(resourcePath(type, namespace, name));
  }

  #freshest<T extends KubeObject>(type: ResourceType, cached: T | undefined, namespace: string, name: string): T | undefined {
    const path = resourcePath(type, namespace, name);
    const mine = this.#written.get(path) as T | undefined;
    if (mine === undefined) return cached;
    if (cached !== undefined && rv(cached) >= rv(mine)) {
      this.#written.delete(path);
      return cached;
    }
    return cached === undefined ? undefined : mine;
  }

  #remember(type: ResourceType, object: KubeObject): void {
    this.#written.set(resourcePath(type, object.metadata?.namespace, object.metadata?.name), object);
  }

  async reconcile(key: string): Promise<void> {
    const [namespace = '', name = ''] = key.split('/');
    const d = this.#d;
    const cached = d.caches.inferenceServices.get(namespace, name);
    const isvc = this.#freshest(INFERENCE_SERVICES, cached, namespace, name);
    if (isvc === undefined || isvc.metadata.deletionTimestamp !== undefined) return;

    const generation = isvc.metadata.generation ?? 0;
    const defaulted = defaultAndValidate(isvc);
    const childEvents: EventSpec[] = [];
    let deployment: V1Deployment | undefined;
    let service: V1Service | undefined;
    let failure: unknown;
    if (defaulted.ok) {
      // The children do not depend on each other: write them concurrently.
      const hpa = buildHpa(defaulted.isvc);
      const results = await Promise.allSettled([
        this.#ensure(DEPLOYMENTS, buildDeployment(defaulted.isvc, d.config), d.caches.deployments, isvc, childEvents),
        this.#ensure(SERVICES, buildService(defaulted.isvc), d.caches.services, isvc, childEvents),
        hpa !== undefined ? this.#ensure(HPAS, hpa, d.caches.hpas, isvc, childEvents) : this.#deleteOwned(HPAS, d.caches.hpas, isvc, hpaName(name)),
      ]);
      const [deploymentResult, serviceResult] = results;
      if (deploymentResult.status === 'fulfilled') deployment = deploymentResult.value;
      if (serviceResult.status === 'fulfilled') service = serviceResult.value;
      failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')?.reason;
    }

    const status = (current: InferenceService): InferenceServiceStatus => computeStatus({
      isvc: current,
      generation,
      ...(defaulted.ok ? {} : { invalid: defaulted.errors }),
      ...(failure === undefined ? {} : { error: failure instanceof Error ? failure.message : String(failure) }),
      deployment,
      service,
      pods: d.caches.podsFor(namespace, name),
      clusterDomain: d.config.clusterDomain,
      now: new Date(d.clock.now()).toISOString(),
    });
    await this.#writeStatus(isvc, status, childEvents);
    if (failure !== undefined) throw failure;
  }

  async #ensure<T extends KubeObject>(type: ResourceType, built: T, cache: Lister<T>, isvc: InferenceService, events: EventSpec[]): Promise<T> {
    const desired = withDesiredHash(built);
    const namespace = isvc.metadata.namespace;
    const name = desired.metadata?.name ?? '';
    const observed = this.#freshest(type, cache.get(namespace, name), namespace, name);
    if (observed !== undefined && !controlledBy(observed, isvc)) {
      throw new Error(`${type.kind} ${namespace}/${name} exists and is not controlled by this InferenceService`);
    }
    const reason = applyReason(desired, observed);
    if (reason === undefined) return observed as T;
    const applied = await this.#d.client.apply(type, desired, FIELD_MANAGER);
    this.#remember(type, applied);
    // Creation and spec updates are the expected course (the status says so);
    // a change made behind the operator's back deserves an Event.
    if (reason === 'drift') events.push(restoredEvent(type, name));
    this.#d.logger.info('applied child', { isvc: `${namespace}/${isvc.metadata.name}`, kind: type.kind, name, reason });
    return applied;
  }

  async #deleteOwned<T extends KubeObject>(type: ResourceType, cache: Lister<T>, isvc: InferenceService, name: string): Promise<void> {
    const namespace = isvc.metadata.namespace;
    const observed = cache.get(namespace, name);
    if (observed === undefined || !controlledBy(observed, isvc)) return;
    await this.#d.client.delete(type, namespace, name, observed.metadata?.uid);
    this.forget(type, namespace, name);
  }

  /** Writes the status if it changed; a 409 is retried from a fresh read of the object. */
  async #writeStatus(isvc: InferenceService, compute: (current: InferenceService) => InferenceServiceStatus, childEvents: EventSpec[]): Promise<void> {
    const d = this.#d;
    let current = isvc;
    for (let attempt = 1; ; attempt++) {
      const next = compute(current);
      if (canonicalJson(current.status ?? {}) === canonicalJson(next)) break;
      try {
        const written = await d.client.updateStatus(INFERENCE_SERVICES, { ...current, status: next });
        d.logger.debug('wrote status', { isvc: `${isvc.metadata.namespace}/${isvc.metadata.name}`, before: current.status, after: next });
        this.#remember(INFERENCE_SERVICES, written);
        childEvents.push(...transitionEvents(current.status, next));
        break;
      } catch (err) {
        if (!isConflict(err) || attempt >= STATUS_ATTEMPTS) throw err;
        const fresh = await d.client.get<InferenceService>(INFERENCE_SERVICES, isvc.metadata.namespace, isvc.metadata.name);
        if (fresh === undefined || fresh.metadata.uid !== isvc.metadata.uid) return;
        current = fresh;
      }
    }
    for (const event of childEvents) await d.events.record(current, event);
  }
}

function restoredEvent(type: ResourceType, name: string): EventSpec {
  return { type: 'Normal', reason: `Restored${type.kind}`, message: `${type.kind} ${name} was changed outside the operator; restored it` };
}
