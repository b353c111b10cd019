// The runtime's configuration: command-line flags, each with an environment
// equivalent MODELSHIP_<UPPER_SNAKE> (the flag wins), parsed and validated
// once at start-up into a frozen object. Nothing else reads the environment.
// runtime/README.md documents every flag (a test keeps the two in step).
import { boolean, ConfigError, decimal, envName as prefixedEnvName, fraction, httpUrl, integer, InvalidValue, nonEmpty, oneOf, parseFlags, type Flag, type Parser } from '../../common/src/flags.ts';
import { LOG_LEVELS, type LogLevel } from '../../common/src/logger.ts';
import { DEFAULT_SHAPE_LIMITS } from './admission/shape-limits.ts';
import { defaultThreads } from './cpu-limit.ts';
import { DEFAULT_SUPERVISION } from './workers/supervision.ts';
import { EXECUTION_PROVIDERS, type ExecutionProvider } from './model/providers.ts';
import type { MirrorConfig } from './mirror/mirror.ts';
import { parseGrpcRoutes, parseGrpcTarget } from './grpc-relay/relay.ts';
import { FALLBACK_TRIGGERS, type FallbackTrigger } from './fallback/fallback.ts';
import { INPUT_POLICIES, type InputPolicyMode } from './policy/input-policy.ts';
import { DEFAULT_VARIANT_HEADER, parseVariantRoutes, type VariantRouting } from './variants/forward.ts';

export interface ServeConfig {
  readonly modelName: string;
  readonly modelPath: string;
  readonly modelVersion: string | undefined;
  readonly host: string;
  readonly port: number;
  readonly grpcPort: number;
  readonly grpcMaxMessageBytes: number;
  readonly metricsPort: number;
  readonly maxBatchSize: number;
  readonly maxQueueDelayMs: number;
  readonly maxQueueSize: number;
  readonly queueTimeoutMs: number;
  readonly executionProviders: readonly ExecutionProvider[];
  readonly workers: number;
  /** Threads running the REST front end (frontend/); 1: on the main thread, as before. */
  readonly frontendThreads: number;
  readonly intraOpThreads: number;
  readonly interOpThreads: number;
  readonly maxBodyBytes: number;
  /** Bytes of request bodies whose requests are being handled at once (--max-body-bytes-in-flight). */
  readonly maxBodyBytesInFlight: number;
  readonly maxDimension: number;
  readonly maxRows: number;
  readonly logLevel: LogLevel;
  readonly accessLog: boolean;
  readonly shutdownGraceSeconds: number;
  /** A run taking longer fails with 500 and its worker is replaced; 0 disables. */
  readonly maxRunSeconds: number;
  /** With no inference worker running for this long, the runtime exits (status 1). */
  readonly workerRecoverySeconds: number;
  /** Where the one-line reason for a fatal exit goes (Kubernetes' terminationMessagePath). */
  readonly terminationLogPath: string;
  /** A JSON file of warm-up requests (v2 bodies); else the profile's samples, else zeros (inference/warmup.ts). */
  readonly warmupPath: string | undefined;
  /** The training profile; undefined: `<model>.profile.json` beside the model file, when present. */
  readonly profilePath: string | undefined;
  /** Values outside the profile's training range: refused, flagged or ignored (policy/input-policy.ts). */
  readonly inputPolicy: InputPolicyMode;
  /** What answers when the primary cannot (fallback/); undefined: today's 503/500. */
  readonly fallback: FallbackConfig | undefined;
  /** Payload logging and tracing (logging/, tracing/); both off unless configured. */
  readonly observability: ObservabilityConfig;
  /** Drift monitoring against the profile (drift/). */
  readonly drift: DriftConfig;
  /** Copies of live REST inference requests for a shadow (mirror/); off without --mirror-url. */
  readonly mirror?: MirrorConfig;
  /** Header pinning by forwarding (variants/forward.ts); needs --variant. */
  readonly variantRouting?: VariantRouting;
  /** gRPC addresses (host:port) of the other variants, for pinned gRPC calls (grpc-relay/). */
  readonly grpcRoutes?: ReadonlyMap<string, string>;
  /** Copies of live gRPC inference calls for a shadow (grpc-relay/); off without --mirror-grpc-target. */
  readonly grpcMirror?: MirrorConfig;
}

