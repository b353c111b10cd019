// `main.ts fetch` against loopback stand-ins (fakes.ts) through the real SDKs:
// layout under the prefix, pagination, credentials, retries, and the fetch
// policy: hostile keys, short or oversized downloads, stalls, redirects,
// metadata addresses, and no store-written text or signed URL in the output.
// The real-MinIO test is minio.test.ts.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startFake, type FakeObject } from './fakes.ts';
import { runFetch } from './run-fetch.ts';

const model = readFileSync(new URL('../../examples/models/iris.onnx', import.meta.url));
const LEAK = 'STORE-WROTE-THIS';

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

/** The one `fetch failed` line's error text. */
function failure(stdout: string): string {
  const line = stdout.split('\n').find((l) => l.includes('"fetch failed"'));
  assert.ok(line, `no failure line in:\n${stdout}`);
  return (JSON.parse(line) as { error: string }).error;
}

describe('fetch from S3 (loopback stand-in)', () => {
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

  it('refuses a listing with a traversal key and writes nothing; unsigned without credentials', async () => {
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
      assert.match(failure(run.stdout), /refusing object path/);
      assert.equal(existsSync(out), false, 'nothing written into dest');
      assert.equal(existsSync(path.join(scratch, 'escaped.txt')), false);
      assert.ok(s3.requests.length > 0);
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
      assert.match(failure(run.stdout), /bytes, the store lists/);
      assert.deepEqual(existsSync(out) ? readdirSync(out) : [], []);
    } finally {
      await s3.close();
    }
  });

  it('refuses a listing larger than --max-model-bytes before writing anything', async () => {
    const s3 = await startFake('s3', { objects });
    try {
      const out = dest('s3-too-big');
      const run = await runFetch(['--source', 's3://models-bucket/models/iris', '--dest', out, '--max-model-bytes', String(model.length)], { AWS_ENDPOINT_URL: s3.url });
      assert.equal(run.code, 1);
      assert.match(failure(run.stdout), /more than the \d+-byte limit/);
      assert.equal(existsSync(out), false);
      assert.equal(s3.requests.filter((r) => !r.url.includes('list-type')).length, 0, 'no object was requested');
    } finally {
      await s3.close();
    }
  });

  it('fails, naming the prefix, when nothing is under it', async () => {
    const s3 = await startFake('s3', { objects, errorBody: LEAK });
    try {
      const run = await runFetch(['--source', 's3://models-bucket/models/none', '--dest', dest('s3-empty')], { AWS_ENDPOINT_URL: s3.url });
      assert.equal(run.code, 1);
      assert.match(failure(run.stdout), /s3:\/\/models-bucket\/models\/none: no objects found/);
    } finally {
      await s3.close();
    }
  });

  it('refuses an endpoint on a metadata address without connecting', async () => {
    const run = await runFetch(['--source', 's3://models-bucket/m', '--dest', dest('s3-imds')], { AWS_ENDPOINT_URL: 'http://169.254.169.254' });
    assert.equal(run.code, 1);
    assert.match(failure(run.stdout), /refusing to connect to 169\.254\.169\.254/);
  });
});

