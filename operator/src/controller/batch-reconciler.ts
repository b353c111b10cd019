// One pass for one BatchInference: default and check the spec, apply the
// tenant policy, resolve the model, create the run's Job (once) or apply the
// schedule's CronJob, then derive the status from the Job and its shard pods
// and write it only when it changed. A run that finished at this generation
// is left alone: no read of its children, no write.
import type { V1CronJob, V1Job, V1Pod } from '@kubernetes/client-node';
import type { Logger } from '../../../common/src/logger.ts';
import { defaultBatchSpec } from '../api/batch-validation.ts';
import type { BatchInference, BatchInferenceStatus, DefaultedBatchSpec } from '../api/batch-types.ts';
import { canonicalJson } from '../canonical-json.ts';
import type { Clock } from '../kube/clock.ts';
import { isConflict, type KubeClient, type KubeObject } from '../kube/client.ts';
import { BATCH_INFERENCES, CRON_JOBS, JOBS } from '../kube/resources.ts';
import { batchCronJobName, batchJobName, FIELD_MANAGER } from '../names.ts';
import { gpuCount } from '../resources/placement.ts';
import type { BuildConfig } from '../settings.ts';
import { policyViolations } from '../tenant-policy.ts';
import { buildBatchCronJob, buildBatchJob, MODEL_ANNOTATION, MODEL_URI_ANNOTATION, outputUri, REVISION_ANNOTATION, type BatchRun } from '../batch/job.ts';
import { resolveModel, type ModelLookup } from '../batch/model-source.ts';
import { batchTransitionEvents, computeBatchStatus, finished, type BatchStatusInput } from './batch-status.ts';
import { applyReason, withDesiredHash } from './diff.ts';
import type { EventSink } from './events.ts';

const STATUS_ATTEMPTS = 4;
/** How often a pending reference (an InferenceService that has not rolled out yet) is looked at again, besides its events. */
const PENDING_RECHECK_MS = 30_000;

export interface Lister<T> { get(namespace: string, name: string): T | undefined }

export interface BatchCaches {
  batchInferences: Lister<BatchInference>;
  jobs: Lister<V1Job>;
  cronJobs: Lister<V1CronJob>;
  /** Jobs carrying the BatchInference's label (a schedule's runs). */
  jobsFor(namespace: string, name: string): V1Job[];
  /** Shard pods carrying the BatchInference's label. */
  podsFor(namespace: string, name: string): V1Pod[];
  /** InferenceServices and revision Deployments, for inferenceServiceRef. */
  models(namespace: string): ModelLookup;
}

export interface BatchReconcilerDeps {
  client: KubeClient;
  clock: Clock;
  logger: Logger;
  events: EventSink;
  config: BuildConfig;
  caches: BatchCaches;
}

const rv = (o: KubeObject | undefined): number => Number(o?.metadata?.resourceVersion ?? 0);
const ownedBy = (o: KubeObject, bi: BatchInference): boolean => (o.metadata?.ownerReferences ?? []).some((r) => r.controller === true && r.uid === bi.metadata.uid);
const creation = (j: V1Job): string => new Date(j.metadata?.creationTimestamp ?? 0).toISOString();

type Problem = { reason: string; message: string };

export class BatchReconciler {
  readonly #d: BatchReconcilerDeps;
  /** Our own status writes until the informer catches up (as the InferenceService reconciler does). */
  readonly #written = new Map<string, BatchInference>();
  /** Jobs this process created until the informer shows them, so a quick second pass does not create again. */
  readonly #createdJobs = new Map<string, V1Job>();

  constructor(deps: BatchReconcilerDeps) {
    this.#d = deps;
  }

  forget(namespace: string, name: string): void {
    this.#written.delete(`${namespace}/${name}`);
    this.#createdJobs.delete(`${namespace}/${name}`);
  }

