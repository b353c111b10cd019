// Access tokens for GCS. In order: a token given outright
// (GOOGLE_OAUTH_ACCESS_TOKEN), else the key file GOOGLE_APPLICATION_CREDENTIALS
// names: a service-account key (signed JWT exchanged at its token_uri, the
// OAuth2 JWT-bearer grant) or gcloud's authorized-user file (refresh-token
// grant); else none, for public buckets.
import { createSign } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { TransferError } from './transfer.ts';

export const READ_ONLY_SCOPE = 'https://www.googleapis.com/auth/devstorage.read_only';

interface ServiceAccountKey {
  type: 'service_account';
  client_email: string;
  private_key: string;
  private_key_id?: string;
  token_uri?: string;
}

interface AuthorizedUser {
  type: 'authorized_user';
  client_id: string;
  client_secret: string;
  refresh_token: string;
  token_uri?: string;
}

const DEFAULT_TOKEN_URI = 'https://oauth2.googleapis.com/token';

const base64url = (data: string | Buffer): string => Buffer.from(data).toString('base64url');

/** The RS256-signed assertion of the JWT-bearer grant (RFC 7523). */
export function serviceAccountAssertion(key: ServiceAccountKey, now: Date, scope = READ_ONLY_SCOPE): string {
  const iat = Math.floor(now.getTime() / 1000);
  const header = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', ...(key.private_key_id ? { kid: key.private_key_id } : {}) }));
  const claims = base64url(
    JSON.stringify({ iss: key.client_email, scope, aud: key.token_uri ?? DEFAULT_TOKEN_URI, iat, exp: iat + 3600 }),
  );
  const signature = createSign('RSA-SHA256').update(`${header}.${claims}`).sign(key.private_key);
  return `${header}.${claims}.${base64url(signature)}`;
}

async function exchange(tokenUri: string, form: Record<string, string>, timeoutMs: number): Promise<string> {
  const res = await fetch(tokenUri, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  if (!res.ok) throw new TransferError(`token exchange at ${tokenUri}: HTTP ${res.status} ${text.slice(0, 300)}`);
  const token = (JSON.parse(text) as { access_token?: string }).access_token;
  if (!token) throw new TransferError(`token exchange at ${tokenUri}: reply has no access_token`);
  return token;
}

/** Resolves the bearer token to use, or undefined for anonymous access. */
export async function gcsAccessToken(
  settings: { token: string | undefined; keyFile: string | undefined },
  timeoutMs: number,
  now: () => Date = () => new Date(),
): Promise<string | undefined> {
  if (settings.token) return settings.token;
  if (!settings.keyFile) return undefined;
  let key: ServiceAccountKey | AuthorizedUser;
  try {
    key = JSON.parse(await readFile(settings.keyFile, 'utf8')) as ServiceAccountKey | AuthorizedUser;
  } catch (error) {
    throw new TransferError(`GOOGLE_APPLICATION_CREDENTIALS=${settings.keyFile}: ${(error as Error).message}`);
  }
  if (key.type === 'service_account') {
    const assertion = serviceAccountAssertion(key, now());
    return exchange(key.token_uri ?? DEFAULT_TOKEN_URI, { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }, timeoutMs);
  }
  if (key.type === 'authorized_user') {
    return exchange(
      key.token_uri ?? DEFAULT_TOKEN_URI,
      { grant_type: 'refresh_token', client_id: key.client_id, client_secret: key.client_secret, refresh_token: key.refresh_token },
      timeoutMs,
    );
  }
  throw new TransferError(`GOOGLE_APPLICATION_CREDENTIALS=${settings.keyFile}: unsupported credentials type ${JSON.stringify((key as { type?: unknown }).type)}`);
}
