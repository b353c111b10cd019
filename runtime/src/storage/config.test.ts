import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../../common/src/flags.ts';
import { parseFetchConfig } from './config.ts';

const base = ['--source', 's3://models/iris', '--dest', '/mnt/models'];

function errorsOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.errors.join('\n');
  }
  assert.fail('expected a ConfigError');
}

describe('parseFetchConfig', () => {
  it('defaults: AWS endpoint (virtual-hosted), the fetch policy, no metadata addresses', () => {
    const c = parseFetchConfig(base, {});
    assert.equal(c.s3.endpoint, undefined);
    assert.equal(c.s3.pathStyle, false);
    assert.equal(c.s3.region, 'us-east-1');
    assert.equal(c.gcs.endpoint, undefined);
    assert.deepEqual([c.idleTimeoutMs, c.maxModelBytes, c.allowMetadataAddresses, c.retries, c.concurrency], [60_000, 20 * 1024 ** 3, false, 3, 4]);
  });

  it('reads region and a custom endpoint (path style by default)', () => {
    const c = parseFetchConfig(base, { AWS_DEFAULT_REGION: 'eu-west-1', AWS_ENDPOINT_URL: 'http://127.0.0.1:9000' });
    assert.equal(c.s3.region, 'eu-west-1');
    assert.equal(c.s3.endpoint?.href, 'http://127.0.0.1:9000/');
    assert.equal(c.s3.pathStyle, true);
  });

  it("takes KServe's S3_ENDPOINT / S3_USE_HTTPS and an explicit path-style switch", () => {
    const c = parseFetchConfig(base, { S3_ENDPOINT: 'minio.ns:9000', S3_USE_HTTPS: '0', S3_FORCE_PATH_STYLE: 'false' });
    assert.equal(c.s3.endpoint?.href, 'http://minio.ns:9000/');
    assert.equal(c.s3.pathStyle, false);
    assert.equal(parseFetchConfig(base, { AWS_ENDPOINT_URL_S3: 'https://a', AWS_ENDPOINT_URL: 'https://b' }).s3.endpoint?.host, 'a');
  });

  it("reads the GCS token; a tenant's emulator host is untrusted, the administrator's endpoint flag is trusted", () => {
    const c = parseFetchConfig(['--source', 'gs://bkt/p', '--dest', 'd'], { GOOGLE_OAUTH_ACCESS_TOKEN: 't', STORAGE_EMULATOR_HOST: '127.0.0.1:4443' });
    assert.equal(c.gcs.token, 't');
    assert.equal(c.gcs.endpoint?.href, 'http://127.0.0.1:4443/');
    assert.equal(c.gcs.trustedEndpoint, false);
    const admin = parseFetchConfig(['--source', 'gs://bkt/p', '--dest', 'd', '--gcs-endpoint', 'https://private.googleapis.com'], { STORAGE_EMULATOR_HOST: '127.0.0.1:4443' });
    assert.equal(admin.gcs.endpoint?.host, 'private.googleapis.com');
    assert.equal(admin.gcs.trustedEndpoint, true);
  });

  it('takes each flag from MODELSHIP_FETCH_* when not on the command line; the flag wins', () => {
    const c = parseFetchConfig([...base, '--retries', '5'], {
      MODELSHIP_FETCH_RETRIES: '1',
      MODELSHIP_FETCH_IDLE_TIMEOUT_SECONDS: '5',
      MODELSHIP_FETCH_MAX_MODEL_BYTES: '1000',
      MODELSHIP_FETCH_ALLOW_METADATA_ADDRESSES: 'true',
    });
    assert.deepEqual([c.retries, c.idleTimeoutMs, c.maxModelBytes, c.allowMetadataAddresses], [5, 5000, 1000, true]);
  });

  it('reports every problem at once', () => {
    const text = errorsOf(() =>
      parseFetchConfig(['--source', 'ftp://x/y', '--retries', 'many', '--bogus', 'x', '--idle-timeout-seconds', '0', '--max-model-bytes', '-1'], {
        AWS_ACCESS_KEY_ID: 'id',
        S3_FORCE_PATH_STYLE: 'maybe',
      }),
    );
    for (const expected of [/unknown flag --bogus/, /--source/, /--dest \(or MODELSHIP_FETCH_DEST\) is required/, /--retries/, /--idle-timeout-seconds/, /--max-model-bytes/, /AWS_SECRET_ACCESS_KEY/, /S3_FORCE_PATH_STYLE/]) {
      assert.match(text, expected);
    }
  });
});

describe('runtime/src/storage/README.md', () => {
  it('has a row for every fetch flag', async () => {
    const { readFileSync } = await import('node:fs');
    const { FETCH_FLAGS } = await import('./config.ts');
    const readme = readFileSync(new URL('./README.md', import.meta.url), 'utf8');
    for (const flag of FETCH_FLAGS) assert.match(readme, new RegExp(`^\\| \`--${flag}\` \\|`, 'm'), flag);
  });
});
