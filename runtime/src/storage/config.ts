// Configuration of the `fetch` command. Flags (each with an environment
// equivalent MODELSHIP_FETCH_<UPPER_SNAKE>; the flag wins) say what to copy
// where and the fetch policy; the environment the AWS and Google tools read
// says where the store is (so existing Secrets work unchanged), and the SDKs
// read their own credential variables. Parsed once into a frozen object;
// every problem is reported together.
import { LOG_LEVELS, type LogLevel } from '../../../common/src/logger.ts';
import { parseSource, SourceError, type Source } from './source.ts';

export interface S3Settings {
  /** Undefined: AWS, virtual-hosted style in `region`. */
  readonly endpoint: URL | undefined;
  readonly region: string;
  /** `endpoint/bucket/key` rather than `bucket.endpoint/key`; MinIO and most S3-compatible stores want it. */
  readonly pathStyle: boolean;
}

export interface GcsSettings {
  /** Undefined: storage.googleapis.com. */
  readonly endpoint: URL | undefined;
  /** The endpoint came from the administrator (--gcs-endpoint), not a tenant's STORAGE_EMULATOR_HOST: the pod identity may be sent there. */
  readonly trustedEndpoint: boolean;
  /** OAuth2 access token given outright (a Secret's GOOGLE_OAUTH_ACCESS_TOKEN). */
  readonly token: string | undefined;
  /** GOOGLE_APPLICATION_CREDENTIALS, read by google-auth-library itself; noted here to decide auth on a custom endpoint. */
  readonly keyFile: string | undefined;
}

export interface FetchConfig {
  readonly source: Source;
  readonly dest: string;
  readonly idleTimeoutMs: number;
  readonly maxModelBytes: number;
  readonly allowMetadataAddresses: boolean;
  readonly retries: number;
  readonly concurrency: number;
  readonly logLevel: LogLevel;
  readonly s3: S3Settings;
  readonly gcs: GcsSettings;
}

type Parser<T> = (text: string) => T;
class Invalid extends Error {}

const integer =
  (min: number, max: number): Parser<number> =>
  (text) => {
    const value = Number(text);
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < min || value > max) throw new Invalid(`must be an integer in [${min}, ${max}]`);
    return value;
  };
const nonEmpty: Parser<string> = (text) => {
  if (text.trim() === '') throw new Invalid('must not be empty');
  return text;
};
const boolean: Parser<boolean> = (text) => {
  if (text === 'true' || text === '1') return true;
  if (text === 'false' || text === '0') return false;
  throw new Invalid('must be true or false');
};
const logLevel: Parser<LogLevel> = (text) => {
  if (!(LOG_LEVELS as readonly string[]).includes(text)) throw new Invalid(`must be one of ${LOG_LEVELS.join(', ')}`);
  return text as LogLevel;
};
const source: Parser<Source> = (text) => {
  try {
    return parseSource(text);
  } catch (error) {
    if (error instanceof SourceError) throw new Invalid(error.message);
    throw error;
  }
};

const url: Parser<URL> = (text) => {
  try {
    const parsed = new URL(text);
    if (parsed.protocol === 'http:' || parsed.protocol === 'https:') return parsed;
  } catch {
    // reported below
  }
  throw new Invalid('must be an http(s) URL');
};

interface Flag<T> {
  readonly parse: Parser<T>;
  /** Without a fallback the flag is required unless optional. */
  readonly fallback?: T;
  readonly optional?: boolean;
}

const GIB = 1024 ** 3;

/** Every `fetch` flag, by name; runtime/src/storage/README.md has a row for each (a test checks). */
const FLAGS = {
  source: { parse: source },
  dest: { parse: nonEmpty },
  'idle-timeout-seconds': { parse: integer(1, 86_400), fallback: 60 },
  'max-model-bytes': { parse: integer(1, Number.MAX_SAFE_INTEGER), fallback: 20 * GIB },
  'allow-metadata-addresses': { parse: boolean, fallback: false },
  retries: { parse: integer(0, 20), fallback: 3 },
  concurrency: { parse: integer(1, 64), fallback: 4 },
  'log-level': { parse: logLevel, fallback: 'info' },
  'gcs-endpoint': { parse: url, optional: true },
} satisfies Record<string, Flag<unknown>>;

type FlagName = keyof typeof FLAGS;
export const FETCH_FLAGS: readonly string[] = Object.keys(FLAGS);

export function fetchEnvName(flag: string): string {
  return `MODELSHIP_FETCH_${flag.toUpperCase().replaceAll('-', '_')}`;
}

export const FETCH_USAGE = `usage: main.ts fetch --source <s3://bucket/prefix | gs://bucket/prefix | https://host/file> --dest <dir>
  [--idle-timeout-seconds 60] [--max-model-bytes ${20 * GIB}] [--allow-metadata-addresses false]
  [--retries 3] [--concurrency 4] [--log-level info] [--gcs-endpoint <url>]
  (each flag also as MODELSHIP_FETCH_<FLAG>, e.g. MODELSHIP_FETCH_IDLE_TIMEOUT_SECONDS)
environment (see runtime/src/storage/README.md):
  S3:  the AWS SDK's credential chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_WEB_IDENTITY_TOKEN_FILE +
       AWS_ROLE_ARN, EKS Pod Identity, instance metadata; none: anonymous), AWS_REGION | AWS_DEFAULT_REGION,
       AWS_ENDPOINT_URL_S3 | AWS_ENDPOINT_URL | S3_ENDPOINT (+ S3_USE_HTTPS=0), S3_FORCE_PATH_STYLE=true|false
  GCS: Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS, the metadata server),
       GOOGLE_OAUTH_ACCESS_TOKEN | CLOUDSDK_AUTH_ACCESS_TOKEN, STORAGE_EMULATOR_HOST (endpoint override)
`;

