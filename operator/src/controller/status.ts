// Status of an InferenceService, derived by small pure setters from what was
// observed in one reconcile pass (the children, the predictor pods, any error).
// The reconciler writes the result once, and only when it differs.
import type { HeldHostname } from '../hostname.ts';
import type { V1Deployment, V1Pod, V1Service } from '@kubernetes/client-node';
import type { Condition, InferenceService, InferenceServiceStatus, ModelStatus, PredictorStatus } from '../api/types.ts';
import type { TrafficCondition } from '../canary/plan.ts';
import { ROLLOUT_CONDITION } from '../canary/rollout.ts';
import { podModelState, type ModelState } from '../pod-state.ts';
import { serviceUrl } from '../resources/service.ts';
import { DRIFT_DETECTED, driftCondition } from '../drift/condition.ts';
import type { DriftSample } from '../drift/query.ts';

export const PREDICTOR_READY = 'PredictorReady';
export const TRAFFIC_READY = 'TrafficReady';
export const READY = 'Ready';
/** Reasons of refusals an author must act on; each raises a Warning Event when it appears or changes. */
export const POLICY_VIOLATION = 'PolicyViolation';
export const CHILD_CONFLICT = 'ChildConflict';
export const HOSTNAME_CONFLICT = 'HostnameConflict';

export interface StatusInput {
  isvc: Pick<InferenceService, 'metadata' | 'status'>;
  /** The generation the pass reconciled (observedGeneration on success). */
  generation: number;
  /** Set when the spec failed validation; nothing was created. */
  invalid?: string[];
  /** Set when the spec breaks the operator's tenant policy; nothing was written. */
  policyViolations?: string[];
  /** Children not written because someone else's object has their name. */
  conflicts?: string[];
  /** The InferenceService (namespace/name) holding one of this one's route hostnames, and which. */
  hostnameHeldBy?: HeldHostname;
  /** Set when writing a child failed; the pass is retried. */
  error?: string;
  /** The latest revision's Deployment. */
  deployment: V1Deployment | undefined;
  service: V1Service | undefined;
  /** The latest revision's pods. */
  pods: readonly V1Pod[];
  /** The canary plan of a pass that applied it; absent, the last status's traffic is kept. */
  traffic?: {
    predictor: PredictorStatus;
    condition: TrafficCondition;
    /** Pods of the revisions with a share of the traffic. */
    servingPods: readonly V1Pod[];
  };
  /** The latest drift observation (controller/drift-monitor.ts); absent: the DriftDetected condition is kept as it is. */
  drift?: { samples: readonly DriftSample[]; threshold: number };
  /** The RolloutProgressing condition to set, or 'remove' when no rollout is configured; absent: kept as it is. */
  rollout?: Omit<Condition, 'lastTransitionTime'> | 'remove' | undefined;
  clusterDomain: string;
  now: string;
}

/** Keeps lastTransitionTime when the status of a condition did not change. */
export function setCondition(conditions: readonly Condition[], next: Condition, now: string): Condition[] {
  const previous = conditions.find((c) => c.type === next.type);
  const lastTransitionTime = previous !== undefined && previous.status === next.status ? previous.lastTransitionTime ?? now : now;
  const updated: Condition = { ...next, lastTransitionTime };
  return previous === undefined ? [...conditions, updated] : conditions.map((c) => (c.type === next.type ? updated : c));
}

/** The model state over all live predictor pods, plus the scheduler's message while they are pending. */
export function computeModelStatus(pods: readonly V1Pod[]): { model: ModelStatus; pendingMessage?: string } {
  const live = pods.filter((p) => p.metadata?.deletionTimestamp === undefined);
  const states = live.map(podModelState);
  const failed = states.filter((s) => s.state === 'FailedToLoad');
  const has = (s: ModelState): boolean => states.some((x) => x.state === s);
  const active: ModelState = has('Loaded') ? 'Loaded' : failed.length > 0 ? 'FailedToLoad' : has('Loading') ? 'Loading' : 'Pending';
  const transitionStatus = active === 'Loaded' ? 'UpToDate' : active === 'FailedToLoad' ? 'BlockedByFailedLoad' : 'InProgress';
  const pendingMessage = states.find((s) => s.pendingMessage !== undefined)?.pendingMessage;
  const model: ModelStatus = {
    states: { activeModelState: active, targetModelState: 'Loaded' },
    transitionStatus,
    ...(failed[0]?.failure !== undefined ? { lastFailureInfo: failed[0].failure } : {}),
    copies: { failedCopies: failed.length, totalCopies: live.length },
  };
  return pendingMessage === undefined ? { model } : { model, pendingMessage };
}

function readyPods(pods: readonly V1Pod[]): number {
  return pods.filter((p) => p.metadata?.deletionTimestamp === undefined && podModelState(p).state === 'Loaded').length;
}

