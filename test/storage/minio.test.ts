// `main.ts fetch` against a real MinIO on 127.0.0.1: SigV4 as a real S3
// implementation verifies it, path-style addressing, ListObjectsV2 with
// url encoding, and the failures a misconfigured Secret produces.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { signRequest, uriEncode } from '../../runtime/src/storage/sigv4.ts';
import { binaryPath } from '../cluster/binaries.ts';
import { freePorts } from '../cluster/ports.ts';
import { runFetch } from './run-fetch.ts';

const USER = 'modelship-test';
const PASSWORD = 'modelship-test-secret';
const credentials = { accessKeyId: USER, secretAccessKey: PASSWORD };
const REGION = 'us-east-1';
const model = readFileSync(new URL('../../examples/models/iris.onnx', import.meta.url));
const mlp = readFileSync(new URL('../../examples/models/mnist-mlp.onnx', import.meta.url));

let minio: ChildProcess;
let endpoint: string;
let scratch: string;

/** A signed request to MinIO, for setting up buckets and objects. */
async function s3(method: 'PUT' | 'GET', pathname: string, body?: Buffer): Promise<Response> {
  const url = new URL(`${endpoint}${pathname}`);
  const payloadHash = createHash('sha256')
    .update(body ?? Buffer.alloc(0))
    .digest('hex');
  const headers = signRequest({ method, url, region: REGION, credentials, now: new Date(), payloadHash });
  delete headers.host;
  return fetch(url, { method, headers, ...(body ? { body } : {}), signal: AbortSignal.timeout(10_000) });
}

async function put(bucket: string, key: string, body: Buffer): Promise<void> {
  const res = await s3('PUT', `/${bucket}/${uriEncode(key, true)}`, body);
  assert.equal(res.status, 200, `PUT ${key}: ${await res.text()}`);
}

before(async () => {
  scratch = mkdtempSync(path.join(os.tmpdir(), 'modelship-minio-'));
  const [port, consolePort] = await freePorts(2);
  endpoint = `http://127.0.0.1:${port}`;
  minio = spawn(
    binaryPath('minio'),
    ['server', path.join(scratch, 'data'), '--address', `127.0.0.1:${port}`, '--console-address', `127.0.0.1:${consolePort}`, '--quiet'],
    { env: { PATH: process.env.PATH ?? '', HOME: scratch, MINIO_ROOT_USER: USER, MINIO_ROOT_PASSWORD: PASSWORD, MINIO_BROWSER: 'off' }, stdio: 'ignore' },
  );
  const deadline = Date.now() + 30_000;
  for (;;) {
    assert.equal(minio.exitCode, null, 'minio exited during start-up');
    try {
      if ((await fetch(`${endpoint}/minio/health/ready`, { signal: AbortSignal.timeout(1000) })).status === 200) break;
    } catch {
      // not listening yet
    }
    assert.ok(Date.now() < deadline, 'minio not ready within 30 s');
    await sleep(200);
  }
  const res = await s3('PUT', '/models');
  assert.equal(res.status, 200, `create bucket: ${await res.text()}`);
  await put('models', 'iris/1/model.onnx', model);
  await put('models', 'iris/1/labels/classes with space.txt', Buffer.from('setosa\nversicolor\nvirginica\n'));
  await put('models', 'iris-other/model.onnx', Buffer.from('not part of iris'));
  // More than one ListObjectsV2 page would need 1,000 keys; a few dozen
  // still exercise the listing loop and the concurrent downloads.
  for (let i = 0; i < 24; i++) await put('models', `mlp/shards/part-${String(i).padStart(2, '0')}.bin`, mlp.subarray(i * 1000, i * 1000 + 1000));
});

after(async () => {
  if (minio && minio.exitCode === null) {
    const exited = once(minio, 'exit');
    minio.kill('SIGTERM');
    const timer = setTimeout(() => minio.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const env = (extra: Record<string, string> = {}) => ({
  AWS_ACCESS_KEY_ID: USER,
  AWS_SECRET_ACCESS_KEY: PASSWORD,
  AWS_ENDPOINT_URL: endpoint,
  ...extra,
});

describe('fetch from a real MinIO', () => {
  it('copies a prefix with SigV4 credentials, keeping the layout and leaving siblings', async () => {
    const dest = path.join(scratch, 'out-iris');
    const run = await runFetch(['--source', 's3://models/iris/1', '--dest', dest], env());
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.deepEqual(readdirSync(dest, { recursive: true }).sort(), ['labels', 'labels/classes with space.txt', 'model.onnx']);
    assert.deepEqual(readFileSync(path.join(dest, 'model.onnx')), model);
  });

  it('copies one object named exactly, and many objects concurrently', async () => {
    const single = path.join(scratch, 'out-single');
    const one = await runFetch(['--source', 's3://models/iris/1/model.onnx', '--dest', single], env());
    assert.equal(one.code, 0, one.stdout + one.stderr);
    assert.deepEqual(readdirSync(single), ['model.onnx']);

    const many = path.join(scratch, 'out-mlp');
    const run = await runFetch(['--source', 's3://models/mlp/', '--dest', many, '--concurrency', '8'], env());
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const parts = readdirSync(path.join(many, 'shards')).sort();
    assert.equal(parts.length, 24);
    const joined = Buffer.concat(parts.map((p) => readFileSync(path.join(many, 'shards', p))));
    assert.deepEqual(joined, mlp.subarray(0, 24_000));
  });

  it('fails without retrying on a wrong secret, and anonymously on a private bucket', async () => {
    const wrong = await runFetch(['--source', 's3://models/iris/1', '--dest', path.join(scratch, 'out-wrong')], env({ AWS_SECRET_ACCESS_KEY: 'not-the-secret' }));
    assert.equal(wrong.code, 1);
    assert.match(wrong.stdout, /HTTP 403.*SignatureDoesNotMatch/);

    const anonymous = await runFetch(['--source', 's3://models/iris/1', '--dest', path.join(scratch, 'out-anon')], { AWS_ENDPOINT_URL: endpoint });
    assert.equal(anonymous.code, 1);
    assert.match(anonymous.stdout, /HTTP 403.*AccessDenied/);
  });

  it('reports a missing bucket', async () => {
    const run = await runFetch(['--source', 's3://no-such-bucket/x', '--dest', path.join(scratch, 'out-none')], env());
    assert.equal(run.code, 1);
    assert.match(run.stdout, /HTTP 404.*NoSuchBucket/);
  });
});
