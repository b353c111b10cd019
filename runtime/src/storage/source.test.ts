import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseSource, SourceError } from './source.ts';

describe('parseSource', () => {
  it('parses bucket and prefix', () => {
    assert.deepEqual(parseSource('s3://models/iris/v1'), { kind: 's3', bucket: 'models', prefix: 'iris/v1' });
    assert.deepEqual(parseSource('gs://my-bucket'), { kind: 'gs', bucket: 'my-bucket', prefix: '' });
    assert.deepEqual(parseSource('s3://models/'), { kind: 's3', bucket: 'models', prefix: '' });
  });

  it('takes http and https URLs as single files', () => {
    const source = parseSource('https://example.com/m/iris.onnx');
    assert.equal(source.kind, 'http');
    assert.equal(source.kind === 'http' && source.url.pathname, '/m/iris.onnx');
  });

  for (const bad of ['s3://', 's3://A/b', 's3://x/y', 'ftp://h/f', 'file:///etc/passwd', 'models/iris', 'https://u:p@h/f']) {
    it(`rejects ${bad}`, () => assert.throws(() => parseSource(bad), SourceError));
  }
});
