// Test set-up for a real S3 (MinIO): buckets and objects written through the
// AWS SDK with the root credentials, the same SDK `fetch` reads with.
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

export interface S3Admin {
  createBucket(bucket: string): Promise<void>;
  put(bucket: string, key: string, body: Buffer): Promise<void>;
  close(): void;
}

export function s3Admin(endpoint: string, accessKeyId: string, secretAccessKey: string, region = 'us-east-1'): S3Admin {
  const client = new S3Client({ endpoint, region, forcePathStyle: true, credentials: { accessKeyId, secretAccessKey }, maxAttempts: 3 });
  return {
    createBucket: async (bucket) => {
      await client.send(new CreateBucketCommand({ Bucket: bucket }), { abortSignal: AbortSignal.timeout(10_000) });
    },
    put: async (bucket, key, body) => {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }), { abortSignal: AbortSignal.timeout(10_000) });
    },
    close: () => client.destroy(),
  };
}
