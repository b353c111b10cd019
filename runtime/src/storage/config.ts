// Configuration of the `fetch` command: flags for what to copy where, the
// environment for credentials and endpoints (the names the AWS and Google
// tools use, so existing Secrets work unchanged). Parsed once into a frozen
// object; every problem is reported together.
import { parseArgs } from 'node:util';
import { LOG_LEVELS, type LogLevel } from '../../../common/src/logger.ts';
import type { Credentials } from './sigv4.ts';
import { parseSource, SourceError, type Source } from './source.ts';

export interface S3Settings {
  readonly endpoint: URL;
  readonly region: string;
  /** Undefined: anonymous (unsigned) requests, for public buckets. */
  readonly credentials: Credentials | undefined;
  /** `endpoint/bucket/key` rather than `bucket.endpoint/key`; MinIO and most S3-compatible stores want it. */
  readonly pathStyle: boolean;
}

export interface GcsSettings {
  readonly endpoint: URL;
  /** OAuth2 access token given outright; wins over keyFile. */
  readonly token: string | undefined;
  /** A service-account or authorized-user JSON file; neither: anonymous, for public buckets. */
  readonly keyFile: string | undefined;
}

export interface FetchConfig {
  readonly source: Source;
  readonly dest: string;
  readonly timeoutMs: number;
  readonly retries: number;
  readonly concurrency: number;
  readonly logLevel: LogLevel;
  readonly s3: S3Settings;
  readonly gcs: GcsSettings;
}

export const FETCH_USAGE = `usage: main.ts fetch --source <s3://bucket/prefix | gs://bucket/prefix | https://host/file> --dest <dir>
  [--timeout-seconds 600] [--retries 3] [--concurrency 4] [--log-level info]
environment:
  S3:  AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN (none: anonymous),
       AWS_REGION | AWS_DEFAULT_REGION (us-east-1),
       AWS_ENDPOINT_URL_S3 | AWS_ENDPOINT_URL | S3_ENDPOINT (+ S3_USE_HTTPS=0 for http),
       S3_FORCE_PATH_STYLE=true|false (default: true with a custom endpoint)
  GCS: GOOGLE_OAUTH_ACCESS_TOKEN | CLOUDSDK_AUTH_ACCESS_TOKEN, or GOOGLE_APPLICATION_CREDENTIALS
       (service-account key or gcloud authorized-user file; none: anonymous),
       STORAGE_EMULATOR_HOST (endpoint override)
`;

export class FetchConfigError extends Error {
  readonly errors: readonly string[];
  constructor(errors: readonly string[]) {
    super(`invalid fetch configuration:\n  ${errors.join('\n  ')}`);
    this.errors = errors;
  }
}

function url(text: string, name: string, errors: string[]): URL | undefined {
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
  let custom = true;
  if (env.AWS_ENDPOINT_URL_S3) endpoint = url(env.AWS_ENDPOINT_URL_S3, 'AWS_ENDPOINT_URL_S3', errors);
  else if (env.AWS_ENDPOINT_URL) endpoint = url(env.AWS_ENDPOINT_URL, 'AWS_ENDPOINT_URL', errors);
  else if (env.S3_ENDPOINT) {
    // KServe's convention: host[:port] without a scheme, S3_USE_HTTPS=0 for plain HTTP.
    const withScheme = /^https?:\/\//.test(env.S3_ENDPOINT)
      ? env.S3_ENDPOINT
      : `${env.S3_USE_HTTPS === '0' ? 'http' : 'https'}://${env.S3_ENDPOINT}`;
    endpoint = url(withScheme, 'S3_ENDPOINT', errors);
  } else {
    custom = false;
    endpoint = new URL(`https://s3.${region}.amazonaws.com`);
  }
  let pathStyle = custom;
  const forced = env.S3_FORCE_PATH_STYLE;
  if (forced === 'true' || forced === '1') pathStyle = true;
  else if (forced === 'false' || forced === '0') pathStyle = false;
  else if (forced) errors.push(`S3_FORCE_PATH_STYLE=${forced}: must be true or false`);

  const id = env.AWS_ACCESS_KEY_ID;
  const secret = env.AWS_SECRET_ACCESS_KEY;
  if (Boolean(id) !== Boolean(secret)) errors.push('AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together');
  const credentials = id && secret ? { accessKeyId: id, secretAccessKey: secret, sessionToken: env.AWS_SESSION_TOKEN || undefined } : undefined;
  return { endpoint: endpoint ?? new URL('https://invalid'), region, credentials, pathStyle };
}

function gcsSettings(env: NodeJS.ProcessEnv, errors: string[]): GcsSettings {
  const emulator = env.STORAGE_EMULATOR_HOST;
  const endpoint = emulator
    ? url(/^https?:\/\//.test(emulator) ? emulator : `http://${emulator}`, 'STORAGE_EMULATOR_HOST', errors)
    : new URL('https://storage.googleapis.com');
  return {
    endpoint: endpoint ?? new URL('https://invalid'),
    token: env.GOOGLE_OAUTH_ACCESS_TOKEN || env.CLOUDSDK_AUTH_ACCESS_TOKEN || undefined,
    keyFile: env.GOOGLE_APPLICATION_CREDENTIALS || undefined,
  };
}

function positive(text: string | undefined, fallback: number, name: string, errors: string[], max: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < 0 || value > max) {
    errors.push(`--${name} ${text}: must be an integer in [0, ${max}]`);
    return fallback;
  }
  return value;
}

export function parseFetchConfig(args: readonly string[], env: NodeJS.ProcessEnv): FetchConfig {
  const errors: string[] = [];
  let values: Record<string, string | undefined> = {};
  try {
    values = parseArgs({
      args: [...args],
      options: {
        source: { type: 'string' },
        dest: { type: 'string' },
        'timeout-seconds': { type: 'string' },
        retries: { type: 'string' },
        concurrency: { type: 'string' },
        'log-level': { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }).values as Record<string, string | undefined>;
  } catch (error) {
    errors.push((error as Error).message);
  }
  let source: Source | undefined;
  if (!values.source) errors.push('--source is required');
  else {
    try {
      source = parseSource(values.source);
    } catch (error) {
      if (!(error instanceof SourceError)) throw error;
      errors.push(`--source ${error.message}`);
    }
  }
  if (!values.dest) errors.push('--dest is required');
  const logLevel = (values['log-level'] ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) errors.push(`--log-level ${logLevel}: must be one of ${LOG_LEVELS.join(', ')}`);
  const timeoutSeconds = positive(values['timeout-seconds'], 600, 'timeout-seconds', errors, 86_400);
  if (timeoutSeconds === 0) errors.push('--timeout-seconds 0: must be at least 1');
  const config: FetchConfig = {
    source: source!,
    dest: values.dest ?? '',
    timeoutMs: timeoutSeconds * 1000,
    retries: positive(values.retries, 3, 'retries', errors, 20),
    concurrency: Math.max(1, positive(values.concurrency, 4, 'concurrency', errors, 64)),
    logLevel,
    s3: s3Settings(env, errors),
    gcs: gcsSettings(env, errors),
  };
  if (errors.length > 0) throw new FetchConfigError(errors);
  return Object.freeze(config);
}
