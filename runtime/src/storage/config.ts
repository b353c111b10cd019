// Configuration of the `fetch` command. Flags (each with an environment
// equivalent MODELSHIP_FETCH_<UPPER_SNAKE>; the flag wins) say what to copy
// where and the fetch policy; the environment the AWS and Google tools read
// says where the store is (so existing Secrets work unchanged), and the SDKs
// read their own credential variables. Parsed once into a frozen object;
// every problem is reported together.
import { boolean, ConfigError, envName, httpUrl, integer, InvalidValue, nonEmpty, oneOf, parseFlags, type Flag, type Parser } from '../../../common/src/flags.ts';
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

const source: Parser<Source> = (text) => {
  try {
    return parseSource(text);
  } catch (error) {
    if (error instanceof SourceError) throw new InvalidValue(error.message);
    throw error;
  }
};

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
  'log-level': { parse: oneOf(LOG_LEVELS), fallback: 'info' as LogLevel },
  'gcs-endpoint': { parse: httpUrl, optional: true },
} satisfies Record<string, Flag<unknown>>;

export const FETCH_FLAGS: readonly string[] = Object.keys(FLAGS);
const ENV_PREFIX = 'MODELSHIP_FETCH_';

export function fetchEnvName(flag: string): string {
  return envName(flag, ENV_PREFIX);
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

function endpointUrl(text: string, name: string, errors: string[]): URL | undefined {
  try {
    const parsed = new URL(text);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error();
    return parsed;
  } catch {
    errors.push(`${name}=${text}: not an http(s) URL`);
    return undefined;
  }
}

/** Where S3 is and how to address it, from the variables the AWS tools read (also used by `batch`). */
export function s3Settings(env: NodeJS.ProcessEnv, errors: string[]): S3Settings {
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1';
  let endpoint: URL | undefined;
  if (env.AWS_ENDPOINT_URL_S3) endpoint = endpointUrl(env.AWS_ENDPOINT_URL_S3, 'AWS_ENDPOINT_URL_S3', errors);
  else if (env.AWS_ENDPOINT_URL) endpoint = endpointUrl(env.AWS_ENDPOINT_URL, 'AWS_ENDPOINT_URL', errors);
  else if (env.S3_ENDPOINT) {
    // KServe's convention: host[:port] without a scheme, S3_USE_HTTPS=0 for plain HTTP.
    const withScheme = /^https?:\/\//.test(env.S3_ENDPOINT) ? env.S3_ENDPOINT : `${env.S3_USE_HTTPS === '0' ? 'http' : 'https'}://${env.S3_ENDPOINT}`;
    endpoint = endpointUrl(withScheme, 'S3_ENDPOINT', errors);
  }
  let pathStyle = endpoint !== undefined;
  const forced = env.S3_FORCE_PATH_STYLE;
  if (forced === 'true' || forced === '1') pathStyle = true;
  else if (forced === 'false' || forced === '0') pathStyle = false;
  else if (forced) errors.push(`S3_FORCE_PATH_STYLE=${forced}: must be true or false`);
  if (Boolean(env.AWS_ACCESS_KEY_ID) !== Boolean(env.AWS_SECRET_ACCESS_KEY)) errors.push('AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together');
  return { endpoint, region, pathStyle };
}

/** Where GCS is and which credentials go there (also used by `batch`). */
export function gcsSettings(env: NodeJS.ProcessEnv, trusted: URL | undefined, errors: string[]): GcsSettings {
  const emulator = env.STORAGE_EMULATOR_HOST;
  return {
    endpoint: trusted ?? (emulator ? endpointUrl(/^https?:\/\//.test(emulator) ? emulator : `http://${emulator}`, 'STORAGE_EMULATOR_HOST', errors) : undefined),
    trustedEndpoint: trusted !== undefined,
    token: env.GOOGLE_OAUTH_ACCESS_TOKEN || env.CLOUDSDK_AUTH_ACCESS_TOKEN || undefined,
    keyFile: env.GOOGLE_APPLICATION_CREDENTIALS || undefined,
  };
}

/** Parses `fetch` flags, MODELSHIP_FETCH_* and the store variables; throws one ConfigError listing every problem. */
export function parseFetchConfig(argv: readonly string[], env: NodeJS.ProcessEnv): FetchConfig {
  const { values: v, errors } = parseFlags(FLAGS, argv, env, { envPrefix: ENV_PREFIX });
  const s3 = s3Settings(env, errors);
  const gcs = gcsSettings(env, v['gcs-endpoint'] === undefined ? undefined : new URL(v['gcs-endpoint']), errors);
  if (errors.length > 0) throw new ConfigError(errors, 'fetch');
  return Object.freeze({
    source: v.source as Source,
    dest: v.dest as string,
    idleTimeoutMs: v['idle-timeout-seconds'] * 1000,
    maxModelBytes: v['max-model-bytes'],
    allowMetadataAddresses: v['allow-metadata-addresses'],
    retries: v.retries,
    concurrency: v.concurrency,
    logLevel: v['log-level'],
    s3,
    gcs,
  });
}
