// One reconcile pass for one InferenceService, in a fixed order: read it from
// the cache (gone or deleting: done, garbage collection removes the children),
// default and validate, build the desired children, apply only those that
// differ from what is observed, derive the status from what was observed, and
// write the status once if it changed. A failed child write still gets its
// status written, then the error is rethrown so the queue backs off.
// Children are per revision (see canary/): the planner decides which
// revisions run and their shares; new revisions are applied first, then the
// shared Service and the traffic route, and only then retired revisions are
// deleted, so nothing is removed while it may still be routed to.
import type { V1Deployment, V1Pod, V1Service, V2HorizontalPodAutoscaler } from '@kubernetes/client-node';
import { buildGrpcRoute } from '../canary/grpcroute.ts';
import { buildHttpRoute } from '../canary/httproute.ts';
import { resolveMode } from '../canary/mode.ts';
import { latestPods, observeRevisions, predictorStatus, previousStatus, revisionOf, servingPods } from '../canary/observe.ts';
import { planTraffic, type PlannedRevision, type TrafficMode, type TrafficPlan } from '../canary/plan.ts';
import { revisionExtras, variantInputs } from '../canary/variants.ts';
import { buildRevisionDeployment, type RevisionExtras, buildRevisionHpa, buildRevisionPdb, buildRevisionScaledObject, buildRevisionService, buildSharedService, revisionUrl } from '../canary/revision-resources.ts';
import { buildVirtualService } from '../canary/virtualservice.ts';
import { analyze } from '../canary/analysis.ts';
import { revisionName } from '../canary/revision.ts';
import { windowRecheckMs } from '../canary/rollback-window.ts';
import { afterPlan, applyDecision, rolloutConditionFor, startRollout, type RolloutState } from '../canary/rollout.ts';
import { prometheusRolloutMetrics, type RolloutMetrics } from './rollout-metrics.ts';
import type { Logger } from '../../../common/src/logger.ts';
import { defaultAndValidate } from '../api/validation.ts';
import type { DefaultedInferenceService, InferenceService, InferenceServiceStatus } from '../api/types.ts';
import type { BuildConfig } from '../settings.ts';
import { hostnameHolder, type HeldHostname, type HostnameClaimant } from '../hostname.ts';
import { gpuCount } from '../resources/placement.ts';
import { policyViolations } from '../tenant-policy.ts';
import type { Clock } from '../kube/clock.ts';
import { isConflict, resourcePath, type KubeClient, type KubeObject, type ResourceType } from '../kube/client.ts';
import { DEPLOYMENTS, GRPC_ROUTES, HPAS, HTTP_ROUTES, INFERENCE_SERVICES, PDBS, SCALED_OBJECTS, SERVICES, VIRTUAL_SERVICES } from '../kube/resources.ts';
import { FIELD_MANAGER, HANDOVER_FIELD_MANAGER, serviceName } from '../names.ts';
import { resolveAutoscaler, type AutoscalerClass } from '../resources/autoscaler-class.ts';
import { autoscaled } from '../resources/hpa.ts';
import { servicePorts, serviceUrl } from '../resources/service.ts';
import { canonicalJson } from '../canonical-json.ts';
import { applyReason, withDesiredHash } from './diff.ts';
import type { EventSpec } from '../event-spec.ts';
import { transitionEvents, type EventSink } from './events.ts';
import { computeStatus } from './status.ts';
import { driftThresholdOf } from '../api/defaults.ts';
import type { DriftObservations } from './drift-monitor.ts';

export interface Lister<T> {
  get(namespace: string, name: string): T | undefined;
}

