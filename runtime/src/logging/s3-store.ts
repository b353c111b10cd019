// Object store of the blob sink on S3 and S3-compatible services (MinIO), and
// on Cloud Storage through its S3-compatible XML API (HMAC keys as
// AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY). Credentials come from the SDK's
// default chain: the InferenceService's logger Secret arrives as AWS_*
// environment variables, the same mechanism as the model fetch.
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { ObjectStore } from './blob-sink.ts';

export interface S3StoreOptions {
  readonly bucket: string;
  /** Custom endpoint (MinIO, a gateway); gs:// uses Cloud Storage's. Path-style addressing when set. */
  readonly endpoint: string | undefined;
  readonly region: string;
  readonly timeoutMs?: number;
}

export const GCS_XML_ENDPOINT = 'https://storage.googleapis.com';

export function s3Store(options: S3StoreOptions): ObjectStore {
  const client = new S3Client({
    region: options.region,
    ...(options.endpoint !== undefined ? { endpoint: options.endpoint, forcePathStyle: true } : {}),
    // The dispatcher owns retries and backoff; the SDK's own would hide failures from the counters for a long time.
    maxAttempts: 1,
  });
  const timeoutMs = options.timeoutMs ?? 30_000;
  return {
    async put(key, body) {
      await client.send(
        new PutObjectCommand({ Bucket: options.bucket, Key: key, Body: body, ContentType: 'application/x-ndjson' }),
        { abortSignal: AbortSignal.timeout(timeoutMs) },
      );
    },
  };
}
