// The operator's one composition, used by main.ts and by tests that run it in
// process: discover the optional CRDs, build the dependencies (no I/O in
// constructors), serve probes and metrics, start the informers, and reconcile
// only while holding the leader lease. The caller owns the client and the
// process: it turns signals into stop() and the outcome into an exit code.
import type { Server } from 'node:http';
import type { Logger } from '../../common/src/logger.ts';
import { Controller } from './controller/controller.ts';
import { EventRecorder } from './controller/events.ts';
import type { Clock } from './kube/clock.ts';
import type { KubeClient } from './kube/client.ts';
import { detectBatch, detectKeda, detectTrafficCrds } from './kube/discovery.ts';
import { BatchController } from './controller/batch-controller.ts';
import type { Informer } from './kube/informer.ts';
import type { KubeObject } from './kube/client.ts';
import { LeaderElector } from './kube/leader.ts';
import { createMetrics, type OperatorMetrics } from './metrics.ts';
import { liveness, readiness } from './probes.ts';
import { createOperatorServer } from './server.ts';
import type { OperatorConfig } from './settings.ts';

const SYNC_TIMEOUT_MS = 120_000;

export interface OperatorDeps {
  client: KubeClient;
  /**
   * The client lease renewals go through; main gives it its own connections
   * so that a renewal never queues behind reconcile traffic and misses the
   * renew deadline on a busy leader. Default: client.
   */
  leaseClient?: KubeClient;
  clock: Clock;
  logger: Logger;
  /** The registry the client's request observer counts into; created when absent. */
  metrics?: OperatorMetrics;
}

/** How a run ended: stop() was called, or the lease was lost (another replica may be reconciling). */
export type Outcome = 'stopped' | 'lost';

export interface Operator {
  /** The configuration in effect: the parsed one plus what discovery found. */
  readonly config: OperatorConfig;
  readonly controller: Controller;
  /** Present when the API server serves the BatchInference CRD. */
  readonly batch: BatchController | undefined;
  readonly metrics: OperatorMetrics;
  readonly elector: LeaderElector | undefined;
  readonly server: Server;
  /** Settles once the workers run (caches synced, lease held); rejects if the run ends first. */
  readonly reconciling: Promise<void>;
  /**
   * Settles when the run ended: 'stopped' after everything stopped; 'lost' as
   * soon as the lease is lost (workers take no new key; the caller exits or
   * calls stop). Rejects when the caches never synced.
   */
  readonly done: Promise<Outcome>;
  /** Stops the workers (in-flight passes finish), releases the lease, stops the informers and the server. */
  stop(why: string): Promise<void>;
}

/** Which optional CRDs the API server serves, folded into the configuration. */
async function discover(parsed: OperatorConfig, client: KubeClient, logger: Logger): Promise<OperatorConfig> {
  const [installed, kedaInstalled] = await Promise.all([detectTrafficCrds(client, logger, parsed.watchNamespace), detectKeda(client, logger, parsed.watchNamespace)]);
  const config: OperatorConfig = Object.freeze({
    ...parsed,
    traffic: Object.freeze({ ...parsed.traffic, installed }),
    autoscaling: Object.freeze({ ...parsed.autoscaling, kedaInstalled }),
  });
  logger.info('autoscaling', { autoscalerClass: config.autoscaling.autoscalerClass, kedaInstalled });
  logger.info('traffic layers', { mode: config.traffic.mode, gatewayApiInstalled: installed.gatewayApi, istioInstalled: installed.istio });
  return config;
}

function leaderElector(config: OperatorConfig, deps: Required<OperatorDeps>): LeaderElector | undefined {
  const le = config.leaderElection;
  if (!le.enabled) return undefined;
  return new LeaderElector({
    client: deps.leaseClient, clock: deps.clock, logger: deps.logger,
    namespace: le.namespace,
    name: le.leaseName,
    identity: le.identity,
    leaseDurationSeconds: le.leaseDurationSeconds,
    renewDeadlineSeconds: le.renewDeadlineSeconds,
    retryPeriodSeconds: le.retryPeriodSeconds,
    onLeaderChange: (holder) => deps.logger.info('leader observed', { holder }),
  });
}

