// Test helper: a BatchReconciler over the fake client, its caches reading the
// fake client's objects (what the informers would hold), and a BatchInference
// fixture. Used by unit tests only (batch-reconciler.test.ts, rbac.test.ts).
import type { V1CronJob, V1Deployment, V1Job, V1Pod } from '@kubernetes/client-node';
import { createLogger } from '../../../common/src/logger.ts';
import type { BatchInference, BatchInferenceSpec } from '../../../operator/src/api/batch-types.ts';
import type { InferenceService } from '../../../operator/src/api/types.ts';
import { BATCH_LABEL } from '../../../operator/src/batch/labels.ts';
import { BatchReconciler } from '../../../operator/src/controller/batch-reconciler.ts';
import { EventRecorder } from '../../../operator/src/controller/events.ts';
import type { KubeObject } from '../../../operator/src/kube/client.ts';
import { BATCH_INFERENCES, CRON_JOBS, DEPLOYMENTS, INFERENCE_SERVICES, JOBS, PODS } from '../../../operator/src/kube/resources.ts';
import { DEFAULT_BUILD_CONFIG, type BuildConfig } from '../../../operator/src/settings.ts';
import type { FakeKubeClient } from './fake-client.ts';
import type { FakeClock } from './fake-clock.ts';

export function batchFixture(spec: Partial<BatchInferenceSpec> = {}, name = 'score', namespace = 'ml'): BatchInference {
  return {
    apiVersion: 'serving.modelship.io/v1alpha1',
    kind: 'BatchInference',
    metadata: { name, namespace, generation: 1 },
    spec: {
      model: { modelFormat: { name: 'onnx' }, storageUri: 's3://models/iris.onnx' },
      input: { storageUri: 's3://data/iris.parquet', format: 'parquet' },
      output: { storageUri: 's3://out/iris/' },
      shards: 4,
      ...spec,
    },
  };
}

const labelled = <T extends KubeObject>(items: T[], namespace: string, name: string): T[] =>
  items.filter((o) => o.metadata?.namespace === namespace && o.metadata?.labels?.[BATCH_LABEL] === name);

export function batchReconciler(client: FakeKubeClient, clock: FakeClock, config: BuildConfig = DEFAULT_BUILD_CONFIG): BatchReconciler {
  const logger = createLogger({ component: 'test', silent: true });
  const lister = <T extends KubeObject>(type: typeof JOBS) => ({ get: (ns: string, name: string) => client.peek<T>(type, ns, name) });
  return new BatchReconciler({
    client, clock, logger, config,
    events: new EventRecorder({ client, clock, logger, instance: 'test' }),
    caches: {
      batchInferences: lister<BatchInference>(BATCH_INFERENCES),
      jobs: lister<V1Job>(JOBS),
      cronJobs: lister<V1CronJob>(CRON_JOBS),
      jobsFor: (ns, name) => labelled(client.all<V1Job>(JOBS), ns, name),
      podsFor: (ns, name) => labelled(client.all<V1Pod>(PODS), ns, name),
      models: (ns) => ({
        inferenceService: (name) => client.peek<InferenceService>(INFERENCE_SERVICES, ns, name),
        revisionDeployment: (name) => client.peek<V1Deployment>(DEPLOYMENTS, ns, name),
      }),
    },
  });
}

/** A succeeded shard pod of `job` with the runtime's summary as its termination message. */
export function shardPod(job: V1Job, index: number, summary: unknown, finishedAt: string, suffix = 'a'): V1Pod {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: {
      name: `${job.metadata!.name}-${index}-${suffix}`, namespace: job.metadata!.namespace!,
      labels: { ...job.metadata!.labels, 'batch.kubernetes.io/job-name': job.metadata!.name! },
      annotations: { 'batch.kubernetes.io/job-completion-index': String(index) },
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: job.metadata!.name!, uid: job.metadata!.uid!, controller: true }],
    },
    status: {
      phase: 'Succeeded',
      containerStatuses: [{ name: 'batch', ready: false, restartCount: 0, image: 'x', imageID: 'x', state: { terminated: { exitCode: 0, finishedAt: new Date(finishedAt), message: JSON.stringify(summary) } } }],
    },
  };
}