describe('fetch from GCS (loopback stand-in)', () => {
  it('lists with pagination, sends the bearer token, downloads media', async () => {
    const gcs = await startFake('gcs', { objects, pageSize: 1, accessToken: 'ya29.token' });
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
      assert.ok(gcs.requests.filter((r) => r.url.includes('pageToken')).length >= 2, 'listing is paginated');
    } finally {
      await gcs.close();
    }
  });

  it('exchanges an OIDC token file for an access token (external-account credentials); anonymous gets 401 without the body', async () => {
    const oidc = 'eyJhbGciOiJSUzI1NiJ9.pod-identity.sig';
    const gcs = await startFake('gcs', { objects, subjectToken: oidc, accessToken: 'ya29.from-sts', errorBody: LEAK });
    try {
      const tokenFile = path.join(scratch, 'oidc-token');
      writeFileSync(tokenFile, oidc);
      const credentials = path.join(scratch, 'external-account.json');
      writeFileSync(
        credentials,
        JSON.stringify({
          type: 'external_account',
          audience: '//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/pool/providers/cluster',
          subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
          token_url: `${gcs.url}/token`,
          credential_source: { file: tokenFile },
        }),
      );
      const out = dest('gcs-external');
      const run = await runFetch(['--source', 'gs://models-bucket/models/iris', '--dest', out], {
        STORAGE_EMULATOR_HOST: gcs.url,
        GOOGLE_APPLICATION_CREDENTIALS: credentials,
      });
      assert.equal(run.code, 0, run.stderr + run.stdout);
      assert.deepEqual(readFileSync(path.join(out, 'model.onnx')), model);
      assert.equal(gcs.requests.filter((r) => r.url === '/token').length, 1, 'one token for the whole fetch');

      const anonymous = await runFetch(['--source', 'gs://models-bucket/models/iris', '--dest', dest('gcs-anon'), '--retries', '0'], { STORAGE_EMULATOR_HOST: gcs.url });
      assert.equal(anonymous.code, 1);
      assert.match(failure(anonymous.stdout), /HTTP 401/);
      assert.doesNotMatch(anonymous.stdout + anonymous.stderr, new RegExp(LEAK));
    } finally {
      await gcs.close();
    }
  });

  it("uses the metadata server's token (GKE Workload Identity) on the real endpoint path", async () => {
    // The metadata stand-in and the JSON API share one loopback server; the
    // library finds the metadata server through GCE_METADATA_HOST.
    const gcs = await startFake('gcs', { objects, accessToken: 'ya29.from-metadata', metadataServer: true });
    try {
      const out = dest('gcs-wi');
      const host = new URL(gcs.url).host;
      const run = await runFetch(['--source', 'gs://models-bucket/models/iris', '--dest', out], {
        METADATA_SERVER_DETECTION: 'assume-present',
        GCE_METADATA_HOST: host,
        // The administrator's endpoint override (a flag, unlike a tenant's
        // STORAGE_EMULATOR_HOST) is trusted with the pod identity, as the real one is.
        MODELSHIP_FETCH_GCS_ENDPOINT: gcs.url,
      });
      assert.equal(run.code, 0, run.stderr + run.stdout);
      assert.deepEqual(readFileSync(path.join(out, 'model.onnx')), model);
      assert.ok(gcs.requests.some((r) => r.url.startsWith('/computeMetadata/v1/instance/service-accounts/')), 'asked the metadata server');
    } finally {
      await gcs.close();
    }
  });

  it('gives up on a listing that never answers after --idle-timeout-seconds', async () => {
    const gcs = await startFake('gcs', { objects, hangListings: true });
    try {
      const run = await runFetch(['--source', 'gs://models-bucket/models/iris', '--dest', dest('gcs-hang'), '--idle-timeout-seconds', '1', '--retries', '0'], { STORAGE_EMULATOR_HOST: gcs.url });
      assert.equal(run.code, 1);
      assert.match(failure(run.stdout), /listing: no answer for 1 s/);
    } finally {
      await gcs.close();
    }
  });

  it('refuses an absolute-looking or dot-dot key', async () => {
    const gcs = await startFake('gcs', { objects: [{ key: 'p/a/../../../etc/x', body: Buffer.from('x') }] });
    try {
      const run = await runFetch(['--source', 'gs://models-bucket/p', '--dest', dest('gcs-hostile')], { STORAGE_EMULATOR_HOST: gcs.url });
      assert.equal(run.code, 1);
      assert.match(failure(run.stdout), /refusing object path/);
    } finally {
      await gcs.close();
    }
  });
});

