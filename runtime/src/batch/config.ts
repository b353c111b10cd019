// Configuration of `main.ts batch`: flags (each also MODELSHIP_BATCH_<FLAG>;
// the flag wins), parsed once into a frozen object with every problem
// reported together. The shard index falls back to Kubernetes' indexed-Job
// variable JOB_COMPLETION_INDEX. runtime/README.md documents every flag (a
// test keeps the two in step).
import { accessSync, constants, existsSync } from 'node:fs';
import { boolean, ConfigError, decimal, envName, httpUrl, integer, InvalidValue, nonEmpty, oneOf, parseFlags, type Flag, type Parser } from '../../../common/src/flags.ts';
import { LOG_LEVELS, type LogLevel } from '../../../common/src/logger.ts';
import { providers } from '../config.ts';
import type { ExecutionProvider } from '../model/providers.ts';
import { parseInputMap, type InputMap } from './mapping.ts';
import { parseLocation, type Location } from './location.ts';

export const FORMATS = ['jsonl', 'csv', 'parquet'] as const;
export type Format = (typeof FORMATS)[number];
export const PROGRESS_MODES = ['auto', 'bar', 'json', 'off'] as const;
export type ProgressMode = (typeof PROGRESS_MODES)[number];

export interface BatchConfig {
  readonly modelPath: string;
  readonly input: Location;
  /** Undefined: from the input's file extension. */
  readonly inputFormat: Format | undefined;
  readonly output: Location;
  /** Undefined: the input's format. */
  readonly outputFormat: Format | undefined;
  readonly shardIndex: number;
  readonly shardCount: number;
  readonly batchSize: number;
  readonly idColumn: string | undefined;
  readonly passthroughColumns: readonly string[];
  /** Undefined: a one-input model takes every column but the id and passthrough ones, in file order. */
  readonly inputMap: InputMap | undefined;
  /** Undefined: every model output. */
  readonly outputs: readonly string[] | undefined;
  readonly maxFailedRowsPercent: number;
  readonly terminationLogPath: string;
  readonly outputRowGroupSize: number;
  readonly executionProviders: readonly ExecutionProvider[];
  readonly workers: number;
  readonly intraOpThreads: number | undefined;
  readonly interOpThreads: number;
  readonly progress: ProgressMode;
  readonly progressIntervalSeconds: number;
  readonly logLevel: LogLevel;
  readonly retries: number;
  readonly idleTimeoutMs: number;
  readonly allowMetadataAddresses: boolean;
  readonly gcsEndpoint: string | undefined;
}

const location: Parser<Location> = (text) => {
  try {
    return parseLocation(text);
  } catch (error) {
    throw new InvalidValue(error instanceof Error ? error.message : String(error));
  }
};

const inputMap: Parser<InputMap> = (text) => {
  try {
    return parseInputMap(text);
  } catch (error) {
    throw new InvalidValue(error instanceof Error ? error.message : String(error));
  }
};

const columnList: Parser<string[]> = (text) => {
  const names = text.split(',').map((c) => c.trim()).filter((c) => c !== '');
  const repeated = names.filter((c, i) => names.indexOf(c) !== i);
  if (repeated.length > 0) throw new InvalidValue(`names ${repeated.join(', ')} more than once`);
  return names;
};

/** Every `batch` flag, by name; runtime/README.md has a row for each (a test checks). */
const FLAGS = {
  'model-path': { parse: nonEmpty },
  input: { parse: location },
  'input-format': { parse: oneOf(FORMATS), optional: true },
  output: { parse: location },
  'output-format': { parse: oneOf(FORMATS), optional: true },
  'shard-index': { parse: integer(0, 1_000_000), optional: true },
  'shard-count': { parse: integer(1, 1_000_000), fallback: 1 },
  'batch-size': { parse: integer(1, 65_536), fallback: 256 },
  'id-column': { parse: nonEmpty, optional: true },
  'passthrough-columns': { parse: columnList, fallback: [] as string[] },
  'input-map': { parse: inputMap, optional: true },
  outputs: { parse: columnList, optional: true },
  'max-failed-rows-percent': { parse: decimal(0), fallback: 0 },
  'termination-log-path': { parse: (text: string) => text, fallback: '/dev/termination-log' },
  'output-row-group-size': { parse: integer(1, 10_000_000), fallback: 65_536 },
  'execution-providers': { parse: providers, fallback: ['cpu'] as ExecutionProvider[] },
  workers: { parse: integer(1, 64), fallback: 1 },
  'intra-op-threads': { parse: integer(1, 1024), optional: true },
  'inter-op-threads': { parse: integer(1, 1024), fallback: 1 },
  progress: { parse: oneOf(PROGRESS_MODES), fallback: 'auto' as ProgressMode },
  'progress-interval-seconds': { parse: decimal(0.1), fallback: 10 },
  'log-level': { parse: oneOf(LOG_LEVELS), fallback: 'info' as LogLevel },
  retries: { parse: integer(0, 20), fallback: 3 },
  'idle-timeout-seconds': { parse: integer(1, 86_400), fallback: 60 },
  'allow-metadata-addresses': { parse: boolean, fallback: false },
  'gcs-endpoint': { parse: httpUrl, optional: true },
} satisfies Record<string, Flag<unknown>>;

