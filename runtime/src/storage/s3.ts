// Amazon S3 and S3-compatible stores (MinIO, Ceph RGW) through the AWS SDK:
// its default credential chain (environment keys from a Secret, web identity
// tokens for IRSA and other OIDC issuers, EKS Pod Identity, shared files,
// instance metadata), its signing, XML parsing, pagination and retries. With
// no credentials anywhere the requests go unsigned, for public buckets.
import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { GetObjectCommand, paginateListObjectsV2, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import type { S3Settings } from './config.ts';
import { FetchError } from './errors.ts';
import { checkUrlHost, guardedLookup, type AddressPolicy } from './policy.ts';
import type { RemoteObject, Store } from './store.ts';

export interface ClientOptions {
  retries: number;
  idleMs: number;
  policy: AddressPolicy;
}

function handler(options: ClientOptions): S3ClientConfig['requestHandler'] {
  const lookup = guardedLookup(options.policy);
  // The SDK's Node handler, configured by its options object.
  return {
    connectionTimeout: options.idleMs,
    // A socket idle timeout, not a limit on the whole transfer.
    requestTimeout: options.idleMs,
    httpAgent: new http.Agent({ keepAlive: true, lookup }),
    httpsAgent: new https.Agent({ keepAlive: true, lookup }),
  };
}

/** The SDK's chain found nothing at all: go anonymous. Any other credential error is real. */
function noCredentialsAnywhere(error: unknown): boolean {
  const e = error as { name?: string; message?: string };
  return e?.name === 'CredentialsProviderError' && /Could not load credentials from any providers/.test(e.message ?? '');
}

const ANONYMOUS: Partial<S3ClientConfig> = {
  httpAuthSchemeProvider: (() => [{ schemeId: 'smithy.api#noAuth' }]) as unknown as S3ClientConfig['httpAuthSchemeProvider'],
  httpAuthSchemes: [{ schemeId: 'smithy.api#noAuth', identityProvider: () => async () => ({}), signer: { sign: async (request) => request } }],
};

export async function s3Client(settings: S3Settings, options: ClientOptions): Promise<S3Client> {
  if (settings.endpoint) checkUrlHost(settings.endpoint, options.policy);
  const base: S3ClientConfig = {
    region: settings.region,
    ...(settings.endpoint ? { endpoint: settings.endpoint.href } : {}),
    forcePathStyle: settings.pathStyle,
    maxAttempts: options.retries + 1,
    requestHandler: handler(options),
  };
  const client = new S3Client(base);
  try {
    await client.config.credentials();
    return client;
  } catch (error) {
    if (!noCredentialsAnywhere(error)) throw error;
    client.destroy();
    return new S3Client({ ...base, ...ANONYMOUS });
  }
}

export function s3Store(client: S3Client, bucket: string): Store {
  return {
    async list(prefix: string): Promise<RemoteObject[]> {
      const objects: RemoteObject[] = [];
      let pages = 0;
      for await (const page of paginateListObjectsV2({ client }, { Bucket: bucket, ...(prefix ? { Prefix: prefix } : {}) })) {
        for (const item of page.Contents ?? []) if (item.Key !== undefined) objects.push({ key: item.Key, size: item.Size });
        // 10,000 pages of 1,000 keys is far beyond any model.
        if (++pages >= 10_000) throw new FetchError(`s3://${bucket}/${prefix}: listing did not end after 10,000 pages`);
      }
      return objects;
    },
    async open(key: string, signal: AbortSignal): Promise<Readable> {
      const reply = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
      if (!reply.Body) throw new FetchError(`s3://${bucket}/${key}: empty response body`);
      return reply.Body as Readable;
    },
  };
}
