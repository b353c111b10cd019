import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FetchConfigError, parseFetchConfig } from './config.ts';

const base = ['--source', 's3://models/iris', '--dest', '/mnt/models'];

describe('parseFetchConfig', () => {
  it('defaults to AWS, virtual-hosted style, anonymous', () => {
    const c = parseFetchConfig(base, {});
    assert.equal(c.s3.endpoint.href, 'https://s3.us-east-1.amazonaws.com/');
    assert.equal(c.s3.pathStyle, false);
    assert.equal(c.s3.credentials, undefined);
    assert.equal(c.gcs.endpoint.href, 'https://storage.googleapis.com/');
    assert.deepEqual([c.timeoutMs, c.retries, c.concurrency], [600_000, 3, 4]);
  });

  it('reads credentials, region and a custom endpoint (path style)', () => {
    const c = parseFetchConfig(base, {
      AWS_ACCESS_KEY_ID: 'id',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_SESSION_TOKEN: 'tok',
      AWS_DEFAULT_REGION: 'eu-west-1',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9000',
    });
    assert.deepEqual(c.s3.credentials, { accessKeyId: 'id', secretAccessKey: 'secret', sessionToken: 'tok' });
    assert.equal(c.s3.region, 'eu-west-1');
    assert.equal(c.s3.endpoint.href, 'http://127.0.0.1:9000/');
    assert.equal(c.s3.pathStyle, true);
  });

  it("takes KServe's S3_ENDPOINT / S3_USE_HTTPS and an explicit path-style switch", () => {
    const c = parseFetchConfig(base, { S3_ENDPOINT: 'minio.ns:9000', S3_USE_HTTPS: '0', S3_FORCE_PATH_STYLE: 'false' });
    assert.equal(c.s3.endpoint.href, 'http://minio.ns:9000/');
    assert.equal(c.s3.pathStyle, false);
    assert.equal(parseFetchConfig(base, { AWS_ENDPOINT_URL_S3: 'https://a', AWS_ENDPOINT_URL: 'https://b' }).s3.endpoint.host, 'a');
  });

  it('reads the GCS token and emulator host', () => {
    const c = parseFetchConfig(['--source', 'gs://bkt/p', '--dest', 'd'], { GOOGLE_OAUTH_ACCESS_TOKEN: 't', STORAGE_EMULATOR_HOST: '127.0.0.1:4443' });
    assert.equal(c.gcs.token, 't');
    assert.equal(c.gcs.endpoint.href, 'http://127.0.0.1:4443/');
  });

  it('reports every problem at once', () => {
    try {
      parseFetchConfig(['--source', 'ftp://x/y', '--retries', 'many', '--bogus'], { AWS_ACCESS_KEY_ID: 'id', S3_FORCE_PATH_STYLE: 'maybe' });
      assert.fail('expected an error');
    } catch (error) {
      assert.ok(error instanceof FetchConfigError);
      const text = error.errors.join('\n');
      assert.match(text, /bogus/);
      assert.ok(error.errors.length >= 1);
    }
    try {
      parseFetchConfig(['--source', 'ftp://x/y', '--retries', 'many'], { AWS_ACCESS_KEY_ID: 'id', S3_FORCE_PATH_STYLE: 'maybe' });
      assert.fail('expected an error');
    } catch (error) {
      assert.ok(error instanceof FetchConfigError);
      const text = error.errors.join('\n');
      for (const expected of [/--source/, /--dest is required/, /--retries/, /AWS_SECRET_ACCESS_KEY/, /S3_FORCE_PATH_STYLE/]) assert.match(text, expected);
    }
  });
});
