// Runs the operator inside the test process against a real API server, through
// the same composition as main.ts (startOperator: discovery, informers synced,
// then workers), so a test can read its metrics and stop it; the canary and
// KEDA tests share it so their set-up cannot drift.
import { createLogger } from '../../common/src/logger.ts';
import { eventually } from '../cluster/eventually.ts';
import { HttpKubeClient, type RequestObserver } from '../../operator/src/kube/client.ts';
import type { Connection } from '../../operator/src/kube/kubeconfig.ts';
import { createMetrics } from '../../operator/src/metrics.ts';
import { systemClock } from '../../operator/src/kube/clock.ts';
import type { OperatorConfig } from '../../operator/src/settings.ts';
import { startOperator, type Operator } from '../../operator/src/start.ts';

export interface InProcessOperator {
  controller: Operator['controller'];
  metrics: Operator['metrics'];
  /** The configuration in effect, with what discovery found. */
  config: OperatorConfig;
  /** Base URL of its probe and metrics server (127.0.0.1, a free port). */
  url: string;
  stop(): Promise<void>;
}

/**
 * The operator gets its own client, counted in its own metrics as main.ts
 * wires it (so a test reading modelship_operator_api_requests_total sees the
 * operator's requests, not its own); `observe` sees them too.
 */
export async function startInProcessOperator(connection: Connection, config: OperatorConfig, instance: string, observe?: RequestObserver): Promise<InProcessOperator> {
  const logger = createLogger({ component: instance, silent: true });
  const metrics = createMetrics();
  const client = new HttpKubeClient(connection, (...request) => {
    metrics.observeRequest(...request);
    observe?.(...request);
  });
  let operator: Operator;
  try {
    operator = await startOperator(
      // No drift query: these tests run no Prometheus (and must dial nothing beyond loopback).
      { ...config, host: '127.0.0.1', port: 0, drift: { checkSeconds: 0 }, leaderElection: { ...config.leaderElection, identity: instance } },
      { client, clock: systemClock, logger, metrics },
    );
  } catch (err) {
    client.close();
    throw err;
  }
  try {
    await operator.reconciling;
  } catch (err) {
    await operator.stop('start failed');
    client.close();
    throw err;
  }
  const { port } = operator.server.address() as { port: number };
  return {
    controller: operator.controller,
    metrics: operator.metrics,
    config: operator.config,
    url: `http://127.0.0.1:${port}`,
    async stop() {
      await operator.stop('test done');
      await operator.done;
      client.close();
    },
  };
}

/**
 * Writes the operator makes at steady state, across a periodic resync: waits
 * until its work queue is empty and idle, then until a resync period has
 * passed and at least one more reconcile pass has finished (the resync
 * re-reconciles every object), then until the queue is idle again; returns
 * how many writes `count` saw meanwhile. A short fixed window missed a slow
 * reconcile that wrote after it.
 */
export async function writesAcrossResync(operator: InProcessOperator, count: () => number | Promise<number>): Promise<number> {
  const idle = () =>
    eventually('the work queue empty and idle', async () => (operator.controller.queue.depth === 0 && operator.controller.queue.active === 0 ? true : undefined), { timeoutMs: 60_000, intervalMs: 50 });
  const passes = async () => (await operator.metrics.reconciles.get()).values.reduce((n, v) => n + v.value, 0);
  await idle();
  const before = await count();
  const passesBefore = await passes();
  await new Promise((resolve) => setTimeout(resolve, operator.config.resyncSeconds * 1000 + 500));
  await eventually('a reconcile pass after the resync period', async () => ((await passes()) > passesBefore ? true : undefined), { timeoutMs: 30_000, intervalMs: 100 });
  await idle();
  return (await count()) - before;
}
