// `node runtime/src/main.ts batch ...`: scores one shard of a dataset with the
// model (see runtime/README.md, "Batch scoring"). Exit codes: 0 the shard is
// done (or was done before: its marker exists); 3 it is done but its failed
// rows exceed --max-failed-rows-percent (a retry would fail the same way, so
// the operator's Job maps 3 to "fail the index" instead of retrying it); 1 it
// could not finish (storage, model, input errors; a retry may succeed); 2 bad
// flags. The summary (or the error) goes to the termination log as one JSON line.
import { writeFileSync } from 'node:fs';
import { ConfigError } from '../../../common/src/flags.ts';
import { createLogger } from '../../../common/src/logger.ts';
import { detectCpuLimit } from '../cpu-limit.ts';
import { BATCH_USAGE, parseBatchConfig, writableTerminationLog, type BatchConfig } from './config.ts';
import { describeLocation } from './location.ts';
import { loadBatchModel } from './model.ts';
import { runShard } from './run.ts';
import { openStores } from './stores/open.ts';

export const EXIT_TOO_MANY_FAILED_ROWS = 3;

function terminate(config: BatchConfig, body: object): void {
  const path = writableTerminationLog(config.terminationLogPath);
  if (path === undefined) return;
  try {
    // The kubelet keeps at most 4096 bytes.
    writeFileSync(path, JSON.stringify(body).slice(0, 4000));
  } catch {
    // Never mask the exit status.
  }
}

export async function batchCommand(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(BATCH_USAGE);
    return 0;
  }
  let config: BatchConfig;
  try {
    config = parseBatchConfig(args, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n${BATCH_USAGE}`);
    return 2;
  }
  const logger = createLogger({ component: 'batch', level: config.logLevel });
  let stores;
  try {
    stores = await openStores(config, env);
    const summary = await runShard({ config, stores, logger, loadModel: () => loadBatchModel(config, detectCpuLimit(), logger), isTty: process.stderr.isTTY === true });
    terminate(config, summary);
    if (!summary.withinLimit) {
      logger.error('too many failed rows', { ...summary, limitPercent: config.maxFailedRowsPercent });
      return EXIT_TOO_MANY_FAILED_ROWS;
    }
    logger.info('shard done', { ...summary, output: describeLocation(config.output) });
    return 0;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    logger.error('shard failed', { shard: config.shardIndex, error: message });
    terminate(config, { shardIndex: config.shardIndex, shardCount: config.shardCount, error: message });
    return 1;
  } finally {
    stores?.close();
  }
}
