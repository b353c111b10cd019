// `main.ts batch` with input and output on a real S3 (MinIO on 127.0.0.1),
// through the runtime's S3 client: Parquet read by ranged GETs, JSONL read
// from byte offsets, outputs written as multipart uploads (a part file larger
// than one 8 MiB part), markers, and errors files, all read back from the store.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { MINIO_PASSWORD, MINIO_USER, startMinio, type Minio } from '../observe/support.ts';
import { dataset, duckdbRun, IRIS, irisReference, runBatch } from './support.ts';

const ROWS = 300_000;
let minio: Minio;
let s3: S3Client;
let dir: string;
let env: Record<string, string>;

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'modelship-batch-s3-'));
  minio = await startMinio();
  s3 = new S3Client({ endpoint: minio.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: MINIO_USER, secretAccessKey: MINIO_PASSWORD } });
  await s3.send(new CreateBucketCommand({ Bucket: 'data' }));
  await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'iris/part-a.parquet', Body: readFileSync(dataset('iris', ROWS)) }));
  env = { AWS_ACCESS_KEY_ID: MINIO_USER, AWS_SECRET_ACCESS_KEY: MINIO_PASSWORD, AWS_ENDPOINT_URL: minio.endpoint, AWS_REGION: 'us-east-1' };
});
after(async () => {
  s3?.destroy();
  await minio?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function keys(prefix: string): Promise<string[]> {
  const reply = await s3.send(new ListObjectsV2Command({ Bucket: 'data', Prefix: prefix }));
  return (reply.Contents ?? []).map((c) => c.Key as string).sort();
}

async function download(key: string): Promise<string> {
  const file = path.join(dir, key.replaceAll('/', '_'));
  const reply = await s3.send(new GetObjectCommand({ Bucket: 'data', Key: key }));
  writeFileSync(file, await reply.Body!.transformToByteArray());
  return file;
}

describe('batch on S3 (MinIO)', () => {
  it('scores Parquet from a prefix into JSONL parts uploaded in several parts, matching in-process predictions', async () => {
    for (const i of [0, 1]) {
      const run = await runBatch(['--model-path', IRIS, '--input', 's3://data/iris', '--output', 's3://data/scored', '--output-format', 'jsonl', '--id-column', 'id', '--input-map', 'input=sepal_length,sepal_width,petal_length,petal_width', '--shard-count', '2', '--shard-index', String(i), '--batch-size', '1024'], env);
      assert.equal(run.code, 0, run.stdout.slice(-3000) + run.stderr);
    }
    assert.deepEqual(await keys('scored/'), ['scored/_markers/part-0.json', 'scored/_markers/part-1.json', 'scored/part-0.jsonl', 'scored/part-1.jsonl']);
    const parts = [await download('scored/part-0.jsonl'), await download('scored/part-1.jsonl')];
    // More than one 8 MiB upload part each: the multipart path, not a single PUT.
    for (const p of parts) assert.ok(readFileSync(p).length > 8 * 1024 * 1024, `${p} is larger than one part`);
    for (const key of ['scored/part-0.jsonl', 'scored/part-1.jsonl']) {
      // S3 (and MinIO) give a completed multipart upload the ETag "<md5 of part md5s>-<parts>".
      const head = await s3.send(new HeadObjectCommand({ Bucket: 'data', Key: key }));
      assert.match(head.ETag ?? '', /-[2-9]"?$/, `${key} was uploaded in several parts`);
    }
    const out = path.join(dir, 'scored.csv');
    duckdbRun(`copy (select id, label, probabilities[1], probabilities[2], probabilities[3] from read_json([${parts.map((p) => `'${p}'`).join(',')}]) order by id) to '${out}' (header false)`);
    const input = path.join(dir, 'input.csv');
    duckdbRun(`copy (select sepal_length::double, sepal_width::double, petal_length::double, petal_width::double from '${dataset('iris', ROWS)}' order by id) to '${input}' (header false)`);
    const x = new Float32Array(ROWS * 4);
    readFileSync(input, 'utf8').trimEnd().split('\n').forEach((line, r) => line.split(',').forEach((v, k) => (x[r * 4 + k] = Number(v))));
    const reference = await irisReference(x, 1024);
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    assert.equal(lines.length, ROWS);
    lines.forEach((line, r) => {
      const [id, label, ...p] = line.split(',');
      assert.equal(Number(id), r);
      assert.equal(BigInt(label!), reference.label[r], `label of row ${r}`);
      p.forEach((v, k) => assert.equal(Math.fround(Number(v)), reference.probabilities[r * 3 + k], `probability ${k} of row ${r}`));
    });
    // Done shards are skipped on a retry, reading only their markers.
    const again = await runBatch(['--model-path', IRIS, '--input', 's3://data/iris', '--output', 's3://data/scored', '--output-format', 'jsonl', '--id-column', 'id', '--input-map', 'input=sepal_length,sepal_width,petal_length,petal_width', '--shard-count', '2', '--shard-index', '1'], env);
    assert.equal(again.code, 0);
    assert.ok(again.logs.some((l) => l.message === 'shard already done; not scoring it again'));
  });

  it('reads JSONL from byte offsets in 3 shards and writes Parquet parts and an errors file to S3', async () => {
    const lines = Array.from({ length: 3000 }, (_, r) => JSON.stringify({ id: r, x: [5 + (r % 10) / 10, 3, 1.5, 0.2] }));
    lines[1234] = '{"id": 1234, "x": [1, 2]}';
    await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'json/rows.jsonl', Body: `${lines.join('\n')}\n` }));
    for (const i of [0, 1, 2]) {
      const run = await runBatch(['--model-path', IRIS, '--input', 's3://data/json/rows.jsonl', '--output', 's3://data/json-out', '--output-format', 'parquet', '--id-column', 'id', '--input-map', 'input=x', '--shard-count', '3', '--shard-index', String(i), '--max-failed-rows-percent', '1'], env);
      assert.equal(run.code, 0, run.stdout.slice(-3000));
    }
    const files = await Promise.all([0, 1, 2].map((i) => download(`json-out/part-${i}.parquet`)));
    const counted = path.join(dir, 'json-count.csv');
    duckdbRun(`copy (select count(*), count(distinct id), min(id)::bigint, max(id)::bigint from read_parquet([${files.map((f) => `'${f}'`).join(',')}])) to '${counted}' (header false)`);
    assert.equal(readFileSync(counted, 'utf8').trim(), '2999,2999,0,2999');
    const errorKeys = (await keys('json-out/errors/'));
    assert.equal(errorKeys.length, 1);
    const errors = readFileSync(await download(errorKeys[0]!), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(errors.length, 1);
    assert.equal(errors[0].file, 'rows.jsonl');
    assert.match(errors[0].reason, /2 values, the model takes 4/);
  });
});
