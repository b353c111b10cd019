// Operator entry point: parse config once, connect, and run the one
// composition (start.ts). SIGTERM stops the workers (letting in-flight passes
// finish), releases the lease and exits; a lost lease exits 1 at once so that
// nothing more is written and the restarted process rejoins as a clean standby.
import { createLogger } from '../../common/src/logger.ts';
import { ConfigError, loadConfig } from './config.ts';
import { systemClock } from './kube/clock.ts';
import { HttpKubeClient } from './kube/client.ts';
import { loadConnection } from './kube/kubeconfig.ts';
import { createMetrics } from './metrics.ts';
import type { OperatorConfig } from './settings.ts';
import { startOperator } from './start.ts';

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
  const config = parseConfig();
  const logger = createLogger({ component: 'operator', level: config.logLevel });
  const metrics = createMetrics();
  const connection = loadConnection(config.kubeconfig);
  const client = new HttpKubeClient(connection, metrics.observeRequest);
  // Its own connection pool: a renewal must not wait behind reconcile requests.
  const leaseClient = new HttpKubeClient(connection, metrics.observeRequest);
  const operator = await startOperator(config, { client, leaseClient, clock: systemClock, logger, metrics });
  process.once('SIGTERM', () => void operator.stop('SIGTERM'));
  process.once('SIGINT', () => void operator.stop('SIGINT'));
  if ((await operator.done) === 'lost') {
    // Exit now rather than drain: a pass still in flight must not write
    // after a standby may have taken the lease.
    logger.error('exiting: leadership lost');
    process.exit(1);
  }
  client.close();
  leaseClient.close();
}

main().catch((err: unknown) => {
  process.stderr.write(`operator failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