export interface DriftConfig {
  /** Requests per sliding window. */
  readonly window: number;
  /** Steps the window slides by (window / slices requests each). */
  readonly slices: number;
  /** PSI above which a feature or output is reported as drifted. */
  readonly threshold: number;
}

export interface FallbackConfig {
  /** A second ONNX model (its own worker and queue); or */
  readonly modelPath: string | undefined;
  /** a static v2 response: JSON text (starts with '{') or the path of a JSON file. */
  readonly response: string | undefined;
  /** A request queued longer than this is answered by the fallback (trigger `deadline`). */
  readonly deadlineMs: number | undefined;
  readonly on: readonly FallbackTrigger[];
}

export const LOGGER_MODES = ['all', 'request', 'response'] as const;
export type LoggerMode = (typeof LOGGER_MODES)[number];

/** Who answered: stamped on every logged event and span. */
export interface ServiceIdentity {
  readonly inferenceService: string;
  readonly namespace: string;
  readonly component: string;
  /** The revision (the operator's Deployment name for it); the CloudEvent `endpoint`. */
  readonly revision: string;
  /** The A/B variant the revision serves (`main`, a variant name, `shadow`); unset outside variants. */
  readonly variant?: string | undefined;
}

export interface LoggerConfig {
  /** HTTP sink for CloudEvents. */
  readonly url: string | undefined;
  /** Blob sink prefix: s3://, gs:// or file://. */
  readonly storageUri: string | undefined;
  readonly mode: LoggerMode;
  /** Lower-cased request header names copied into events. */
  readonly metadataHeaders: readonly string[];
  readonly sampleRate: number;
  readonly queueSize: number;
  readonly flushIntervalMs: number;
  readonly flushBytes: number;
  /** From AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL (MinIO and other S3-compatible stores); path-style when set. */
  readonly s3Endpoint: string | undefined;
  /** From AWS_REGION / AWS_DEFAULT_REGION, else us-east-1. */
  readonly s3Region: string;
}

export interface TracingConfig {
  readonly endpoint: string;
  readonly samplingRatio: number;
}

export interface ObservabilityConfig {
  readonly identity: ServiceIdentity;
  readonly logger: LoggerConfig | undefined;
  readonly tracing: TracingConfig | undefined;
}

const sinkUri: Parser<string> = (text) => {
  if (!/^(s3|gs):\/\/[^/]+(\/.*)?$/.test(text) && !/^file:\/\/\/.*/.test(text)) throw new InvalidValue('must be s3://bucket[/prefix], gs://bucket[/prefix] or file:///path');
  return text;
};

