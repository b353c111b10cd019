// `main.ts fetch` against loopback fakes of S3, GCS and a plain HTTP server:
// layout under the prefix, pagination, auth headers, retries, and refusal of
// hostile keys and short downloads. The real-MinIO test is minio.test.ts.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startFake, type FakeObject } from './fakes.ts';
import { runFetch } from './run-fetch.ts';

const model = readFileSync(new URL('../../examples/models/iris.onnx', import.meta.url));

const objects: FakeObject[] = [
  { key: 'models/iris/model.onnx', body: model },
  { key: 'models/iris/1/config with space+plus.json', body: Buffer.from('{"v":1}') },
  { key: 'models/iris/', body: Buffer.alloc(0) }, // folder marker
  { key: 'models/iris2/other.onnx', body: Buffer.from('not mine') },
];

let scratch: string;
before(() => {
  scratch = mkdtempSync(path.join(os.tmpdir(), 'modelship-fetch-'));
});
after(() => rmSync(scratch, { recursive: true, force: true }));

function dest(name: string): string {
  return path.join(scratch, name);
}

describe('fetch from S3 (fake)', () => {
  it('copies every object under the prefix, paginated, signed, keeping the layout', async () => {
    const s3 = await startFake('s3', { objects, pageSize: 2 });
    try {
      const out = dest('s3-ok');
      const run = await runFetch(['--source', 's3://models-bucket/models/iris', '--dest', out], {
        AWS_ACCESS_KEY_ID: 'id',
        AWS_SECRET_ACCESS_KEY: 'secret',
        AWS_ENDPOINT_URL: s3.url,
      });
      assert.equal(run.code, 0, run.stderr + run.stdout);
      assert.deepEqual(readdirSync(out, { recursive: true }).sort(), ['1', '1/config with space+plus.json', 'model.onnx']);
      assert.deepEqual(readFileSync(path.join(out, 'model.onnx')), model);
      assert.equal(readFileSync(path.join(out, '1/config with space+plus.json'), 'utf8'), '{"v":1}');
      assert.ok(s3.requests.filter((r) => r.url.includes('list-type=2')).length >= 2, 'listing is paginated');
      assert.ok(s3.requests.every((r) => String(r.headers.authorization).startsWith('AWS4-HMAC-SHA256 Credential=id/')));
      assert.ok(s3.requests.every((r) => r.url.startsWith('/models-bucket/')), 'path-style with a custom endpoint');
    } finally {
      await s3.close();
    }
  });

  it('refuses a listing with a traversal key and writes nothing', async () => {
    const s3 = await startFake('s3', {
      objects: [
        { key: 'models/iris/model.onnx', body: model },
        { key: 'models/iris/../../escaped.txt', body: Buffer.from('owned') },
      ],
    });
    try {
      const out = dest('s3-hostile');
      const run = await runFetch(['--source', 's3://models-bucket/models/iris', '--dest', out], { AWS_ENDPOINT_URL: s3.url });
      assert.equal(run.code, 1);
      assert.match(run.stdout, /refusing object path/);
      assert.equal(existsSync(out), false, 'nothing written into dest');
      assert.equal(existsSync(path.join(scratch, 'escaped.txt')), false);
      assert.ok(s3.requests.every((r) => r.headers.authorization === undefined), 'anonymous without credentials');
    } finally {
      await s3.close();
    }
  });

  it('fails when the body is shorter than the listing says, leaving no partial file', async () => {
    const s3 = await startFake('s3', { objects: [{ key: 'm/model.onnx', body: model, listedSize: model.length + 10 }] });
    try {
      const out = dest('s3-short');
      const run = await runFetch(['--source', 's3://models-bucket/m', '--dest', out, '--retries', '1'], { AWS_ENDPOINT_URL: s3.url });
      assert.equal(run.code, 1);
      assert.match(run.stdout, /bytes, the store lists/);
      assert.deepEqual(existsSync(out) ? readdirSync(out) : [], []);
    } finally {
      await s3.close();
    }
  });

  it('fails, naming the prefix, when nothing is under it', async () => {
    const s3 = await startFake('s3', { objects });
    try {
      const run = await runFetch(['--source', 's3://models-bucket/models/none', '--dest', dest('s3-empty')], { AWS_ENDPOINT_URL: s3.url });
      assert.equal(run.code, 1);
      assert.match(run.stdout, /s3:\/\/models-bucket\/models\/none: no objects found/);
    } finally {
      await s3.close();
    }
  });
});