describe('fetch over HTTP', () => {
  it('downloads one file, retrying transient 503s, and never logs the query string', async () => {
    const web = await startFake('http', { objects: [{ key: 'files/iris.onnx', body: model }], failFirst: 2 });
    try {
      const out = dest('http-ok');
      const run = await runFetch(['--source', `${web.url}/files/iris.onnx?X-Amz-Signature=s3cr3tsig&X-Amz-Credential=AKIA`, '--dest', out]);
      assert.equal(run.code, 0, run.stderr + run.stdout);
      assert.deepEqual(readFileSync(path.join(out, 'iris.onnx')), model);
      // Two 503s, the model, and its (absent) profile asked for once without the query string.
      assert.equal(web.requests.length, 4);
      assert.deepEqual(web.requests.filter((r) => r.url.includes('.profile.json')).map((r) => r.url).slice(-1), ['/files/iris.profile.json']);
      assert.deepEqual(readdirSync(out), ['iris.onnx'], 'no profile there, none written, fetch still succeeds');
      assert.doesNotMatch(run.stdout + run.stderr, /s3cr3tsig|AKIA/);
    } finally {
      await web.close();
    }
  });

  it('fails at once on 404 with the status alone', async () => {
    const web = await startFake('http', { objects: [], errorBody: LEAK });
    try {
      const run = await runFetch(['--source', `${web.url}/missing.onnx?sig=s3cr3tsig`, '--dest', dest('http-404')]);
      assert.equal(run.code, 1);
      assert.match(failure(run.stdout), /HTTP 404/);
      assert.doesNotMatch(run.stdout + run.stderr, new RegExp(`${LEAK}|s3cr3tsig`));
      assert.equal(web.requests.filter((r) => r.url.startsWith('/missing.onnx')).length, 1, 'a 404 is not retried');
    } finally {
      await web.close();
    }
  });

  it('follows a redirect on the same host, refuses one to another host', async () => {
    const web = await startFake('http', { objects: [{ key: 'files/iris.onnx', body: model }], redirects: { '/same.onnx': '/files/iris.onnx' } });
    const other = await startFake('http', { objects: [{ key: 'files/iris.onnx', body: model }] });
    try {
      const same = await runFetch(['--source', `${web.url}/same.onnx`, '--dest', dest('http-redirect')]);
      assert.equal(same.code, 0, same.stdout + same.stderr);
      assert.deepEqual(readFileSync(path.join(dest('http-redirect'), 'same.onnx')), model);

      const away = await startFake('http', { objects: [], redirects: { '/away.onnx': `${other.url.replace('127.0.0.1', 'localhost')}/files/iris.onnx` } });
      try {
        const run = await runFetch(['--source', `${away.url}/away.onnx`, '--dest', dest('http-away')]);
        assert.equal(run.code, 1);
        assert.match(failure(run.stdout), /refusing a redirect to another host \(localhost\)/);
        assert.equal(other.requests.length, 0);
      } finally {
        await away.close();
      }
    } finally {
      await web.close();
      await other.close();
    }
  });

  it('gives up on a stalled body after --idle-timeout-seconds, leaving no file', async () => {
    const web = await startFake('http', { objects: [{ key: 'iris.onnx', body: model }], stallAfter: 100 });
    try {
      const out = dest('http-stall');
      const started = Date.now();
      const run = await runFetch(['--source', `${web.url}/iris.onnx`, '--dest', out, '--idle-timeout-seconds', '1']);
      assert.equal(run.code, 1);
      assert.match(failure(run.stdout), /no data for 1 s/);
      assert.ok(Date.now() - started < 30_000);
      assert.deepEqual(existsSync(out) ? readdirSync(out) : [], []);
    } finally {
      await web.close();
    }
  });

  it('stops a body that grows past --max-model-bytes', async () => {
    const web = await startFake('http', { objects: [{ key: 'iris.onnx', body: model }] });
    try {
      const out = dest('http-big');
      const run = await runFetch(['--source', `${web.url}/iris.onnx`, '--dest', out, '--max-model-bytes', '100']);
      assert.equal(run.code, 1);
      assert.match(failure(run.stdout), /larger than the 100-byte limit/);
      assert.deepEqual(existsSync(out) ? readdirSync(out) : [], []);
    } finally {
      await web.close();
    }
  });

  it('refuses link-local and metadata addresses without connecting', async () => {
    for (const source of ['http://169.254.169.254/latest/meta-data/iam/x.onnx', 'http://[fd00:ec2::254]/x.onnx', 'http://[::ffff:169.254.169.254]/x.onnx']) {
      const run = await runFetch(['--source', source, '--dest', dest('http-imds')]);
      assert.equal(run.code, 1, source);
      assert.match(failure(run.stdout), /link-local and cloud metadata addresses are not allowed/, source);
    }
  });
});

