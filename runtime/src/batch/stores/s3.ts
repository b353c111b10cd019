// S3 and S3-compatible stores (MinIO) as batch input and output, through the
// client the model fetch builds (runtime/src/storage/s3.ts: the SDK's
// credential chain, endpoint settings, retries, the address policy). Outputs
// are multipart uploads: parts of PART_BYTES leave as they fill, so memory
// stays bounded however large the file, and the object exists only once the
// upload is completed.
import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  paginateListObjectsV2,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { FileSize } from '../plan.ts';
import { isDataName, type InputStore, type OutputStore, type Sink } from './store.ts';

/** S3's smallest part but the last is 5 MiB; larger parts mean fewer requests. */
export const PART_BYTES = 8 * 1024 * 1024;

function join(prefix: string, name: string): string {
  return prefix === '' ? name : `${prefix}/${name}`;
}

function notFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
}

export function s3Input(client: S3Client, bucket: string, prefix: string): InputStore {
  let base = prefix;
  return {
    async list() {
      const files: FileSize[] = [];
      const dir = prefix === '' ? '' : `${prefix}/`;
      let pages = 0;
      for await (const page of paginateListObjectsV2({ client }, { Bucket: bucket, ...(dir ? { Prefix: dir } : {}) })) {
        for (const item of page.Contents ?? []) {
          if (item.Key === undefined || item.Key.endsWith('/')) continue;
          if (isDataName(item.Key.slice(dir.length))) files.push({ name: item.Key, size: item.Size ?? 0 });
        }
        if (++pages >= 100_000) throw new Error(`s3://${bucket}/${prefix}: listing did not end after 100,000 pages`);
      }
      if (files.length === 0 && prefix !== '') {
        // The prefix may name one object.
        try {
          const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: prefix }));
          base = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
          return [{ name: prefix, size: head.ContentLength ?? 0 }];
        } catch (error) {
          if (!notFound(error)) throw error;
        }
      }
      return files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    },
    async read(file, start, end) {
      if (end <= start) return new Uint8Array(0);
      const reply = await client.send(new GetObjectCommand({ Bucket: bucket, Key: file, Range: `bytes=${start}-${end - 1}` }));
      if (!reply.Body) throw new Error(`s3://${bucket}/${file}: empty response body`);
      return reply.Body.transformToByteArray();
    },
    async stream(file, start) {
      const reply = await client.send(new GetObjectCommand({ Bucket: bucket, Key: file, ...(start > 0 ? { Range: `bytes=${start}-` } : {}) }));
      if (!reply.Body) throw new Error(`s3://${bucket}/${file}: empty response body`);
      return reply.Body as Readable;
    },
    describe(file) {
      return base === '' ? file : file.startsWith(`${base}/`) ? file.slice(base.length + 1) : file;
    },
  };
}

function multipart(client: S3Client, bucket: string, key: string): Sink {
  let uploadId: string | undefined;
  const parts: { ETag: string | undefined; PartNumber: number }[] = [];
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  const flush = async (): Promise<void> => {
    uploadId ??= (await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }))).UploadId;
    const body = Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    const PartNumber = parts.length + 1;
    const reply = await client.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber, Body: body }));
    parts.push({ ETag: reply.ETag, PartNumber });
  };
  return {
    async write(chunk) {
      // Copied: the writer may reuse its buffer once this resolves.
      pending.push(Buffer.from(chunk));
      pendingBytes += chunk.byteLength;
      if (pendingBytes >= PART_BYTES) await flush();
    },
    async commit() {
      if (uploadId === undefined) {
        // Small enough for one request (and S3 has no empty multipart upload).
        await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: Buffer.concat(pending, pendingBytes) }));
        return;
      }
      if (pendingBytes > 0) await flush();
      await client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts } }));
    },
    async abort() {
      pending = [];
      if (uploadId !== undefined) await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId })).catch(() => undefined);
    },
  };
}

export function s3Output(client: S3Client, bucket: string, prefix: string): OutputStore {
  return {
    async readText(name) {
      try {
        const reply = await client.send(new GetObjectCommand({ Bucket: bucket, Key: join(prefix, name) }));
        return reply.Body ? await reply.Body.transformToString('utf8') : '';
      } catch (error) {
        if (notFound(error)) return undefined;
        throw error;
      }
    },
    async put(name, body) {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: join(prefix, name), Body: body, ContentType: 'application/json' }));
    },
    async sink(name) {
      return multipart(client, bucket, join(prefix, name));
    },
    describe(name) {
      return `s3://${bucket}/${join(prefix, name)}`;
    },
  };
}