function probeServer(informers: readonly Informer<KubeObject>[], elector: LeaderElector | undefined, config: OperatorConfig, deps: Required<OperatorDeps>): Server {
  const { clock, metrics } = deps;
  return createOperatorServer({
    registry: metrics.registry,
    ready: () => readiness({
      now: clock.now(),
      informers: informers.map((i) => ({ resource: i.type.plural, synced: i.synced, failingSinceMs: i.stats.failingSinceMs, stalledSinceMs: i.stats.stalledSinceMs })),
      leader: elector === undefined ? undefined : elector.isLeader,
      unreadyAfterMs: config.apiFailureUnreadySeconds * 1000,
    }),
    // Never the API server's state: restarting cannot bring it back (probes.ts).
    healthy: liveness,
    beforeScrape: () => {
      metrics.leader.set(elector === undefined || elector.isLeader ? 1 : 0);
      for (const i of informers) {
        metrics.informerSynced.set({ resource: i.type.plural }, i.synced ? 1 : 0);
        metrics.watchRestarts.set({ resource: i.type.plural }, i.stats.restarts);
        metrics.watchIdleTimeouts.set({ resource: i.type.plural }, i.stats.idleTimeouts);
        metrics.watchStalled.set({ resource: i.type.plural }, i.stats.stalledSinceMs === undefined ? 0 : 1);
      }
    },
  });
}

export async function startOperator(parsed: OperatorConfig, input: OperatorDeps): Promise<Operator> {
  const deps: Required<OperatorDeps> = { ...input, leaseClient: input.leaseClient ?? input.client, metrics: input.metrics ?? createMetrics() };
  const { client, clock, logger, metrics } = deps;
  const config = await discover(parsed, client, logger);
  const identity = config.leaderElection.identity;
  // Loaded only with --tracing-endpoint: without it no OpenTelemetry code runs in the operator.
  const { endpoint: tracingEndpoint, samplingRatio } = config.specDefaults.tracing;
  const tracing = tracingEndpoint === undefined ? undefined : (await import('./kube/reconcile-tracing-otel.ts')).createReconcileTracing(tracingEndpoint, samplingRatio ?? 1);
  // Reconciles (and the Events they record) go through the tracing client; the informers and the elector do not.
  const reconcileClient = tracing === undefined ? client : tracing.client(client);
  const events = new EventRecorder({ client: reconcileClient, clock, logger, instance: identity });
  const controller = new Controller({ client: reconcileClient, config, events, clock, logger, metrics, tracing });
  const batch = (await detectBatch(client, logger, config.watchNamespace))
    ? new BatchController({ client: reconcileClient, config, events, clock, logger, metrics, inferenceServices: controller.inferenceServices, deployments: controller.deployments })
    : undefined;
  const informers = [...controller.informers, ...(batch?.informers ?? [])];
  const elector = leaderElector(config, deps);
  const server = probeServer(informers, elector, config, deps);
  await new Promise<void>((resolve) => server.listen(config.port, config.host, resolve));
  const address = server.address();
  logger.info('operator listening', { address: typeof address === 'object' && address !== null ? `${address.address}:${address.port}` : address, identity });

  const abort = new AbortController();
  let stopping: Promise<void> | undefined;
  const stop = (why: string): Promise<void> => (stopping ??= (async () => {
    logger.info('shutting down', { why });
    abort.abort();
    await Promise.all([controller.stopWorkers(), batch?.stopWorkers()]);
    await elector?.release();
    await Promise.all(informers.map((i) => i.stop()));
    await tracing?.shutdown().catch((err: unknown) => logger.warn('exporting the last spans failed', { error: String(err) }));
    server.close();
    server.closeAllConnections();
    logger.info('stopped');
  })());

  let markReconciling!: () => void;
  const reconciling = new Promise<void>((resolve) => (markReconciling = resolve));
  const run = async (): Promise<Outcome> => {
    for (const i of informers) i.start();
    await Promise.all(informers.map((i) => i.waitForSync(SYNC_TIMEOUT_MS)));
    if (abort.signal.aborted) return 'stopped';
    logger.info('caches synced');
    if (elector !== undefined && !(await elector.acquire(abort.signal))) return 'stopped';
    controller.startWorkers();
    batch?.startWorkers();
    markReconciling();
    if (elector === undefined) {
      await new Promise((resolve) => abort.signal.addEventListener('abort', resolve, { once: true }));
      return 'stopped';
    }
    const outcome = await elector.hold(abort.signal);
    if (outcome !== 'lost') return 'stopped';
    // The renew deadline passed: a standby may take the lease from now on.
    // No pass starts from here, and done settles at once (without waiting for
    // passes in flight) so that main can exit, cutting their writes; the
    // restarted process rejoins as a clean standby.
    void controller.stopWorkers();
    void batch?.stopWorkers();
    return 'lost';
  };
  const done = run().then(async (outcome) => {
    if (outcome === 'stopped') await stopping;
    return outcome;
  });
  const reconcilingOrEnded = Promise.race([reconciling, done.then((o) => { throw new Error(`the operator ${o} before it reconciled`); })]);
  // A caller that never waits for reconciling must not see an unhandled rejection; done carries the error.
  reconcilingOrEnded.catch(() => {});
  return { config, controller, batch, metrics, elector, server, done, stop, reconciling: reconcilingOrEnded };
}
