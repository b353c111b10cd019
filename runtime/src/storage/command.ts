// `node runtime/src/main.ts fetch --source <uri> --dest <dir>`: the model
// download step of the operator's init container. Exit codes: 0 copied,
// 1 the fetch failed (network, permissions, nothing under the prefix),
// 2 bad flags or environment.
import { createLogger } from '../../../common/src/logger.ts';
import { ConfigError } from '../../../common/src/flags.ts';
import { FETCH_USAGE, parseFetchConfig } from './config.ts';
import { describeError } from './errors.ts';
import { fetchModel } from './fetch.ts';
import { describeSource } from './source.ts';

export async function fetchCommand(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(FETCH_USAGE);
    return 0;
  }
  let config;
  try {
    config = parseFetchConfig(args, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n${FETCH_USAGE}`);
    return 2;
  }
  const logger = createLogger({ component: 'fetch', level: config.logLevel });
  const started = Date.now();
  try {
    const files = await fetchModel(config, logger);
    const bytes = files.reduce((sum, f) => sum + f.bytes, 0);
    logger.info('fetch complete', { source: describeSource(config.source), dest: config.dest, files: files.length, bytes, ms: Date.now() - started });
    return 0;
  } catch (error) {
    // One line, built without anything a store wrote: it becomes the init container's termination message.
    logger.error('fetch failed', { source: describeSource(config.source), error: describeError(error) });
    return 1;
  }
}