export const BATCH_FLAGS: readonly string[] = Object.keys(FLAGS);
const ENV_PREFIX = 'MODELSHIP_BATCH_';

export function batchEnvName(flag: string): string {
  return envName(flag, ENV_PREFIX);
}

export const BATCH_USAGE = `usage: main.ts batch --model-path <file|dir> --input <file|dir|s3://bucket/prefix|gs://bucket/prefix>
  --output <dir|s3://bucket/prefix|gs://bucket/prefix> [--input-format jsonl|csv|parquet] [--output-format ...]
  [--shard-index I (default $JOB_COMPLETION_INDEX, else 0)] [--shard-count K] [--batch-size 256]
  [--id-column C] [--passthrough-columns a,b] [--input-map 'input=c1,c2;other=c3'] [--outputs o1,o2]
  [--max-failed-rows-percent 0] [--termination-log-path /dev/termination-log] [--progress auto|bar|json|off]
  (each flag also as MODELSHIP_BATCH_<FLAG>; every flag: runtime/README.md, "Batch scoring")
`;

/** The termination log is written only where it can be (the kubelet creates it; elsewhere it is skipped). */
export function writableTerminationLog(path: string): string | undefined {
  if (path === '' || !existsSync(path)) return undefined;
  try {
    accessSync(path, constants.W_OK);
    return path;
  } catch {
    return undefined;
  }
}

function shardIndexFrom(given: number | undefined, env: Readonly<Record<string, string | undefined>>, errors: string[]): number {
  if (given !== undefined) return given;
  const fromJob = env.JOB_COMPLETION_INDEX;
  if (fromJob === undefined || fromJob === '') return 0;
  if (!/^\d+$/.test(fromJob)) {
    errors.push(`JOB_COMPLETION_INDEX=${fromJob}: must be a non-negative integer`);
    return 0;
  }
  return Number(fromJob);
}

/** Parses `batch` flags and MODELSHIP_BATCH_*; throws one ConfigError listing every problem. */
export function parseBatchConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): BatchConfig {
  const { values: v, errors } = parseFlags(FLAGS, argv, env, { envPrefix: ENV_PREFIX });
  const shardIndex = shardIndexFrom(v['shard-index'], env, errors);
  if (shardIndex >= v['shard-count']) errors.push(`shard index ${shardIndex} is not below --shard-count ${v['shard-count']}`);
  const id = v['id-column'];
  const passthrough = v['passthrough-columns'];
  if (id !== undefined && passthrough.includes(id)) errors.push(`--id-column ${id} is also in --passthrough-columns`);
  const input = v.input;
  const output = v.output;
  if (input !== undefined && output !== undefined && input.kind === output.kind && input.kind !== 'local' && output.kind !== 'local' && input.bucket === output.bucket && input.prefix === output.prefix) {
    errors.push('--output must not be the same prefix as --input');
  }
  if (errors.length > 0) throw new ConfigError(errors, 'batch');
  return Object.freeze({
    modelPath: v['model-path'] as string,
    input: input as Location,
    inputFormat: v['input-format'],
    output: output as Location,
    outputFormat: v['output-format'],
    shardIndex,
    shardCount: v['shard-count'],
    batchSize: v['batch-size'],
    idColumn: id,
    passthroughColumns: Object.freeze(passthrough),
    inputMap: v['input-map'],
    outputs: v.outputs === undefined ? undefined : Object.freeze(v.outputs),
    maxFailedRowsPercent: v['max-failed-rows-percent'],
    terminationLogPath: v['termination-log-path'],
    outputRowGroupSize: v['output-row-group-size'],
    executionProviders: Object.freeze(v['execution-providers']),
    workers: v.workers,
    intraOpThreads: v['intra-op-threads'],
    interOpThreads: v['inter-op-threads'],
    progress: v.progress,
    progressIntervalSeconds: v['progress-interval-seconds'],
    logLevel: v['log-level'],
    retries: v.retries,
    idleTimeoutMs: v['idle-timeout-seconds'] * 1000,
    allowMetadataAddresses: v['allow-metadata-addresses'],
    gcsEndpoint: v['gcs-endpoint'],
  });
}
