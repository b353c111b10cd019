// Google Cloud Storage through @google-cloud/storage and google-auth-library:
// Application Default Credentials (a key file or an external-account file in
// GOOGLE_APPLICATION_CREDENTIALS, the metadata server that GKE Workload
// Identity answers for the pod's service account), or a bearer token given
// outright; with none of them the library goes anonymous, for public buckets.
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { Storage, type GetFilesOptions, type StorageOptions } from '@google-cloud/storage';
import { OAuth2Client } from 'google-auth-library';
import type { GcsSettings } from './config.ts';
import { FetchError } from './errors.ts';
import { checkUrlHost, guardedLookup, type AddressPolicy } from './policy.ts';
import type { RemoteObject, Store } from './store.ts';

export interface GcsClientOptions {
  retries: number;
  policy: AddressPolicy;
}

/** The library's requests have no idle timeout of their own: each listing page must answer within idleMs. */
async function withinIdle<T>(work: Promise<T>, idleMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const stalled = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new FetchError(`${what}: no answer for ${Math.round(idleMs / 1000)} s (--idle-timeout-seconds)`)), idleMs);
  });
  try {
    return await Promise.race([work, stalled]);
  } finally {
    clearTimeout(timer);
  }
}

/** The library does its own HTTP, so a custom endpoint is checked once here (an IP literal, or what its name resolves to). */
async function checkEndpoint(endpoint: URL, policy: AddressPolicy): Promise<void> {
  checkUrlHost(endpoint, policy);
  await promisify(guardedLookup(policy) as (host: string, options: object, cb: (e: Error | null, a: unknown) => void) => void)(endpoint.hostname.replace(/^\[|\]$/g, ''), {});
}

export async function gcsClient(settings: GcsSettings, options: GcsClientOptions): Promise<Storage> {
  if (settings.endpoint) await checkEndpoint(settings.endpoint, options.policy);
  // The library would also read this variable itself and take it verbatim as
  // its base URL; config.ts has read it, and the endpoint is passed below.
  delete process.env.STORAGE_EMULATOR_HOST;
  const auth = settings.token ? new OAuth2Client() : undefined;
  auth?.setCredentials({ access_token: settings.token });
  const config: StorageOptions = {
    ...(settings.endpoint ? { apiEndpoint: settings.endpoint.href.replace(/\/$/, '') } : {}),
    // The pod's own identity is never sent to an endpoint from a tenant's
    // Secret: a custom endpoint gets only credentials that Secret supplied.
    useAuthWithCustomEndpoint: settings.trustedEndpoint || Boolean(settings.token || settings.keyFile),
    ...(auth ? { authClient: auth } : {}),
    retryOptions: { autoRetry: options.retries > 0, maxRetries: options.retries },
    // Listing and reading objects bill no project; without one, an external-account
    // client would look its project up at cloudresourcemanager first, and fail the
    // fetch when that API is unreachable or not granted.
    projectId: 'modelship-fetch',
  };
  return new Storage(config);
}

export function gcsStore(storage: Storage, bucketName: string, idleMs: number): Store {
  const bucket = storage.bucket(bucketName);
  return {
    async list(prefix: string): Promise<RemoteObject[]> {
      const objects: RemoteObject[] = [];
      let query: GetFilesOptions | undefined = { autoPaginate: false, maxResults: 1000, ...(prefix ? { prefix } : {}) };
      for (let page = 0; query; page++) {
        if (page >= 10_000) throw new FetchError(`gs://${bucketName}/${prefix}: listing did not end after 10,000 pages`);
        const [files, next] = await withinIdle(bucket.getFiles(query), idleMs, `gs://${bucketName}/${prefix}: listing`);
        for (const f of files) objects.push({ key: f.name, size: f.metadata.size === undefined ? undefined : Number(f.metadata.size) });
        query = next as GetFilesOptions | undefined;
      }
      return objects;
    },
    async open(key: string, signal: AbortSignal): Promise<Readable> {
      const stream = bucket.file(key).createReadStream();
      signal.addEventListener('abort', () => stream.destroy(signal.reason as Error), { once: true });
      return stream;
    },
  };
}
