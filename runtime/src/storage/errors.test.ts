import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { describeError, FetchError } from './errors.ts';
import { redirectTarget } from './http-source.ts';

describe('describeError', () => {
  it('keeps the status and the short code of an SDK error, never its message', () => {
    const s3 = Object.assign(new Error('The request signature we calculated does not match <secret detail>'), { name: 'SignatureDoesNotMatch', $metadata: { httpStatusCode: 403 } });
    assert.equal(describeError(s3), 'HTTP 403 SignatureDoesNotMatch');
    const gcs = Object.assign(new Error('No such object: bucket/private/path'), { code: 404, errors: [{ reason: 'notFound', message: 'No such object' }] });
    assert.equal(describeError(gcs), 'HTTP 404 notFound');
    const hostile = Object.assign(new Error('x'), { name: '<script>alert(1)</script>', $metadata: { httpStatusCode: 500 } });
    assert.equal(describeError(hostile), 'HTTP 500');
    assert.equal(describeError(Object.assign(new Error('getaddrinfo ENOTFOUND s3.example'), { code: 'ENOTFOUND', hostname: 's3.example' })), 'ENOTFOUND s3.example');
    assert.equal(describeError(new FetchError('s3://b/p: no objects found under this prefix')), 's3://b/p: no objects found under this prefix');
  });
});

describe('redirectTarget', () => {
  const from = new URL('https://models.example.com/a/model.onnx?X-Amz-Signature=abc');
  it('follows a relative or same-host redirect, and http to https', () => {
    assert.equal(redirectTarget(from, '/b/model.onnx').href, 'https://models.example.com/b/model.onnx');
    assert.equal(redirectTarget(new URL('http://h/x'), 'https://h/y').href, 'https://h/y');
  });
  it('refuses another host, a downgrade to http, a missing Location, and never quotes the query', () => {
    assert.throws(() => redirectTarget(from, 'https://evil.example.net/model.onnx'), /another host/);
    assert.throws(() => redirectTarget(from, 'http://models.example.com/model.onnx'), /from https: to http:/);
    assert.throws(() => redirectTarget(from, 'file:///etc/passwd'), /from https: to file:/);
    assert.throws(() => redirectTarget(from, undefined), (e: Error) => /without a Location/.test(e.message) && !e.message.includes('X-Amz-Signature'));
  });
});
