// Runs the operator's Controller inside the test process against a real API
// server (informers synced, then workers), so a test can read its metrics and
// stop it; the canary and KEDA tests share it so their set-up cannot drift.
import { createLogger } from '../../common/src/logger.ts';
import type { OperatorConfig } from '../../operator/src/settings.ts';
import { Controller } from '../../operator/src/controller/controller.ts';
import { EventRecorder } from '../../operator/src/controller/events.ts';
import { systemClock } from '../../operator/src/kube/clock.ts';
import type { HttpKubeClient } from '../../operator/src/kube/client.ts';
import { createMetrics } from '../../operator/src/metrics.ts';

export interface InProcessOperator {
  controller: Controller;
  metrics: ReturnType<typeof createMetrics>;
  stop(): Promise<void>;
}

export async function startInProcessOperator(client: HttpKubeClient, config: OperatorConfig, instance: string): Promise<InProcessOperator> {
  const logger = createLogger({ component: instance, silent: true });
  const metrics = createMetrics();
  const controller = new Controller({
    client,
    config,
    events: new EventRecorder({ client, clock: systemClock, logger, instance }),
    clock: systemClock,
    logger,
    metrics,
  });
  controller.startInformers();
  await controller.waitForSync(30_000);
  controller.startWorkers();
  return {
    controller,
    metrics,
    async stop() {
      await controller.stopWorkers();
      await controller.stopInformers();
    },
  };
}
