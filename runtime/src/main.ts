// The runtime binary: `node runtime/src/main.ts [serve] [flags]`. Subcommands
// are dispatched here; `serve` is the default so the container's plain
// invocation serves. Each command returns its exit code.
import { createLogger } from '../../common/src/logger.ts';
import { detectCpuLimit } from './cpu-limit.ts';
import { detectMemoryLimit } from './memory-limit.ts';
import { ConfigError, envName, parseServeConfig, SERVE_FLAGS } from './config.ts';
import { startServer } from './server.ts';
import { writeTerminationMessage } from './termination.ts';
import { fetchCommand } from './storage/command.ts';

type Command = (args: readonly string[]) => Promise<number>;

async function serve(args: readonly string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`usage: main.ts [serve] ${SERVE_FLAGS.map((f) => `[--${f} <value>]`).join(' ')}\n` + `each flag also reads ${envName('<flag>')}; see runtime/README.md\n`);
    return 0;
  }
  const config = parseServeConfig(args, process.env, detectCpuLimit(), detectMemoryLimit());
  const logger = createLogger({ component: 'runtime', level: config.logLevel });
  logger.info('starting', { ...config });
  const running = await startServer(config, logger);
  return new Promise<number>((resolve) => {
    const stop = (signal: string): void => {
      logger.info('signal received', { signal });
      void running.shutdown().then((clean) => resolve(clean ? 0 : 1));
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    // A model that cannot load, or a pool that lost every worker for good, will never serve again:
    // say why in one line for the pod's status, drain, and exit so Kubernetes restarts the pod.
    void running.fatal.then(async (error) => {
      writeTerminationMessage(config.terminationLogPath, error);
      await running.shutdown();
      resolve(1);
    });
  });
}

const COMMANDS: Record<string, Command> = {
  serve,
  // Model download for the operator's init container (runtime/src/storage/README.md).
  fetch: fetchCommand,
  // Training profile for drift detection and input policies (runtime/src/profile/).
  profile: async (args) => (await import('./profile/command.ts')).profileCommand(args),
  // Scores one shard of a dataset (runtime/README.md, "Batch scoring"; the operator's BatchInference Jobs run it).
  batch: async (args) => (await import('./batch/command.ts')).batchCommand(args),
};

async function main(argv: readonly string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first !== undefined && !first.startsWith('-')) {
    const command = COMMANDS[first];
    if (!command) {
      process.stderr.write(`unknown command ${JSON.stringify(first)}; commands: ${Object.keys(COMMANDS).join(', ')}\n`);
      return 2;
    }
    return command(rest);
  }
  return serve(argv);
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`${error instanceof ConfigError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = error instanceof ConfigError ? 2 : 1;
}
// Anything still holding the event loop (a server that never got ready) must not keep a finished command alive;
// the short delay lets buffered log lines reach stdout first.
setTimeout(() => process.exit(), 200).unref();