export interface ReconcilerCaches {
  /** All of them: route hostnames are shared across namespaces. */
  inferenceServices: Lister<InferenceService> & { list(): InferenceService[] };
  deployments: Lister<V1Deployment>;
  services: Lister<V1Service>;
  hpas: Lister<V2HorizontalPodAutoscaler>;
  /** Per-revision PodDisruptionBudgets. */
  pdbs: Lister<KubeObject>;
  /** Predictor pods of one InferenceService. */
  podsFor(namespace: string, name: string): V1Pod[];
  /** Deployments and Services labelled with one InferenceService (all its revisions). */
  childrenFor(namespace: string, name: string): KubeObject[];
  /** Traffic routes; only read when their CRDs are installed. */
  httpRoutes: Lister<KubeObject>;
  /** Read only when the GRPCRoute CRD is installed too. */
  grpcRoutes?: Lister<KubeObject>;
  virtualServices: Lister<KubeObject>;
  /** KEDA ScaledObjects; only read when their CRD is installed. */
  scaledObjects: Lister<KubeObject>;
}

export interface ReconcilerDeps {
  client: KubeClient;
  caches: ReconcilerCaches;
  config: BuildConfig;
  events: EventSink;
  clock: Clock;
  logger: Logger;
  /** The DriftDetected condition's input; absent: the condition is never touched. */
  drift?: DriftObservations;
  /** Where automated rollouts read the canary's and the stable revision's metrics; default: Prometheus at --prometheus-url. */
  rolloutMetrics?: RolloutMetrics;
}

const STATUS_ATTEMPTS = 4;
/** A refused child is someone else's object: look again now and then, its owner may delete it (no watch event reaches us). */
export const CONFLICT_RECHECK_MS = 30_000;

/** What one pass learns besides the objects it applied. */
interface PassNotes {
  events: EventSpec[];
  /** Children not written because someone else's object has their name. */
  conflicts: string[];
}

type Meta = DefaultedInferenceService['metadata'];

/** What one revision's step applied (or found unchanged), by name. */
export interface RevisionChildren {
  revision: PlannedRevision;
  /** Absent when someone else's object has its name (refused, see #ensure). */
  deployment: V1Deployment | undefined;
  /** The revision's own Service. */
  service: V1Service | undefined;
  /** Its autoscaler, of the resolved class; absent when it has no room to scale. */
  hpa?: V2HorizontalPodAutoscaler;
  scaledObject?: KubeObject;
  /** Its PodDisruptionBudget; absent while it runs at most one pod. */
  pdb?: KubeObject;
}

