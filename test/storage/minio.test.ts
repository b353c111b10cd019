// `main.ts fetch` against a real MinIO on 127.0.0.1 through the AWS SDK:
// static keys as a Secret gives them, a web-identity token file as IRSA and
// other OIDC issuers give it (MinIO's STS AssumeRoleWithWebIdentity, with a
// loopback issuer the test runs), path-style addressing, listing with odd
// keys, and the failures a misconfigured Secret produces, reported without
// the store's own text.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { binaryPath } from '../cluster/binaries.ts';
import { freePorts } from '../cluster/ports.ts';
import { startOidcIssuer, type OidcIssuer } from './oidc-issuer.ts';
import { runFetch } from './run-fetch.ts';
import { s3Admin } from './s3-admin.ts';

const USER = 'modelship-test';
const PASSWORD = 'modelship-test-secret';
// The audience the operator projects the service-account token for; MinIO's client ID.
const AUDIENCE = 'modelship-storage';
// MinIO names the role of a role-policy OpenID provider after a hash of its client ID.
const ROLE_ARN = `arn:minio:iam:::role/${createHash('sha1').update(AUDIENCE).digest('base64url')}`;
const model = readFileSync(new URL('../../examples/models/iris.onnx', import.meta.url));
const mlp = readFileSync(new URL('../../examples/models/mnist-mlp.onnx', import.meta.url));

let minio: ChildProcess;
let issuer: OidcIssuer;
let endpoint: string;
let scratch: string;

before(async () => {
  scratch = mkdtempSync(path.join(os.tmpdir(), 'modelship-minio-'));
  issuer = await startOidcIssuer();
  const [port, consolePort] = await freePorts(2);
  endpoint = `http://127.0.0.1:${port}`;
  minio = spawn(
    binaryPath('minio'),
    ['server', path.join(scratch, 'data'), '--address', `127.0.0.1:${port}`, '--console-address', `127.0.0.1:${consolePort}`, '--quiet'],
    {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: scratch,
        MINIO_ROOT_USER: USER,
        MINIO_ROOT_PASSWORD: PASSWORD,
        MINIO_BROWSER: 'off',
        // STS for web identities: tokens from the loopback issuer, audience = client ID.
        // The role gets MinIO's built-in readwrite policy: its readonly one lacks
        // s3:ListBucket, which listing a prefix needs, and a narrower policy would
        // take MinIO's admin API to create.
        MINIO_IDENTITY_OPENID_CONFIG_URL: issuer.configUrl,
        MINIO_IDENTITY_OPENID_CLIENT_ID: AUDIENCE,
        MINIO_IDENTITY_OPENID_ROLE_POLICY: 'readwrite',
      },
      stdio: 'ignore',
    },
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
  const admin = s3Admin(endpoint, USER, PASSWORD);
  try {
    await admin.createBucket('models');
    await admin.put('models', 'iris/1/model.onnx', model);
    await admin.put('models', 'iris/1/labels/classes with space+plus.txt', Buffer.from('setosa\nversicolor\nvirginica\n'));
    await admin.put('models', 'iris-other/model.onnx', Buffer.from('not part of iris'));
    // More than one ListObjectsV2 page would need 1,000 keys; a few dozen
    // still exercise the listing loop and the concurrent downloads.
    for (let i = 0; i < 24; i++) await admin.put('models', `mlp/shards/part-${String(i).padStart(2, '0')}.bin`, mlp.subarray(i * 1000, i * 1000 + 1000));
  } finally {
    admin.close();
  }
});

after(async () => {
  if (minio && minio.exitCode === null) {
    const exited = once(minio, 'exit');
    minio.kill('SIGTERM');
    const timer = setTimeout(() => minio.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
  await issuer?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const env = (extra: Record<string, string> = {}) => ({
  AWS_ACCESS_KEY_ID: USER,
  AWS_SECRET_ACCESS_KEY: PASSWORD,
  AWS_ENDPOINT_URL: endpoint,
  ...extra,
});

function failure(stdout: string): string {
  const line = stdout.split('\n').find((l) => l.includes('"fetch failed"'));
  assert.ok(line, `no failure line in:\n${stdout}`);
  return (JSON.parse(line) as { error: string }).error;
}

describe('fetch from a real MinIO', () => {
  it('copies a prefix with static keys, keeping the layout and leaving siblings', async () => {
    const dest = path.join(scratch, 'out-iris');
    const run = await runFetch(['--source', 's3://models/iris/1', '--dest', dest], env());
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.deepEqual(readdirSync(dest, { recursive: true }).sort(), ['labels', 'labels/classes with space+plus.txt', 'model.onnx']);
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

  it('assumes a role with a web-identity token file (the IRSA mechanism) through STS', async () => {
    const tokenFile = path.join(scratch, 'sa-token');
    writeFileSync(tokenFile, issuer.token({ sub: 'system:serviceaccount:default:iris', aud: AUDIENCE }));
    const webIdentity = { AWS_ENDPOINT_URL: endpoint, AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile, AWS_ROLE_ARN: ROLE_ARN, AWS_ROLE_SESSION_NAME: 'modelship-fetch' };
    const dest = path.join(scratch, 'out-web-identity');
    const run = await runFetch(['--source', 's3://models/iris/1', '--dest', dest], webIdentity);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.deepEqual(readFileSync(path.join(dest, 'model.onnx')), model);

    // A token for another audience is refused by STS, and that is reported, not turned into anonymous access.
    writeFileSync(tokenFile, issuer.token({ sub: 'system:serviceaccount:default:iris', aud: 'someone-else' }));
    const refused = await runFetch(['--source', 's3://models/iris/1', '--dest', path.join(scratch, 'out-wrong-aud'), '--retries', '0'], webIdentity);
    assert.equal(refused.code, 1);
    // MinIO's STS answers 400 InvalidParameterValue; an anonymous fallback would have given 403 AccessDenied.
    assert.equal(failure(refused.stdout), 'HTTP 400 InvalidParameterValue');
  });

  it('fails without retrying on a wrong secret, and anonymously on a private bucket, without the store text', async () => {
    const wrong = await runFetch(['--source', 's3://models/iris/1', '--dest', path.join(scratch, 'out-wrong')], env({ AWS_SECRET_ACCESS_KEY: 'not-the-secret' }));
    assert.equal(wrong.code, 1);
    assert.equal(failure(wrong.stdout), 'HTTP 403 SignatureDoesNotMatch');

    const anonymous = await runFetch(['--source', 's3://models/iris/1', '--dest', path.join(scratch, 'out-anon')], { AWS_ENDPOINT_URL: endpoint });
    assert.equal(anonymous.code, 1);
    assert.equal(failure(anonymous.stdout), 'HTTP 403 AccessDenied');
  });

  it('reports a missing bucket', async () => {
    const run = await runFetch(['--source', 's3://no-such-bucket/x', '--dest', path.join(scratch, 'out-none')], env());
    assert.equal(run.code, 1);
    assert.equal(failure(run.stdout), 'HTTP 404 NoSuchBucket');
  });
});
