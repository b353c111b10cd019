// Runs the operator inside the test process against a real API server, through
// the same composition as main.ts (startOperator: discovery, informers synced,
// then workers), so a test can read its metrics and stop it; the canary and
// KEDA tests share it so their set-up cannot drift.
import { createLogger } from '../../common/src/logger.ts';
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
      { ...config, host: '127.0.0.1', port: 0, leaderElection: { ...config.leaderElection, identity: instance } },
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