export class FetchConfigError extends Error {
  readonly errors: readonly string[];
  constructor(errors: readonly string[]) {
    super(`invalid fetch configuration:\n  ${errors.join('\n  ')}`);
    this.errors = errors;
  }
}

function httpUrl(text: string, name: string, errors: string[]): URL | undefined {
  try {
    const parsed = new URL(text);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error();
    return parsed;
  } catch {
    errors.push(`${name}=${text}: not an http(s) URL`);
    return undefined;
  }
}

function s3Settings(env: NodeJS.ProcessEnv, errors: string[]): S3Settings {
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1';
  let endpoint: URL | undefined;
  if (env.AWS_ENDPOINT_URL_S3) endpoint = httpUrl(env.AWS_ENDPOINT_URL_S3, 'AWS_ENDPOINT_URL_S3', errors);
  else if (env.AWS_ENDPOINT_URL) endpoint = httpUrl(env.AWS_ENDPOINT_URL, 'AWS_ENDPOINT_URL', errors);
  else if (env.S3_ENDPOINT) {
    // KServe's convention: host[:port] without a scheme, S3_USE_HTTPS=0 for plain HTTP.
    const withScheme = /^https?:\/\//.test(env.S3_ENDPOINT) ? env.S3_ENDPOINT : `${env.S3_USE_HTTPS === '0' ? 'http' : 'https'}://${env.S3_ENDPOINT}`;
    endpoint = httpUrl(withScheme, 'S3_ENDPOINT', errors);
  }
  let pathStyle = endpoint !== undefined;
  const forced = env.S3_FORCE_PATH_STYLE;
  if (forced === 'true' || forced === '1') pathStyle = true;
  else if (forced === 'false' || forced === '0') pathStyle = false;
  else if (forced) errors.push(`S3_FORCE_PATH_STYLE=${forced}: must be true or false`);
  if (Boolean(env.AWS_ACCESS_KEY_ID) !== Boolean(env.AWS_SECRET_ACCESS_KEY)) errors.push('AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together');
  return { endpoint, region, pathStyle };
}

function gcsSettings(env: NodeJS.ProcessEnv, trusted: URL | undefined, errors: string[]): GcsSettings {
  const emulator = env.STORAGE_EMULATOR_HOST;
  return {
    endpoint: trusted ?? (emulator ? httpUrl(/^https?:\/\//.test(emulator) ? emulator : `http://${emulator}`, 'STORAGE_EMULATOR_HOST', errors) : undefined),
    trustedEndpoint: trusted !== undefined,
    token: env.GOOGLE_OAUTH_ACCESS_TOKEN || env.CLOUDSDK_AUTH_ACCESS_TOKEN || undefined,
    keyFile: env.GOOGLE_APPLICATION_CREDENTIALS || undefined,
  };
}

/** Splits argv into flag values (`--name value` or `--name=value`). */
function readArgv(argv: readonly string[], errors: string[]): Map<string, string> {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
      errors.push(`unexpected argument ${JSON.stringify(arg)}`);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
    if (!Object.hasOwn(FLAGS, name)) {
      errors.push(`unknown flag --${name}`);
      continue;
    }
    const value = eq < 0 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined) errors.push(`--${name} needs a value`);
    else values.set(name, value);
  }
  return values;
}

export function parseFetchConfig(argv: readonly string[], env: NodeJS.ProcessEnv): FetchConfig {
  const errors: string[] = [];
  const fromArgv = readArgv(argv, errors);
  const values: Partial<Record<FlagName, unknown>> = {};
  for (const [name, flag] of Object.entries(FLAGS) as [FlagName, Flag<unknown>][]) {
    const text = fromArgv.get(name) ?? env[fetchEnvName(name)];
    if (text === undefined) {
      if ('fallback' in flag) values[name] = flag.fallback;
      else if (!flag.optional) errors.push(`--${name} (or ${fetchEnvName(name)}) is required`);
      continue;
    }
    try {
      values[name] = flag.parse(text);
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      errors.push(`--${name} ${error.message}`);
    }
  }
  const s3 = s3Settings(env, errors);
  const gcs = gcsSettings(env, values['gcs-endpoint'] as URL | undefined, errors);
  if (errors.length > 0) throw new FetchConfigError(errors);
  return Object.freeze({
    source: values.source as Source,
    dest: values.dest as string,
    idleTimeoutMs: (values['idle-timeout-seconds'] as number) * 1000,
    maxModelBytes: values['max-model-bytes'] as number,
    allowMetadataAddresses: values['allow-metadata-addresses'] as boolean,
    retries: values.retries as number,
    concurrency: values.concurrency as number,
    logLevel: values['log-level'] as LogLevel,
    s3,
    gcs,
  });
}
