// Operator entry point: parse config once, build the dependencies (no I/O in
// constructors), serve probes and metrics, start the informers, and reconcile
// only while holding the leader lease. SIGTERM stops the workers (letting
// in-flight passes finish), releases the lease and exits.
import { createLogger } from '../../common/src/logger.ts';
import { ConfigError, loadConfig } from './config.ts';
import type { OperatorConfig } from './settings.ts';
import { Controller } from './controller/controller.ts';
import { EventRecorder } from './controller/events.ts';
import { systemClock } from './kube/clock.ts';
import { HttpKubeClient } from './kube/client.ts';
import { loadConnection } from './kube/kubeconfig.ts';
import { LeaderElector } from './kube/leader.ts';
import { createMetrics } from './metrics.ts';
import { createOperatorServer } from './server.ts';
import { detectKeda, detectTrafficCrds } from './kube/discovery.ts';

const UNHEALTHY_AFTER_MS = 120_000;
const SYNC_TIMEOUT_MS = 120_000;

function parseConfig(): OperatorConfig {
  try {
    return loadConfig(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
}

async function main(): Promise<void> {
  const parsed = parseConfig();
  const logger = createLogger({ component: 'operator', level: parsed.logLevel });
  const clock = systemClock;
  const connection = loadConnection(parsed.kubeconfig);

  const metrics = createMetrics();
  const client = new HttpKubeClient(connection, metrics.observeRequest);
  const [installed, kedaInstalled] = await Promise.all([detectTrafficCrds(client, logger), detectKeda(client, logger)]);
  const config: OperatorConfig = Object.freeze({
    ...parsed,
    traffic: Object.freeze({ ...parsed.traffic, installed }),
    autoscaling: Object.freeze({ ...parsed.autoscaling, kedaInstalled }),
  });
  logger.info('autoscaling', { autoscalerClass: config.autoscaling.autoscalerClass, kedaInstalled });
  logger.info('traffic layers', { mode: config.traffic.mode, gatewayApiInstalled: installed.gatewayApi, istioInstalled: installed.istio });
  const identity = config.leaderElection.identity;
  const events = new EventRecorder({ client, clock, logger, instance: identity });
  const controller = new Controller({ client, config, events, clock, logger, metrics });
  const elector = config.leaderElection.enabled
    ? new LeaderElector({
        client, clock, logger,
        namespace: config.leaderElection.namespace,
        name: config.leaderElection.leaseName,
        identity,
        leaseDurationSeconds: config.leaderElection.leaseDurationSeconds,
        renewDeadlineSeconds: config.leaderElection.renewDeadlineSeconds,
        retryPeriodSeconds: config.leaderElection.retryPeriodSeconds,
        onLeaderChange: (holder) => logger.info('leader observed', { holder }),
      })
    : undefined;

  const server = createOperatorServer({
    registry: metrics.registry,
    ready: () => (controller.synced ? { ok: true } : { ok: false, reason: 'informers have not listed yet' }),
    healthy: () => {
      const now = clock.now();
      const stuck = controller.informers.find((i) => {
        const since = i.stats.failingSinceMs;
        return since !== undefined && now - since > UNHEALTHY_AFTER_MS;
      });
      return stuck === undefined ? { ok: true } : { ok: false, reason: `${stuck.type.plural} watch failing for over ${UNHEALTHY_AFTER_MS / 1000} s` };
    },
    beforeScrape: () => {
      metrics.leader.set(elector === undefined || elector.isLeader ? 1 : 0);
      for (const i of controller.informers) {
        metrics.informerSynced.set({ resource: i.type.plural }, i.synced ? 1 : 0);
        metrics.watchRestarts.set({ resource: i.type.plural }, i.stats.restarts);
      }
    },
  });
  await new Promise<void>((resolve) => server.listen(config.port, config.host, resolve));
  const address = server.address();
  logger.info('operator listening', { address: typeof address === 'object' && address !== null ? `${address.address}:${address.port}` : address, identity });

  const stop = new AbortController();
  let exitCode = 0;
  const shutdown = async (why: string): Promise<void> => {
    if (stop.signal.aborted) return;
    logger.info('shutting down', { why });
    stop.abort();
    await controller.stopWorkers();
    await elector?.release();
    await controller.stopInformers();
    client.close();
    server.close();
    server.closeAllConnections();
    logger.info('stopped');
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));

  controller.startInformers();
  await controller.waitForSync(SYNC_TIMEOUT_MS);
  if (stop.signal.aborted) return;
  logger.info('caches synced');

  if (elector === undefined) {
    controller.startWorkers();
    return;
  }
  if (!(await elector.acquire(stop.signal))) return;
  controller.startWorkers();
  const outcome = await elector.hold(stop.signal);
  if (outcome === 'lost') {
    // Another replica may already be reconciling: stop at once, then exit so
    // that the restarted process rejoins as a clean standby.
    exitCode = 1;
    await controller.stopWorkers();
    await shutdown('lost leadership');
    process.exitCode = exitCode;
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`operator failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