  #freshest(namespace: string, name: string): BatchInference | undefined {
    const key = `${namespace}/${name}`;
    const cached = this.#d.caches.batchInferences.get(namespace, name);
    const mine = this.#written.get(key);
    if (mine === undefined || (cached !== undefined && (rv(cached) >= rv(mine) || cached.metadata.uid !== mine.metadata.uid))) {
      this.#written.delete(key);
      return cached;
    }
    return cached === undefined ? undefined : mine;
  }

  async reconcile(key: string): Promise<{ requeueAfterMs: number } | undefined> {
    const [namespace = '', name = ''] = key.split('/');
    const bi = this.#freshest(namespace, name);
    if (bi === undefined || bi.metadata.deletionTimestamp !== undefined) return undefined;
    const generation = bi.metadata.generation ?? 0;
    if (bi.spec.schedule === undefined && finished(bi.status, generation)) return undefined;

    const defaulted = defaultBatchSpec(bi);
    if (!defaulted.ok) {
      await this.#writeStatus(bi, this.#input(bi, 1, undefined, { job: undefined, pods: [], outputUri: '' }, false, { reason: 'InvalidSpec', message: defaulted.errors.join('; ') }));
      return undefined;
    }
    const spec = defaulted.spec;
    const violations = this.#policyViolations(bi, spec);
    if (violations.length > 0) {
      await this.#writeStatus(bi, this.#input(bi, spec.shards, undefined, { job: undefined, pods: [], outputUri: '' }, spec.schedule !== undefined, { reason: 'PolicyViolation', message: violations.join('; ') }));
      return undefined;
    }
    return spec.schedule === undefined ? await this.#reconcileRun(bi, spec) : await this.#reconcileSchedule(bi, spec);
  }

  async #reconcileRun(bi: BatchInference, spec: DefaultedBatchSpec): Promise<{ requeueAfterMs: number } | undefined> {
    const { namespace, name } = bi.metadata;
    let job = this.#job(bi);
    let problem: Problem | undefined;
    let model: BatchStatusInput['model'];
    if (job === undefined) {
      const resolved = resolveModel(spec, this.#d.caches.models(namespace), bi.status?.revision);
      if (!resolved.ok) problem = resolved;
      else {
        const run: BatchRun = { meta: bi.metadata, spec, model: resolved.model, description: resolved.description, revision: resolved.revision };
        model = { description: resolved.description, uri: resolved.model.storageUri, revision: resolved.revision };
        const created = await this.#createJob(bi, buildBatchJob(run, this.#d.config));
        if ('problem' in created) problem = created.problem;
        else job = created.job;
      }
    }
    const pods = job === undefined ? [] : this.#d.caches.podsFor(namespace, name);
    await this.#writeStatus(bi, this.#input(bi, spec.shards, job === undefined ? model : modelOf(job), { job, pods, outputUri: outputUri(spec) }, false, problem));
    return problem !== undefined && problem.reason !== 'ChildConflict' ? { requeueAfterMs: PENDING_RECHECK_MS } : undefined;
  }

  async #reconcileSchedule(bi: BatchInference, spec: DefaultedBatchSpec): Promise<{ requeueAfterMs: number } | undefined> {
    const { namespace, name } = bi.metadata;
    const resolved = resolveModel(spec, this.#d.caches.models(namespace));
    let problem: Problem | undefined = resolved.ok ? undefined : resolved;
    let cronJob = this.#d.caches.cronJobs.get(namespace, batchCronJobName(name));
    if (resolved.ok) {
      const desired = buildBatchCronJob({ meta: bi.metadata, spec, model: resolved.model, description: resolved.description, revision: resolved.revision }, this.#d.config)!;
      const applied = await this.#applyCronJob(bi, desired, cronJob);
      if ('problem' in applied) problem = applied.problem;
      else cronJob = applied.cronJob;
    }
    // The latest run: the newest Job carrying our label and owned by our CronJob.
    const runs = this.#d.caches.jobsFor(namespace, name).filter((j) => cronJob !== undefined && (j.metadata?.ownerReferences ?? []).some((r) => r.uid === cronJob!.metadata?.uid));
    const job = runs.sort((a, b) => creation(b).localeCompare(creation(a)) || (b.metadata?.name ?? '').localeCompare(a.metadata?.name ?? ''))[0];
    const pods = job === undefined ? [] : this.#d.caches.podsFor(namespace, name);
    const model = job !== undefined ? modelOf(job) : resolved.ok ? { description: resolved.description, uri: resolved.model.storageUri, revision: resolved.revision } : undefined;
    await this.#writeStatus(bi, this.#input(bi, spec.shards, model, { job, pods, outputUri: outputUri(spec, job?.metadata?.name) }, true, problem, cronJob));
    return problem !== undefined && problem.reason !== 'ChildConflict' ? { requeueAfterMs: PENDING_RECHECK_MS } : undefined;
  }

  #job(bi: BatchInference): V1Job | undefined {
    const { namespace, name } = bi.metadata;
    const key = `${namespace}/${name}`;
    const cached = this.#d.caches.jobs.get(namespace, batchJobName(name));
    const mine = this.#createdJobs.get(key);
    if (cached !== undefined) {
      this.#createdJobs.delete(key);
      return ownedBy(cached, bi) ? cached : undefined;
    }
    return mine !== undefined && ownedBy(mine, bi) ? mine : undefined;
  }

  /** Creates the run's Job; a Job of that name owned by someone else is reported, never taken over. */
  async #createJob(bi: BatchInference, desired: V1Job): Promise<{ job: V1Job } | { problem: Problem }> {
    const { client } = this.#d;
    try {
      const job = await client.create(JOBS, desired);
      this.#createdJobs.set(`${bi.metadata.namespace}/${bi.metadata.name}`, job);
      return { job };
    } catch (err) {
      if (!isConflict(err)) throw err;
      const existing = await client.get<V1Job>(JOBS, bi.metadata.namespace, desired.metadata!.name!);
      if (existing !== undefined && ownedBy(existing, bi)) return { job: existing };
      return { problem: { reason: 'ChildConflict', message: `a Job named ${desired.metadata!.name!} already exists and is not this BatchInference's; delete or rename it` } };
    }
  }

  /** Server-side apply of the schedule; a first write reads the live object and never takes over someone else's. */
  async #applyCronJob(bi: BatchInference, desired: V1CronJob, cached: V1CronJob | undefined): Promise<{ cronJob: V1CronJob } | { problem: Problem }> {
    const { client } = this.#d;
    const observed = cached ?? await client.get<V1CronJob>(CRON_JOBS, bi.metadata.namespace, desired.metadata!.name!);
    if (observed !== undefined && !ownedBy(observed, bi)) {
      return { problem: { reason: 'ChildConflict', message: `a CronJob named ${desired.metadata!.name!} already exists and is not this BatchInference's; delete or rename it` } };
    }
    const hashed = withDesiredHash(desired);
    if (applyReason(hashed, observed) === undefined) return { cronJob: observed! };
    // Unforced when creating: someone else's object created meanwhile fails with 409 instead of being taken over.
    const cronJob = await client.apply(CRON_JOBS, hashed, FIELD_MANAGER, { force: observed !== undefined });
    return { cronJob };
  }

  #policyViolations(bi: BatchInference, spec: DefaultedBatchSpec): string[] {
    const p = this.#d.config.placement;
    const predictorLike = {
      model: spec.model ?? { modelFormat: { name: 'onnx' as const }, storageUri: spec.input.storageUri },
      ...(spec.serviceAccountName !== undefined ? { serviceAccountName: spec.serviceAccountName } : {}),
      ...(spec.tolerations !== undefined ? { tolerations: spec.tolerations } : {}),
      ...(spec.nodeSelector !== undefined ? { nodeSelector: spec.nodeSelector } : {}),
      ...(spec.annotations !== undefined ? { annotations: spec.annotations } : {}),
      ...(spec.labels !== undefined ? { labels: spec.labels } : {}),
      minReplicas: 1,
      scaleMetric: 'queueLength' as const,
    };
    return policyViolations({ namespace: bi.metadata.namespace, predictor: predictorLike }, this.#d.config.tenantPolicy, {
      gpu: gpuCount(predictorLike) > 0,
      tolerationKey: p.gpuTolerationKey,
      nodeSelectorKeys: [...Object.keys(p.gpuNodeSelector), p.acceleratorLabel],
    }).map((v) => v.replaceAll('spec.predictor.', 'spec.'));
  }

  #input(bi: BatchInference, shards: number, model: BatchStatusInput['model'], run: BatchStatusInput['run'], scheduled: boolean, problem?: Problem, cronJob?: V1CronJob): BatchStatusInput {
    return {
      previous: bi.status, generation: bi.metadata.generation ?? 0, shards, model, run, scheduled, cronJob, problem,
      now: new Date(this.#d.clock.now()).toISOString(),
    };
  }

  /** Writes the status if it changed (a 409 is retried from a fresh read), then the Events the change deserves. */
  async #writeStatus(bi: BatchInference, input: BatchStatusInput): Promise<void> {
    const d = this.#d;
    let current = bi;
    let before: BatchInferenceStatus | undefined;
    let after: BatchInferenceStatus | undefined;
    for (let attempt = 1; ; attempt++) {
      const next = computeBatchStatus({ ...input, previous: current.status });
      if (canonicalJson(current.status ?? {}) === canonicalJson(next)) break;
      try {
        const written = await d.client.updateStatus(BATCH_INFERENCES, { ...current, status: next });
        this.#written.set(`${bi.metadata.namespace}/${bi.metadata.name}`, written);
        before = current.status;
        after = next;
        break;
      } catch (err) {
        if (!isConflict(err) || attempt >= STATUS_ATTEMPTS) throw err;
        const fresh = await d.client.get<BatchInference>(BATCH_INFERENCES, bi.metadata.namespace, bi.metadata.name);
        if (fresh === undefined || fresh.metadata.uid !== bi.metadata.uid) return;
        current = fresh;
      }
    }
    if (after === undefined) return;
    for (const event of batchTransitionEvents(before, after)) await d.events.record(current, event);
  }
}

function modelOf(job: V1Job): BatchStatusInput['model'] {
  const a = job.metadata?.annotations ?? {};
  if (a[MODEL_ANNOTATION] === undefined) return undefined;
  return { description: a[MODEL_ANNOTATION], uri: a[MODEL_URI_ANNOTATION], revision: a[REVISION_ANNOTATION] };
}