describe('fetch from GCS (fake)', () => {
  it('lists with pagination, sends the bearer token, downloads media', async () => {
    const gcs = await startFake('gcs', { objects, pageSize: 1 });
    try {
      const out = dest('gcs-ok');
      const run = await runFetch(['--source', 'gs://models-bucket/models/iris/', '--dest', out], {
        STORAGE_EMULATOR_HOST: gcs.url,
        GOOGLE_OAUTH_ACCESS_TOKEN: 'ya29.token',
      });
      assert.equal(run.code, 0, run.stderr + run.stdout);
      assert.deepEqual(readFileSync(path.join(out, 'model.onnx')), model);
      assert.equal(existsSync(path.join(out, '1/config with space+plus.json')), true);
      assert.equal(existsSync(path.join(out, 'other.onnx')), false);
      assert.ok(gcs.requests.every((r) => r.headers.authorization === 'Bearer ya29.token'));
    } finally {
      await gcs.close();
    }
  });

  it('exchanges a service-account key for a token, and fails without one', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const gcs = await startFake('gcs', { objects, tokenPublicKey: publicKey, accessToken: 'ya29.from-jwt' });
    try {
      const keyFile = path.join(scratch, 'sa.json');
      writeFileSync(
        keyFile,
        JSON.stringify({
          type: 'service_account',
          client_email: 'fetch@p.iam.gserviceaccount.com',
          private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }),
          token_uri: `${gcs.url}/token`,
        }),
      );
      const out = dest('gcs-sa');
      const run = await runFetch(['--source', 'gs://models-bucket/models/iris', '--dest', out], {
        STORAGE_EMULATOR_HOST: gcs.url,
        GOOGLE_APPLICATION_CREDENTIALS: keyFile,
      });
      assert.equal(run.code, 0, run.stderr + run.stdout);
      assert.deepEqual(readFileSync(path.join(out, 'model.onnx')), model);
      assert.equal(gcs.requests.filter((r) => r.url === '/token').length, 1, 'one token for the whole fetch');

      const anonymous = await runFetch(['--source', 'gs://models-bucket/models/iris', '--dest', dest('gcs-anon')], { STORAGE_EMULATOR_HOST: gcs.url });
      assert.equal(anonymous.code, 1);
      assert.match(anonymous.stdout, /HTTP 401/);
    } finally {
      await gcs.close();
    }
  });

  it('refuses an absolute-looking or dot-dot key', async () => {
    const gcs = await startFake('gcs', { objects: [{ key: 'p/a/../../../etc/x', body: Buffer.from('x') }] });
    try {
      const run = await runFetch(['--source', 'gs://models-bucket/p', '--dest', dest('gcs-hostile')], { STORAGE_EMULATOR_HOST: gcs.url });
      assert.equal(run.code, 1);
      assert.match(run.stdout, /refusing object path/);
    } finally {
      await gcs.close();
    }
  });
});

describe('fetch over HTTP', () => {
  it('downloads one file, retrying transient 503s', async () => {
    const web = await startFake('http', { objects: [{ key: 'files/iris.onnx', body: model }], failFirst: 2 });
    try {
      const out = dest('http-ok');
      const run = await runFetch(['--source', `${web.url}/files/iris.onnx`, '--dest', out]);
      assert.equal(run.code, 0, run.stderr + run.stdout);
      assert.deepEqual(readFileSync(path.join(out, 'iris.onnx')), model);
      assert.equal(web.requests.length, 3);
    } finally {
      await web.close();
    }
  });

  it('fails at once on 404', async () => {
    const web = await startFake('http', { objects: [] });
    try {
      const run = await runFetch(['--source', `${web.url}/missing.onnx`, '--dest', dest('http-404')]);
      assert.equal(run.code, 1);
      assert.match(run.stdout, /HTTP 404/);
      assert.equal(web.requests.length, 1, 'a 404 is not retried');
    } finally {
      await web.close();
    }
  });
});

describe('fetch flags', () => {
  it('exits 2 with every problem named', async () => {
    const run = await runFetch(['--source', 'ftp://nope/x'], { AWS_ACCESS_KEY_ID: 'only-half' });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--source/);
    assert.match(run.stderr, /--dest is required/);
    assert.match(run.stderr, /AWS_SECRET_ACCESS_KEY/);
  });
});