describe('the training profile beside a single-file model', () => {
  const profile = Buffer.from('{"version":1,"inputs":[],"outputs":[]}');

  it('S3: a source naming iris.onnx also copies iris.profile.json, and only that', async () => {
    const s3 = await startFake('s3', {
      objects: [
        { key: 'models/iris.onnx', body: model },
        { key: 'models/iris.profile.json', body: profile },
        { key: 'models/iris.profile.json.bak', body: Buffer.from('not mine') },
        { key: 'models/other.onnx', body: Buffer.from('not mine') },
      ],
    });
    try {
      const out = dest('s3-profile');
      const run = await runFetch(['--source', 's3://models-bucket/models/iris.onnx', '--dest', out], { AWS_ENDPOINT_URL: s3.url });
      assert.equal(run.code, 0, run.stderr + run.stdout);
      assert.deepEqual(readdirSync(out).sort(), ['iris.onnx', 'iris.profile.json']);
      assert.deepEqual(readFileSync(path.join(out, 'iris.profile.json')), profile);
    } finally {
      await s3.close();
    }
  });

  it('S3 and GCS: no profile beside the model is fine', async () => {
    for (const kind of ['s3', 'gcs'] as const) {
      const store = await startFake(kind, { objects: [{ key: 'models/iris.onnx', body: model }], ...(kind === 'gcs' ? { accessToken: 'ya29.token' } : {}) });
      try {
        const out = dest(`${kind}-no-profile`);
        const env: Record<string, string> = kind === 's3' ? { AWS_ENDPOINT_URL: store.url } : { STORAGE_EMULATOR_HOST: store.url, GOOGLE_OAUTH_ACCESS_TOKEN: 'ya29.token' };
        const run = await runFetch(['--source', `${kind === 's3' ? 's3' : 'gs'}://models-bucket/models/iris.onnx`, '--dest', out], env);
        assert.equal(run.code, 0, run.stderr + run.stdout);
        assert.deepEqual(readdirSync(out), ['iris.onnx'], kind);
      } finally {
        await store.close();
      }
    }
  });

  it('GCS: the profile comes along', async () => {
    const gcs = await startFake('gcs', { objects: [{ key: 'm/iris.onnx', body: model }, { key: 'm/iris.profile.json', body: profile }], accessToken: 'ya29.token' });
    try {
      const out = dest('gcs-profile');
      const run = await runFetch(['--source', 'gs://models-bucket/m/iris.onnx', '--dest', out], { STORAGE_EMULATOR_HOST: gcs.url, GOOGLE_OAUTH_ACCESS_TOKEN: 'ya29.token' });
      assert.equal(run.code, 0, run.stderr + run.stdout);
      assert.deepEqual(readFileSync(path.join(out, 'iris.profile.json')), profile);
    } finally {
      await gcs.close();
    }
  });

  it('HTTP: the profile is fetched from beside the file; a store that keeps failing on it fails the fetch', async () => {
    const web = await startFake('http', { objects: [{ key: 'files/iris.onnx', body: model }, { key: 'files/iris.profile.json', body: profile }] });
    try {
      const out = dest('http-profile');
      const run = await runFetch(['--source', `${web.url}/files/iris.onnx`, '--dest', out]);
      assert.equal(run.code, 0, run.stderr + run.stdout);
      assert.deepEqual(readFileSync(path.join(out, 'iris.profile.json')), profile);
    } finally {
      await web.close();
    }
    const broken = await startFake('http', { objects: [{ key: 'files/iris.onnx', body: model }], failFirst: 100 });
    try {
      const run = await runFetch(['--source', `${broken.url}/files/iris.onnx`, '--dest', dest('http-profile-5xx'), '--retries', '0']);
      assert.equal(run.code, 1, 'a 5xx is not "absent"');
    } finally {
      await broken.close();
    }
  });
});

describe('fetch flags', () => {
  it('exits 2 with every problem named', async () => {
    const run = await runFetch(['--source', 'ftp://nope/x', '--idle-timeout-seconds', '0'], { AWS_ACCESS_KEY_ID: 'only-half' });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--source/);
    assert.match(run.stderr, /--dest \(or MODELSHIP_FETCH_DEST\) is required/);
    assert.match(run.stderr, /--idle-timeout-seconds/);
    assert.match(run.stderr, /AWS_SECRET_ACCESS_KEY/);
  });
});