/** Waits for every write, then throws the first failure: a failed write never leaves its siblings unwaited. */
async function settleAll<T extends readonly unknown[] | []>(writes: T): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const results = (await Promise.allSettled(writes)) as Array<PromiseSettledResult<unknown>>;
  const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (rejected !== undefined) throw rejected.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as { -readonly [K in keyof T]: Awaited<T[K]> };
}

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
  readonly #rolloutMetrics: RolloutMetrics;

  constructor(deps: ReconcilerDeps) {
    this.#d = deps;
    this.#rolloutMetrics = deps.rolloutMetrics ?? prometheusRolloutMetrics(deps.config.autoscaling.prometheusUrl);
  }

  /** Called by the informer wiring on delete events, so a deleted object is not taken for cache lag. */
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
    // Not in the cache yet (or older there): our write is the latest known
    // state. A deletion is never mistaken for lag: delete events call forget().
    return mine;
  }

  #remember(type: ResourceType, object: KubeObject): void {
    this.#written.set(resourcePath(type, object.metadata?.namespace, object.metadata?.name), object);
  }

  /** Resolves with a time to look again when the outcome depends on objects nobody tells us about. */
  async reconcile(key: string): Promise<{ requeueAfterMs: number } | undefined> {
    const [namespace = '', name = ''] = key.split('/');
    const d = this.#d;
    const cached = d.caches.inferenceServices.get(namespace, name);
    const isvc = this.#freshest(INFERENCE_SERVICES, cached, namespace, name);
    if (isvc === undefined || isvc.metadata.deletionTimestamp !== undefined) return undefined;

    const generation = isvc.metadata.generation ?? 0;
    const defaulted = defaultAndValidate(isvc, d.config.specDefaults);
    const childEvents: EventSpec[] = [];
    const notes: PassNotes = { events: childEvents, conflicts: [] };
    let deployment: V1Deployment | undefined;
    let service: V1Service | undefined;
    let failure: unknown;
    const pods = d.caches.podsFor(namespace, name);
    let plan: TrafficPlan | undefined;
    let modeProblem: string | undefined;
    let applied = false;
    // The CRD cannot know the administrator's policy: a spec breaking it gets no children at all.
    const violations = defaulted.ok ? this.#policyViolations(defaulted.isvc) : [];
    let hostnameHeldBy: HeldHostname | undefined;
    let rollout: RolloutState | undefined;
    let rolloutRecheckMs: number | undefined;
    // The pass that deletes a revision kept warm: nothing else happens when its window ends.
    let windowRecheck: number | undefined;
    if (defaulted.ok && violations.length === 0) {
      const resolved = resolveMode(isvc.metadata.annotations, d.config.traffic);
      hostnameHeldBy = this.#hostnameHolder(isvc, resolved.mode);
      const predictor = defaulted.isvc.spec.predictor;
      const scaler = resolveAutoscaler(isvc.metadata.annotations, d.config.autoscaling, predictor.minReplicas, autoscaled(predictor));
      modeProblem = [resolved.problem, scaler.problem].filter((p) => p !== undefined).join('; ') || undefined;
      const driven = await this.#driveRollout(isvc, defaulted.isvc.spec.predictor, childEvents);
      rollout = driven.state;
      rolloutRecheckMs = driven.recheckMs;
      plan = planTraffic({
        isvcName: name,
        predictor: driven.predictor,
        observed: observeRevisions(d.caches.childrenFor(namespace, name).filter((c) => controlledBy(c, isvc)), pods),
        previous: previousStatus(isvc.status),
        mode: resolved.mode,
        maxApportionedReplicas: d.config.traffic.maxApportionedReplicas,
        rollbackWindow: { seconds: predictor.rollbackWindowSeconds ?? 0, now: d.clock.now() },
        ...variantInputs(defaulted.isvc),
      });
      windowRecheck = windowRecheckMs(plan.status.rollbackWindow, d.clock.now());
      rollout = afterPlan(rollout, plan.revisions.find((r) => r.latest)?.percent ?? 0, plan.latest, d.clock.now());
      const meta = defaulted.isvc.metadata;
      // The model server of a release before revisions (chart 0.1.0: one
      // Deployment named <name>-predictor, no revision label) keeps serving
      // behind the shared Service's revision-less selector until a revision is
      // Ready at full size; only then it goes, with its HPA and PDB of that name.
      const legacyName = `${name}-predictor`;
      const legacy = d.caches.deployments.get(namespace, legacyName);
      const legacyPresent = legacy !== undefined && controlledBy(legacy, isvc) && revisionOf(legacy) === undefined;
      const legacyServing = legacyPresent && plan.status.latestReadyRevision === undefined;
      // Three steps in order; within a step the writes do not depend on each other and run concurrently.
      try {
        // 1. Every planned revision: Deployment, own Service, HPA or ScaledObject (or none).
        const extras = revisionExtras(plan, resolved.mode, defaulted.isvc, (r) => revisionUrl(isvc.metadata, r, d.config.clusterDomain));
        const revisions = await settleAll(plan.revisions.map((revision) => this.#applyRevision(isvc, meta, revision, scaler.autoscalerClass, notes, extras)));
        deployment = revisions.find((r) => r.revision.latest)?.deployment;
        // 2. The shared Service and the route move traffic.
        [service] = await settleAll([
          this.#ensure(SERVICES, buildSharedService(defaulted.isvc, legacyServing ? [] : plan.serviceSelects, plan.selectSplit === true && !legacyServing), d.caches.services, isvc, notes),
          this.#applyRoutes(isvc, defaulted.isvc, plan, resolved.mode, hostnameHeldBy !== undefined, notes).then(() => undefined),
        ]);
        // 3. Only then retired revisions go.
        await settleAll(plan.retire.map(async (retired) => {
          const deleted = await Promise.all([
            this.#deleteOwned(DEPLOYMENTS, d.caches.deployments, isvc, retired),
            this.#deleteOwned(SERVICES, d.caches.services, isvc, retired),
            this.#deleteOwned(HPAS, d.caches.hpas, isvc, retired),
            this.#deleteOwned(PDBS, d.caches.pdbs, isvc, retired),
            ...(d.config.autoscaling.kedaInstalled ? [this.#deleteOwned(SCALED_OBJECTS, d.caches.scaledObjects, isvc, retired)] : []),
          ]);
          if (deleted.some(Boolean)) childEvents.push({ type: 'Normal', reason: 'RevisionRetired', message: `deleted revision ${retired}` });
        }));
        if (legacyPresent && !legacyServing) {
          const deleted = await Promise.all([
            this.#deleteOwned(DEPLOYMENTS, d.caches.deployments, isvc, legacyName),
            this.#deleteOwned(HPAS, d.caches.hpas, isvc, legacyName),
            this.#deleteOwned(PDBS, d.caches.pdbs, isvc, legacyName),
          ]);
          if (deleted.some(Boolean)) childEvents.push({ type: 'Normal', reason: 'RevisionRetired', message: `deleted the pre-revision Deployment ${legacyName}` });
        }
        applied = true;
      } catch (err) {
        failure = err;
      }
    }
    const rolloutStatus = rollout?.status;
    const traffic = plan !== undefined && applied ? {
      predictor: {
        ...predictorStatus(plan, serviceUrl(isvc.metadata, d.config.clusterDomain), (r) => revisionUrl(isvc.metadata, r, d.config.clusterDomain)),
        ...(rolloutStatus !== undefined ? { rollout: rolloutStatus } : {}),
      },
      condition: modeProblem === undefined ? plan.condition : { ...plan.condition, message: `${plan.condition.message}; ${modeProblem}` },
      servingPods: servingPods(plan, pods),
    } : undefined;

    const driftSamples = defaulted.ok ? d.drift?.samplesFor(namespace, name) : undefined;
    const drift = defaulted.ok && driftSamples !== undefined ? { samples: driftSamples, threshold: driftThresholdOf(defaulted.isvc.spec.predictor) } : undefined;
    const status = (current: InferenceService): InferenceServiceStatus => computeStatus({
      isvc: current,
      generation,
      ...(defaulted.ok ? {} : { invalid: defaulted.errors }),
      ...(violations.length > 0 ? { policyViolations: violations } : {}),
      ...(hostnameHeldBy !== undefined ? { hostnameHeldBy } : {}),
      ...(failure === undefined ? {} : { error: failure instanceof Error ? failure.message : String(failure) }),
      ...(notes.conflicts.length > 0 ? { conflicts: notes.conflicts } : {}),
      deployment,
      service,
      pods: plan === undefined ? pods : latestPods(plan, pods),
      ...(traffic !== undefined ? { traffic } : {}),
      ...(drift !== undefined ? { drift } : {}),
      ...(traffic !== undefined && rollout !== undefined ? { rollout: rollout.rollout === undefined ? 'remove' as const : rolloutConditionFor(rollout) } : {}),
      clusterDomain: d.config.clusterDomain,
      now: new Date(d.clock.now()).toISOString(),
    });
    await this.#writeStatus(isvc, status, childEvents);
    if (failure !== undefined) throw failure;
    const recheck = [notes.conflicts.length > 0 || hostnameHeldBy !== undefined ? CONFLICT_RECHECK_MS : undefined, rolloutRecheckMs, windowRecheck]
      .filter((ms): ms is number => ms !== undefined);
    return recheck.length > 0 ? { requeueAfterMs: Math.min(...recheck) } : undefined;
  }

  /**
   * The automated rollout's part of a pass (canary/rollout.ts): its state from
   * the last status, the analysis when the step's clock runs (one round of
   * Prometheus queries), and the predictor the planner gets, with the
   * rollout's percent in place of the spec's.
   */
  async #driveRollout(isvc: InferenceService, predictor: DefaultedInferenceService['spec']['predictor'], events: EventSpec[]): Promise<{ state: RolloutState; predictor: DefaultedInferenceService['spec']['predictor']; recheckMs?: number }> {
    const d = this.#d;
    const latest = revisionName(isvc.metadata.name, predictor);
    const rolledOut = isvc.status?.components?.predictor?.latestRolledoutRevision;
    let state = startRollout({
      rollout: predictor.rollout,
      specPercent: predictor.canaryTrafficPercent,
      annotations: isvc.metadata.annotations,
      latest,
      rolledOut,
      previous: isvc.status?.components?.predictor?.rollout,
    }, d.clock.now());
    let recheckMs = state.status?.phase === 'Progressing' && (state.status.trafficPercent ?? 0) < 100 && state.rollout !== undefined
      ? (state.rollout.interval ?? 30) * 1000 : undefined;
    if (state.analyse !== undefined && rolledOut !== undefined) {
      const observation = await this.#rolloutMetrics.observe({
        namespace: isvc.metadata.namespace, canary: latest, stable: rolledOut, windowSeconds: state.analyse.settings.intervalSeconds,
        ...(state.analyse.settings.checks.predictionDrift !== undefined ? { predictions: true } : {}),
      });
      const decision = analyze({ ...state.analyse, observation });
      const outcome = applyDecision(state, decision, latest);
      d.logger.info('canary analysis', { isvc: `${isvc.metadata.namespace}/${isvc.metadata.name}`, revision: latest, step: state.analyse.step, decision: decision.kind, observation });
      state = outcome.state;
      if (outcome.event !== undefined) events.push(outcome.event);
      if (outcome.recheckMs !== undefined) recheckMs = outcome.recheckMs;
    }
    const { canaryTrafficPercent: _spec, ...rest } = predictor;
    return { state, predictor: state.percent === undefined ? rest : { ...rest, canaryTrafficPercent: state.percent }, ...(recheckMs !== undefined ? { recheckMs } : {}) };
  }

  /**
   * Applies one child, or refuses: an object of the same name this
   * InferenceService does not control is never written (it is someone else's:
   * taking it over would rewrite it and garbage-collect it with us). The
   * refusal goes to `conflicts` (status and an Event) and the pass goes on
   * with the other children.
   */
  async #ensure<T extends KubeObject>(type: ResourceType, built: T, cache: Lister<T>, isvc: InferenceService, notes: PassNotes): Promise<T | undefined> {
    const desired = withDesiredHash(built);
    const namespace = isvc.metadata.namespace;
    const name = desired.metadata?.name ?? '';
    // The caches hold only objects labelled as ours, so a miss is not proof
    // of absence: ask the API server before creating.
    const observed = this.#freshest(type, cache.get(namespace, name), namespace, name) ?? await this.#d.client.get<T>(type, namespace, name);
    if (observed !== undefined && !controlledBy(observed, isvc)) {
      notes.conflicts.push(`${type.kind} ${namespace}/${name} exists and is not controlled by this InferenceService; not taking it over`);
      return undefined;
    }
    const reason = applyReason(desired, observed);
    if (reason === undefined) return observed as T;
    // Forced only over an object we control: a first write that races someone
    // else's create of the same name fails with 409 instead of taking it over.
    let applied: T;
    try {
      applied = await this.#d.client.apply(type, desired, FIELD_MANAGER, { force: observed !== undefined });
    } catch (err) {
      if (observed !== undefined || !isConflict(err)) throw err;
      notes.conflicts.push(`${type.kind} ${namespace}/${name} was created by someone else meanwhile; not taking it over`);
      return undefined;
    }
    this.#remember(type, applied);
    // Creation and spec updates are the expected course (the status says so);
    // a change made behind the operator's back deserves an Event.
    if (reason === 'drift') notes.events.push(restoredEvent(type, name));
    this.#d.logger.info('applied child', { isvc: `${namespace}/${isvc.metadata.name}`, kind: type.kind, name, reason });
    return applied;
  }

  /**
   * Server-side apply resets a field that its only manager stops setting, so
   * a Deployment going from fixed replicas to an HPA (a Service-mode split
   * ending) would drop to 1 pod. Before the apply that gives replicas up, a
   * second manager takes them at their current value; the HPA's scale writes
   * then take them from it.
   */
  async #handOverReplicas(isvc: InferenceService, desired: V1Deployment): Promise<void> {
    const namespace = isvc.metadata.namespace;
    const name = desired.metadata?.name ?? '';
    if (desired.spec?.replicas !== undefined || this.#d.caches.hpas.get(namespace, name) !== undefined || this.#d.caches.scaledObjects.get(namespace, name) !== undefined) return;
    const observed = this.#freshest(DEPLOYMENTS, this.#d.caches.deployments.get(namespace, name), namespace, name);
    const current = observed?.spec?.replicas;
    if (observed === undefined || current === undefined || !controlledBy(observed, isvc)) return;
    await this.#d.client.apply(DEPLOYMENTS, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace }, spec: { replicas: current } }, HANDOVER_FIELD_MANAGER);
    this.#d.logger.info('handed replicas over to the autoscaler', { isvc: `${namespace}/${isvc.metadata.name}`, deployment: name, replicas: current });
  }

  /** One planned revision's children, written concurrently; the record names each, so a new child kind cannot shift another. */
  async #applyRevision(isvc: InferenceService, meta: Meta, revision: PlannedRevision, autoscalerClass: AutoscalerClass, notes: PassNotes, extras: RevisionExtras | undefined): Promise<RevisionChildren> {
    const d = this.#d;
    const desired = buildRevisionDeployment(meta, revision, d.config, extras);
    const [deployment, service, autoscaler, pdb] = await settleAll([
      this.#handOverReplicas(isvc, desired).then(() => this.#ensure(DEPLOYMENTS, desired, d.caches.deployments, isvc, notes)),
      this.#ensure(SERVICES, buildRevisionService(meta, revision), d.caches.services, isvc, notes),
      this.#applyAutoscaler(isvc, meta, revision, autoscalerClass, notes),
      this.#applyPdb(isvc, meta, revision, notes),
    ] as const);
    return { revision, deployment, service, ...autoscaler, ...(pdb !== undefined ? { pdb } : {}) };
  }

  /** The revision's PodDisruptionBudget while it may run more than one pod; removed when it drops to one. */
  async #applyPdb(isvc: InferenceService, meta: Meta, revision: PlannedRevision, notes: PassNotes): Promise<KubeObject | undefined> {
    const pdb = buildRevisionPdb(meta, revision);
    if (pdb !== undefined) return await this.#ensure(PDBS, pdb, this.#d.caches.pdbs, isvc, notes);
    await this.#deleteOwned(PDBS, this.#d.caches.pdbs, isvc, revision.name);
    return undefined;
  }

  /** The revision's autoscaler of the resolved class; one of the other class is removed (the class may have changed). */
  async #applyAutoscaler(isvc: InferenceService, meta: Meta, revision: PlannedRevision, autoscalerClass: AutoscalerClass, notes: PassNotes): Promise<Pick<RevisionChildren, 'hpa' | 'scaledObject'>> {
    const d = this.#d;
    const hpa = autoscalerClass === 'hpa' ? buildRevisionHpa(meta, revision) : undefined;
    const scaledObject = autoscalerClass === 'keda' ? buildRevisionScaledObject(meta, revision, d.config.autoscaling.prometheusUrl) : undefined;
    const [appliedHpa, appliedScaledObject] = await Promise.all([
      hpa !== undefined ? this.#ensure(HPAS, hpa, d.caches.hpas, isvc, notes) : this.#deleteOwned(HPAS, d.caches.hpas, isvc, revision.name).then(() => undefined),
      !d.config.autoscaling.kedaInstalled ? undefined
        : scaledObject !== undefined ? this.#ensure(SCALED_OBJECTS, scaledObject, d.caches.scaledObjects, isvc, notes)
        : this.#deleteOwned(SCALED_OBJECTS, d.caches.scaledObjects, isvc, revision.name).then(() => undefined),
    ]);
    return { ...(appliedHpa !== undefined ? { hpa: appliedHpa } : {}), ...(appliedScaledObject !== undefined ? { scaledObject: appliedScaledObject } : {}) };
  }

  #policyViolations(isvc: DefaultedInferenceService): string[] {
    const p = this.#d.config.placement;
    return policyViolations({ namespace: isvc.metadata.namespace, predictor: isvc.spec.predictor }, this.#d.config.tenantPolicy, {
      gpu: gpuCount(isvc.spec.predictor) > 0,
      tolerationKey: p.gpuTolerationKey,
      nodeSelectorKeys: [...Object.keys(p.gpuNodeSelector), p.acceleratorLabel],
    });
  }

  /** The InferenceService created earlier that answers on one of this one's route hostnames (either protocol's), when the mode exposes one. */
  #hostnameHolder(isvc: InferenceService, mode: TrafficMode): HeldHostname | undefined {
    const t = this.#d.config.traffic;
    const exposed = (mode === 'gatewayApi' && t.installed.gatewayApi) || (mode === 'istio' && t.installed.istio && t.istioGateways.length > 0);
    const claimant = (o: InferenceService): HostnameClaimant => ({ ...o.metadata, primary: servicePorts(o.spec.predictor).primary });
    return exposed ? hostnameHolder(claimant(isvc), this.#d.caches.inferenceServices.list().map(claimant), t) : undefined;
  }

  /**
   * The route of the resolved mode; routes of the other installed modes are
   * removed (the mode may have changed). When another InferenceService holds
   * the hostname, no HTTPRoute is written (the Gateway would merge both) and
   * the VirtualService stays in the mesh.
   */
  async #applyRoutes(isvc: InferenceService, defaulted: Parameters<typeof buildHttpRoute>[0], plan: TrafficPlan, mode: TrafficMode, hostnameHeld: boolean, notes: PassNotes): Promise<void> {
    const d = this.#d;
    const t = d.config.traffic;
    const name = serviceName(isvc.metadata.name);
    if (t.installed.gatewayApi) {
      if (mode === 'gatewayApi' && !hostnameHeld) await this.#ensure(HTTP_ROUTES, buildHttpRoute(defaulted, plan.revisions, t, plan.shadow?.percent ?? 0), d.caches.httpRoutes, isvc, notes);
      else await this.#deleteOwned(HTTP_ROUTES, d.caches.httpRoutes, isvc, name);
      // gRPC clients get the same split through a GRPCRoute, where the Gateway serves that kind.
      const grpcRoutes = d.caches.grpcRoutes;
      if (t.installed.grpcRoute === true && grpcRoutes !== undefined) {
        if (mode === 'gatewayApi' && !hostnameHeld) await this.#ensure(GRPC_ROUTES, buildGrpcRoute(defaulted, plan.revisions, t, plan.shadow?.percent ?? 0), grpcRoutes, isvc, notes);
        else await this.#deleteOwned(GRPC_ROUTES, grpcRoutes, isvc, name);
      }
    }
    if (t.installed.istio) {
      if (mode === 'istio') await this.#ensure(VIRTUAL_SERVICES, buildVirtualService(defaulted, plan.revisions, t, d.config.clusterDomain, !hostnameHeld, plan.shadow?.percent ?? 0), d.caches.virtualServices, isvc, notes);
      else await this.#deleteOwned(VIRTUAL_SERVICES, d.caches.virtualServices, isvc, name);
    }
  }

  /** True when a delete was sent. */
  async #deleteOwned<T extends KubeObject>(type: ResourceType, cache: Lister<T>, isvc: InferenceService, name: string): Promise<boolean> {
    const namespace = isvc.metadata.namespace;
    const observed = cache.get(namespace, name);
    if (observed === undefined || !controlledBy(observed, isvc)) return false;
    await this.#d.client.delete(type, namespace, name, observed.metadata?.uid);
    this.forget(type, namespace, name);
    return true;
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