// Header names as RFC 9110 tokens, lower-cased the way node exposes them.
const headerList: Parser<string[]> = (text) => {
  const names = text.split(',').map((h) => h.trim().toLowerCase()).filter((h) => h !== '');
  const bad = names.filter((h) => !/^[a-z0-9!#$%&'*+.^_`|~-]+$/.test(h));
  if (bad.length > 0) throw new InvalidValue(`must be a comma list of header names (bad: ${bad.join(', ')})`);
  return [...new Set(names)];
};

/** `cuda,cpu`: shared with `batch`. */
export const providers: Parser<ExecutionProvider[]> = (text) => {
  const list = text.split(',').map((p) => p.trim().toLowerCase());
  const unknown = list.filter((p) => !(EXECUTION_PROVIDERS as readonly string[]).includes(p));
  if (unknown.length > 0 || list.length === 0) throw new InvalidValue(`must be a comma list of ${EXECUTION_PROVIDERS.join(', ')} (got ${text})`);
  const unique = [...new Set(list)] as ExecutionProvider[];
  // CPU is always the last resort, so `cuda` alone means `cuda,cpu`.
  return unique.includes('cpu') ? unique : [...unique, 'cpu'];
};

const logLevel = oneOf(LOG_LEVELS);

const headerName: Parser<string> = (text) => {
  const name = text.trim().toLowerCase();
  if (!/^[a-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) throw new InvalidValue('must be an HTTP header name');
  return name;
};

const grpcRoutes: Parser<Map<string, string>> = (text) => {
  try {
    return parseGrpcRoutes(text);
  } catch (error) {
    throw new InvalidValue(`must be a comma list of variant=host:port: ${(error as Error).message}`);
  }
};

const grpcTarget: Parser<string> = (text) => {
  try {
    return parseGrpcTarget(text.trim());
  } catch (error) {
    throw new InvalidValue((error as Error).message);
  }
};

const variantRoutes: Parser<Map<string, string>> = (text) => {
  try {
    return parseVariantRoutes(text);
  } catch (error) {
    throw new InvalidValue(`must be a comma list of variant=url: ${(error as Error).message}`);
  }
};

// A metric label value and span attribute: a DNS label, as the CRD's variant names are (or `main`, `shadow`).
const variantName: Parser<string> = (text) => {
  if (!/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/.test(text)) throw new InvalidValue('must be a DNS label (lower case letters, digits and -)');
  return text;
};

const triggers: Parser<FallbackTrigger[]> = (text) => {
  const list = text.split(',').map((t) => t.trim()).filter((t) => t !== '');
  const unknown = list.filter((t) => !(FALLBACK_TRIGGERS as readonly string[]).includes(t));
  if (unknown.length > 0 || list.length === 0) throw new InvalidValue(`must be a comma list of ${FALLBACK_TRIGGERS.join(', ')} (got ${text})`);
  return [...new Set(list)] as FallbackTrigger[];
};

const MIB = 1024 * 1024;

/** Every `serve` flag, by name. Defaults that depend on the CPU limit are resolved in parseServeConfig. */
const FLAGS = {
  'model-name': { parse: nonEmpty },
  'model-path': { parse: nonEmpty },
  'model-version': { parse: nonEmpty, optional: true },
  host: { parse: nonEmpty, fallback: '0.0.0.0' },
  port: { parse: integer(0, 65535), fallback: 8080 },
  'grpc-port': { parse: integer(0, 65535), fallback: 8081 },
  'metrics-port': { parse: integer(0, 65535), fallback: 8082 },
  'max-batch-size': { parse: integer(1, 4096), fallback: 8 },
  'max-queue-delay-ms': { parse: decimal(0), fallback: 2 },
  'max-queue-size': { parse: integer(1), fallback: 256 },
  'queue-timeout-ms': { parse: decimal(0), fallback: 30_000 },
  'execution-providers': { parse: providers, fallback: ['cpu'] },
  workers: { parse: integer(1, 256), optional: true },
  'frontend-threads': { parse: integer(1, 64), optional: true },
  'intra-op-threads': { parse: integer(1, 1024), optional: true },
  'inter-op-threads': { parse: integer(1, 1024), optional: true },
  'max-body-bytes': { parse: integer(1), fallback: 64 * MIB },
  'max-body-bytes-in-flight': { parse: integer(1), optional: true },
  'max-dimension': { parse: integer(1), fallback: DEFAULT_SHAPE_LIMITS.maxDimension },
  'max-rows': { parse: integer(1), fallback: DEFAULT_SHAPE_LIMITS.maxRows },
  'grpc-max-message-bytes': { parse: integer(1, 2 ** 31 - 1), optional: true },
  'log-level': { parse: logLevel, fallback: 'info' },
  'access-log': { parse: boolean, fallback: true },
  'shutdown-grace-seconds': { parse: decimal(0), fallback: 25 },
  'max-run-seconds': { parse: decimal(0), fallback: DEFAULT_SUPERVISION.maxRunMs / 1000 },
  'worker-recovery-seconds': { parse: decimal(0), fallback: DEFAULT_SUPERVISION.giveUpMs / 1000 },
  'termination-log-path': { parse: (text: string) => text, fallback: '/dev/termination-log' },
  'warmup-path': { parse: nonEmpty, optional: true },
  'fallback-model-path': { parse: nonEmpty, optional: true },
  'fallback-response': { parse: nonEmpty, optional: true },
  'fallback-deadline-ms': { parse: decimal(1), optional: true },
  'fallback-on': { parse: triggers, fallback: [...FALLBACK_TRIGGERS] },
  'input-policy': { parse: oneOf(INPUT_POLICIES), fallback: 'off' },
  'profile-path': { parse: nonEmpty, optional: true },
  'inference-service': { parse: nonEmpty, optional: true },
  namespace: { parse: nonEmpty, optional: true },
  component: { parse: nonEmpty, fallback: 'predictor' },
  revision: { parse: nonEmpty, optional: true },
  variant: { parse: variantName, optional: true },
  'variant-header': { parse: headerName, fallback: DEFAULT_VARIANT_HEADER },
  'variant-routes': { parse: variantRoutes, fallback: new Map<string, string>() },
  'variant-grpc-routes': { parse: grpcRoutes, fallback: new Map<string, string>() },
  'mirror-url': { parse: httpUrl, optional: true },
  'mirror-grpc-target': { parse: grpcTarget, optional: true },
  'mirror-percent': { parse: integer(0, 100), fallback: 100 },
  'mirror-queue-size': { parse: integer(1, 100_000), fallback: 1_000 },
  'mirror-queue-bytes': { parse: integer(1024), fallback: 64 * MIB },
  'mirror-concurrency': { parse: integer(1, 1_024), fallback: 16 },
  'mirror-timeout-ms': { parse: integer(1, 600_000), fallback: 10_000 },
  'logger-url': { parse: httpUrl, optional: true },
  'logger-storage-uri': { parse: sinkUri, optional: true },
  'logger-mode': { parse: oneOf(LOGGER_MODES), fallback: 'all' },
  'logger-metadata-headers': { parse: headerList, fallback: [] },
  'logger-sample-rate': { parse: fraction, fallback: 1 },
  'logger-queue-size': { parse: integer(1, 1_000_000), fallback: 10_000 },
  'logger-flush-interval-ms': { parse: integer(10, 3_600_000), fallback: 5_000 },
  'logger-flush-bytes': { parse: integer(1024, 1024 * MIB), fallback: 8 * MIB },
  'tracing-endpoint': { parse: httpUrl, optional: true },
  'tracing-sampling-ratio': { parse: fraction, fallback: 1 },
  'drift-window': { parse: integer(1, 10_000_000), fallback: 1000 },
  'drift-slices': { parse: integer(1, 100), fallback: 4 },
  'drift-threshold': { parse: decimal(0), fallback: 0.2 },
} satisfies Record<string, Flag<unknown>>;

type FlagName = keyof typeof FLAGS;

export const SERVE_FLAGS: readonly string[] = Object.keys(FLAGS);

export { ConfigError };

const ENV_PREFIX = 'MODELSHIP_';

export function envName(flag: string): string {
  return prefixedEnvName(flag, ENV_PREFIX);
}

/**
 * The default body budget. A JSON body costs several times its size while it
 * is handled (the parsed array, the typed tensor, the outputs and their JSON
 * text: about 7x for a 56 MB MNIST batch), so a sixteenth of the memory limit
 * keeps concurrent large bodies well inside it (128 MiB at the operator's
 * default 2 GiB: two 56 MB bodies at once). Without a known limit, two bodies
 * of the largest size. Never less than one such body.
 */
export function defaultBodyBytesInFlight(maxBodyBytes: number, memoryLimit: number | undefined): number {
  return Math.max(maxBodyBytes, memoryLimit === undefined ? 2 * maxBodyBytes : Math.floor(memoryLimit / 16));
}

/**
 * Parses `serve` flags and MODELSHIP_* variables into a frozen config, or
 * throws a ConfigError listing every problem. `cpus` is the container's CPU
 * limit (cpu-limit.ts), which sizes the worker and thread defaults;
 * `memoryLimit` (memory-limit.ts) sizes the body budget.
 */
export function parseServeConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, cpus: number, memoryLimit?: number): ServeConfig {
  const { values, errors } = parseFlags(FLAGS, argv, env, { envPrefix: ENV_PREFIX });
  const maxBodyBytes = values['max-body-bytes'] as number;
  const maxBodyBytesInFlight = (values['max-body-bytes-in-flight'] as number | undefined) ?? defaultBodyBytesInFlight(maxBodyBytes, memoryLimit);
  if (maxBodyBytesInFlight < maxBodyBytes) {
    errors.push(`--max-body-bytes-in-flight ${maxBodyBytesInFlight} is less than --max-body-bytes ${maxBodyBytes}: a body of the largest size could never be admitted`);
  }
  if ((values['drift-slices'] as number) > (values['drift-window'] as number)) {
    errors.push(`--drift-slices ${values['drift-slices']} is more than --drift-window ${values['drift-window']}: a slice needs at least one request`);
  }
  const fallback = fallbackOf(values, errors);
  const frontendThreads = frontendThreadsOf(values, cpus, errors);
  if (errors.length > 0) throw new ConfigError(errors);
  const observability = observabilityOf(values, env);
  const threads = defaultThreads(cpus, values.workers as number | undefined);
  return Object.freeze({
    modelName: values['model-name'] as string,
    modelPath: values['model-path'] as string,
    modelVersion: values['model-version'] as string | undefined,
    host: values.host as string,
    port: values.port as number,
    grpcPort: values['grpc-port'] as number,
    grpcMaxMessageBytes: (values['grpc-max-message-bytes'] as number | undefined) ?? Math.min(values['max-body-bytes'] as number, 2 ** 31 - 1),
    metricsPort: values['metrics-port'] as number,
    maxBatchSize: values['max-batch-size'] as number,
    maxQueueDelayMs: values['max-queue-delay-ms'] as number,
    maxQueueSize: values['max-queue-size'] as number,
    queueTimeoutMs: values['queue-timeout-ms'] as number,
    executionProviders: Object.freeze(values['execution-providers'] as ExecutionProvider[]),
    workers: threads.workers,
    frontendThreads,
    intraOpThreads: (values['intra-op-threads'] as number | undefined) ?? threads.intraOpThreads,
    interOpThreads: (values['inter-op-threads'] as number | undefined) ?? threads.interOpThreads,
    maxBodyBytes: values['max-body-bytes'] as number,
    maxBodyBytesInFlight,
    maxDimension: values['max-dimension'] as number,
    maxRows: values['max-rows'] as number,
    logLevel: values['log-level'] as LogLevel,
    accessLog: values['access-log'] as boolean,
    shutdownGraceSeconds: values['shutdown-grace-seconds'] as number,
    maxRunSeconds: values['max-run-seconds'] as number,
    workerRecoverySeconds: values['worker-recovery-seconds'] as number,
    terminationLogPath: values['termination-log-path'] as string,
    warmupPath: values['warmup-path'] as string | undefined,
    fallback,
    inputPolicy: values['input-policy'] as InputPolicyMode,
    profilePath: values['profile-path'] as string | undefined,
    observability,
    drift: Object.freeze({ window: values['drift-window'] as number, slices: values['drift-slices'] as number, threshold: values['drift-threshold'] as number }),
    ...mirrorOf(values),
    ...(values.variant !== undefined
      ? {
          variantRouting: Object.freeze({ header: values['variant-header'] as string, self: values.variant as string, routes: values['variant-routes'] as Map<string, string> }),
          grpcRoutes: values['variant-grpc-routes'] as Map<string, string>,
        }
      : {}),
  });
}

/** Features that run inside the REST handler on the main thread only, so far; with them the front end stays there. */
const MAIN_THREAD_ONLY: readonly [FlagName, string][] = [
  ['logger-url', 'payload logging'],
  ['logger-storage-uri', 'payload logging'],
  ['tracing-endpoint', 'tracing'],
  ['mirror-url', 'mirroring'],
  ['variant', 'variant forwarding'],
];

/** The flags that keep the REST front end on the main thread (test/runtime/support/server.ts reads them too). */
export const MAIN_THREAD_ONLY_FLAGS: readonly string[] = MAIN_THREAD_ONLY.map(([flag]) => flag);

/**
 * --frontend-threads, by default from the CPU limit (cpu-limit.ts): one per
 * two CPUs from 4 CPUs on, at most 8; below 4 the main thread keeps the front
 * end (a second thread there only adds a hop per request). Features that
 * need the main thread's REST handler keep it at 1; asking for more with them
 * is an error.
 */
function frontendThreadsOf(values: Partial<Record<FlagName, unknown>>, cpus: number, errors: string[]): number {
  const asked = values['frontend-threads'] as number | undefined;
  const blocking = MAIN_THREAD_ONLY.filter(([flag]) => values[flag] !== undefined);
  if (blocking.length === 0) return asked ?? defaultFrontendThreads(cpus);
  if (asked !== undefined && asked > 1) {
    errors.push(`--frontend-threads ${asked} cannot be combined with ${blocking.map(([flag, what]) => `--${flag} (${what})`).join(', ')}: those run on the main thread's REST front end only; use --frontend-threads 1`);
  }
  return 1;
}

export function defaultFrontendThreads(cpus: number): number {
  return cpus < 4 ? 1 : Math.min(8, Math.floor(cpus / 2));
}

function mirrorOf(values: Partial<Record<FlagName, unknown>>): { mirror?: MirrorConfig; grpcMirror?: MirrorConfig } {
  const url = values['mirror-url'] as string | undefined;
  const target = values['mirror-grpc-target'] as string | undefined;
  return {
    ...(url !== undefined ? { mirror: mirrorConfig(values, url) } : {}),
    ...(target !== undefined ? { grpcMirror: mirrorConfig(values, target) } : {}),
  };
}

/** The queue settings are shared: REST and gRPC copies each get a queue of that size. */
function mirrorConfig(values: Partial<Record<FlagName, unknown>>, url: string): MirrorConfig {
  return Object.freeze({
    url,
    percent: values['mirror-percent'] as number,
    queueSize: values['mirror-queue-size'] as number,
    queueBytes: values['mirror-queue-bytes'] as number,
    concurrency: values['mirror-concurrency'] as number,
    timeoutMs: values['mirror-timeout-ms'] as number,
  });
}

function fallbackOf(values: Partial<Record<FlagName, unknown>>, errors: string[]): FallbackConfig | undefined {
  const modelPath = values['fallback-model-path'] as string | undefined;
  const response = values['fallback-response'] as string | undefined;
  const deadlineMs = values['fallback-deadline-ms'] as number | undefined;
  if (modelPath !== undefined && response !== undefined) errors.push('--fallback-model-path and --fallback-response are exclusive: give one fallback');
  if (modelPath === undefined && response === undefined) {
    if (deadlineMs !== undefined) errors.push('--fallback-deadline-ms needs a fallback (--fallback-model-path or --fallback-response)');
    return undefined;
  }
  return Object.freeze({ modelPath, response, deadlineMs, on: Object.freeze(values['fallback-on'] as FallbackTrigger[]) });
}

/** The primary's queue timeout: the fallback deadline when it is shorter (or the only one), so expiry hands the request to the fallback. */
export function primaryQueueTimeoutMs(config: Pick<ServeConfig, 'queueTimeoutMs' | 'fallback'>): number {
  const deadline = config.fallback?.on.includes('deadline') ? config.fallback.deadlineMs : undefined;
  if (deadline === undefined) return config.queueTimeoutMs;
  return config.queueTimeoutMs > 0 ? Math.min(config.queueTimeoutMs, deadline) : deadline;
}

function observabilityOf(values: Partial<Record<FlagName, unknown>>, env: Readonly<Record<string, string | undefined>>): ObservabilityConfig {
  const modelName = values['model-name'] as string;
  const inferenceService = (values['inference-service'] as string | undefined) ?? modelName;
  const identity: ServiceIdentity = Object.freeze({
    inferenceService,
    namespace: (values.namespace as string | undefined) ?? 'default',
    component: values.component as string,
    revision: (values.revision as string | undefined) ?? inferenceService,
    ...(values.variant !== undefined ? { variant: values.variant as string } : {}),
  });
  const url = values['logger-url'] as string | undefined;
  const storageUri = values['logger-storage-uri'] as string | undefined;
  const logger: LoggerConfig | undefined = url === undefined && storageUri === undefined
    ? undefined
    : Object.freeze({
        url,
        storageUri,
        mode: values['logger-mode'] as LoggerMode,
        metadataHeaders: Object.freeze(values['logger-metadata-headers'] as string[]),
        sampleRate: values['logger-sample-rate'] as number,
        queueSize: values['logger-queue-size'] as number,
        flushIntervalMs: values['logger-flush-interval-ms'] as number,
        flushBytes: values['logger-flush-bytes'] as number,
        // The SDK reads the keys itself (default chain); the endpoint needs path-style addressing it cannot infer.
        s3Endpoint: env['AWS_ENDPOINT_URL_S3'] ?? env['AWS_ENDPOINT_URL'],
        s3Region: env['AWS_REGION'] ?? env['AWS_DEFAULT_REGION'] ?? 'us-east-1',
      });
  const endpoint = values['tracing-endpoint'] as string | undefined;
  const tracing = endpoint === undefined ? undefined : Object.freeze({ endpoint, samplingRatio: values['tracing-sampling-ratio'] as number });
  return Object.freeze({ identity, logger, tracing });
}