function predictorReady(input: StatusInput, { model, pendingMessage }: ReturnType<typeof computeModelStatus>): Condition {
  const base = { type: PREDICTOR_READY, observedGeneration: input.generation };
  if (input.invalid !== undefined) return { ...base, status: 'False', reason: 'InvalidSpec', message: input.invalid.join('; ') };
  if (input.policyViolations !== undefined) return { ...base, status: 'False', reason: POLICY_VIOLATION, message: input.policyViolations.join('; ') };
  if (input.conflicts !== undefined && input.conflicts.length > 0) return { ...base, status: 'False', reason: CHILD_CONFLICT, message: input.conflicts.join('; ') };
  if (input.error !== undefined) return { ...base, status: 'False', reason: 'ReconcileFailed', message: input.error };
  if (input.deployment === undefined) return { ...base, status: 'False', reason: 'DeploymentMissing', message: 'the predictor Deployment does not exist yet' };
  const ready = readyPods(input.pods);
  if (ready > 0) return { ...base, status: 'True', reason: 'ModelLoaded', message: `${ready} of ${input.pods.length} predictor pods serve the model` };
  switch (model.states?.activeModelState) {
    case 'FailedToLoad': {
      const f = model.lastFailureInfo ?? {};
      return { ...base, status: 'False', reason: 'ModelLoadFailed', message: `${f.location ?? ''}: ${f.reason ?? ''}: ${f.message ?? ''}`.slice(0, 1024) };
    }
    case 'Loading':
      return { ...base, status: 'False', reason: 'ModelLoading', message: 'predictor pods are starting and loading the model' };
    default:
      return {
        ...base,
        status: 'False',
        reason: 'PodsPending',
        message: pendingMessage ?? (input.pods.length === 0 ? 'no predictor pods yet' : 'predictor pods are not scheduled yet'),
      };
  }
}

function trafficReady(input: StatusInput, predictor: Condition): Condition {
  const base = { type: TRAFFIC_READY, observedGeneration: input.generation };
  if (input.service === undefined) return { ...base, status: 'False', reason: 'ServiceMissing', message: 'the Service does not exist yet' };
  if (input.hostnameHeldBy !== undefined) {
    return { ...base, status: 'False', reason: HOSTNAME_CONFLICT, message: `the route hostname ${input.hostnameHeldBy.hostname} is already used by InferenceService ${input.hostnameHeldBy.holder}, created earlier; no route was written for this one` };
  }
  if (input.traffic !== undefined) return { ...base, ...input.traffic.condition };
  if (predictor.status !== 'True') return { ...base, status: 'False', reason: 'PredictorNotReady', message: 'no ready predictor pod behind the Service' };
  return { ...base, status: 'True', reason: 'ServiceReady', message: `the Service routes all traffic to the predictor` };
}

function ready(input: StatusInput, parts: readonly Condition[]): Condition {
  const base = { type: READY, observedGeneration: input.generation };
  const failing = parts.find((c) => c.status !== 'True');
  if (failing === undefined) return { ...base, status: 'True', reason: 'Ready', message: 'the InferenceService serves requests' };
  return { ...base, status: 'False', reason: failing.reason ?? failing.type, message: failing.message ?? '' };
}

/**
 * With revisions, the active model is the one serving (the rolled-out
 * revision during a canary) and the target is the latest revision's, as in
 * KServe: a canary that fails to load blocks the transition but leaves the
 * active model Loaded.
 */
function withServingModel(latest: ModelStatus, traffic: NonNullable<StatusInput['traffic']>): ModelStatus {
  const target = latest.states?.activeModelState ?? 'Pending';
  const active = traffic.servingPods.length > 0 ? computeModelStatus(traffic.servingPods).model.states?.activeModelState ?? target : target;
  const transitionStatus = target === 'FailedToLoad' ? 'BlockedByFailedLoad' : target === 'Loaded' && traffic.condition.status === 'True' ? 'UpToDate' : 'InProgress';
  return { ...latest, states: { activeModelState: active, targetModelState: target }, transitionStatus };
}

export function computeStatus(input: StatusInput): InferenceServiceStatus {
  const old = input.isvc.status ?? {};
  const observed = computeModelStatus(input.pods);
  const predictor = predictorReady(input, observed);
  if (input.traffic !== undefined) observed.model = withServingModel(observed.model, input.traffic);
  const traffic = trafficReady(input, predictor);
  let conditions = old.conditions ?? [];
  for (const c of [predictor, traffic, ready(input, [predictor, traffic])]) conditions = setCondition(conditions, c, input.now);
  // DriftDetected informs; it never makes the InferenceService unready.
  if (input.drift !== undefined) {
    const previous = conditions.find((c) => c.type === DRIFT_DETECTED);
    const drift = driftCondition({ ...input.drift, generation: input.generation, previous });
    if (drift !== undefined) conditions = setCondition(conditions, drift, input.now);
  }
  if (input.rollout === 'remove') conditions = conditions.filter((c) => c.type !== ROLLOUT_CONDITION);
  else if (input.rollout !== undefined) conditions = setCondition(conditions, { ...input.rollout, observedGeneration: input.generation }, input.now);

  const status: InferenceServiceStatus = {
    // observedGeneration moves only when the pass succeeded.
    ...(input.error === undefined ? { observedGeneration: input.generation } : old.observedGeneration !== undefined ? { observedGeneration: old.observedGeneration } : {}),
    conditions,
  };
  if (input.invalid !== undefined || input.policyViolations !== undefined) {
    status.modelStatus = { transitionStatus: 'InvalidSpec', states: { activeModelState: 'Pending', targetModelState: 'Loaded' } };
    return status;
  }
  if (input.service !== undefined) {
    const url = serviceUrl(input.isvc.metadata, input.clusterDomain);
    status.url = url;
    status.address = { url };
    // A failed pass keeps the last traffic: it may not have been applied.
    const kept = old.components?.predictor;
    status.components = { predictor: input.traffic?.predictor ?? kept ?? { url, traffic: [{ percent: 100, latestRevision: true }] } };
  }
  if (input.deployment !== undefined) {
    status.replicas = input.deployment.status?.replicas ?? 0;
    status.readyReplicas = input.deployment.status?.readyReplicas ?? 0;
  }
  status.modelStatus = observed.model;
  return status;
}
