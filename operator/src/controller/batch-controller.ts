// Wires the BatchInference informers, its own work queue and the batch
// reconciler. A separate queue (and worker pool) from the InferenceService
// controller's: a burst of shard pods finishing never delays a predictor
// reconcile. Jobs, CronJobs and shard pods are watched by our labels only and
// cached trimmed; InferenceServices and revision Deployments come from the
// InferenceService controller's caches (inferenceServiceRef), not a second copy.
import type { V1CronJob, V1Deployment, V1Job, V1Pod } from '@kubernetes/client-node';
import type { Logger } from '../../../common/src/logger.ts';
import type { BatchInference } from '../api/batch-types.ts';
import type { InferenceService } from '../api/types.ts';
import { BATCH_LABEL, BATCH_SELECTOR } from '../batch/labels.ts';
import { canonicalJson } from '../canonical-json.ts';
import type { Clock } from '../kube/clock.ts';
import type { KubeClient, KubeObject } from '../kube/client.ts';
import { Informer } from '../kube/informer.ts';
import { BATCH_INFERENCES, CRON_JOBS, JOBS, PODS } from '../kube/resources.ts';
import type { WorkQueue } from '../kube/workqueue.ts';
import { WorkLoop } from './work-loop.ts';
import type { OperatorMetrics } from '../metrics.ts';
import type { BuildConfig, WatchConfig } from '../settings.ts';
import { BatchReconciler } from './batch-reconciler.ts';
import { trimBatchPod, trimJob } from './cache-trim.ts';
import { informerFactory } from './informer-factory.ts';
import type { EventSink } from './events.ts';

export interface BatchControllerDeps {
  client: KubeClient;
  config: BuildConfig & { workers: number; resyncSeconds: number; watchNamespace: string; watch?: WatchConfig };
  events: EventSink;
  clock: Clock;
  logger: Logger;
  metrics: OperatorMetrics;
  /** The InferenceService controller's caches. */
  inferenceServices: Informer<InferenceService>;
  deployments: Informer<V1Deployment>;
}

const keyOf = (o: KubeObject): string | undefined => {
  const name = o.metadata?.labels?.[BATCH_LABEL];
  return name === undefined ? undefined : `${o.metadata?.namespace ?? ''}/${name}`;
};

export class BatchController {
  readonly batchInferences: Informer<BatchInference>;
  readonly jobs: Informer<V1Job>;
  readonly cronJobs: Informer<V1CronJob>;
  readonly pods: Informer<V1Pod>;
  readonly queue: WorkQueue;
  readonly loop: WorkLoop;
  readonly reconciler: BatchReconciler;

  constructor(deps: BatchControllerDeps) {
    const { client, clock, logger, config } = deps;
    const informer = informerFactory(deps);
    this.batchInferences = informer<BatchInference>(BATCH_INFERENCES);
    this.jobs = informer<V1Job>(JOBS, BATCH_SELECTOR, trimJob);
    this.cronJobs = informer<V1CronJob>(CRON_JOBS, BATCH_SELECTOR);
    this.pods = informer<V1Pod>(PODS, BATCH_SELECTOR, trimBatchPod);
    this.jobs.setIndex(keyOf);
    this.pods.setIndex(keyOf);
    // BatchInferences by the InferenceService they reference: a promotion re-plans their schedules.
    this.batchInferences.setIndex((bi) => (bi.spec.inferenceServiceRef === undefined ? undefined : `${bi.metadata.namespace}/${bi.spec.inferenceServiceRef.name}`));

    this.reconciler = new BatchReconciler({
      client, clock, logger, events: deps.events, config,
      caches: {
        batchInferences: this.batchInferences,
        jobs: this.jobs,
        cronJobs: this.cronJobs,
        jobsFor: (namespace, name) => this.jobs.byIndex(`${namespace}/${name}`),
        podsFor: (namespace, name) => this.pods.byIndex(`${namespace}/${name}`),
        models: (namespace) => ({
          inferenceService: (name) => deps.inferenceServices.get(namespace, name),
          revisionDeployment: (name) => deps.deployments.get(namespace, name),
        }),
      },
    });
    this.loop = new WorkLoop({
      clock,
      concurrency: Math.max(1, Math.ceil(config.workers / 2)),
      resyncSeconds: config.resyncSeconds,
      metrics: deps.metrics,
      keys: () => this.batchInferences.list().map((o) => `${o.metadata.namespace}/${o.metadata.name}`),
      reconcile: (key) => this.reconciler.reconcile(key),
      onError: (key, err, attempt) => logger.error('batch reconcile failed; retrying with backoff', {
        key, attempt, error: err instanceof Error ? err.message : String(err),
      }),
    });
    this.queue = this.loop.queue;

    this.batchInferences.onEvent((event, o, old) => {
      if (event === 'delete') {
        this.reconciler.forget(o.metadata.namespace, o.metadata.name);
        return;
      }
      // Our own status writes change neither generation nor metadata: no pass for them.
      if (event === 'add' || old === undefined || o.metadata.generation !== old.metadata.generation
        || canonicalJson(o.metadata.labels ?? {}) !== canonicalJson(old.metadata.labels ?? {})) this.queue.add(`${o.metadata.namespace}/${o.metadata.name}`);
    });
    for (const child of [this.jobs, this.cronJobs, this.pods] as Informer<KubeObject>[]) {
      child.onEvent((_event, o) => {
        const key = keyOf(o);
        if (key !== undefined) this.queue.add(key);
      });
    }
    deps.inferenceServices.onEvent((_event, isvc) => {
      if (!this.loop.running) return;
      for (const bi of this.batchInferences.byIndex(`${isvc.metadata.namespace}/${isvc.metadata.name}`)) this.queue.add(`${bi.metadata.namespace}/${bi.metadata.name}`);
    });
  }

  get informers(): Informer<KubeObject>[] {
    return [this.batchInferences, this.jobs, this.cronJobs, this.pods] as Informer<KubeObject>[];
  }

  startWorkers(): void {
    this.loop.start();
  }

  async stopWorkers(): Promise<void> {
    await this.loop.stop();
  }
}
