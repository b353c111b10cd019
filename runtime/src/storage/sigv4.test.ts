import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { signRequest, uriEncode } from './sigv4.ts';

// The worked examples from the Amazon S3 API reference ("Signature
// calculations for the Authorization header: transferring payload in a
// single chunk"), with its example credentials and date.
const credentials = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const now = new Date('2013-05-24T00:00:00Z');

function signature(headers: Record<string, string>): string {
  return /Signature=([0-9a-f]{64})$/.exec(headers.authorization ?? '')![1]!;
}

describe('signRequest', () => {
  it('matches the S3 reference GET object example', () => {
    const headers = signRequest({
      method: 'GET',
      url: new URL('https://examplebucket.s3.amazonaws.com/test.txt'),
      region: 'us-east-1',
      credentials,
      now,
      headers: { range: 'bytes=0-9' },
    });
    assert.equal(signature(headers), 'f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41');
    assert.match(headers.authorization!, /Credential=AKIAIOSFODNN7EXAMPLE\/20130524\/us-east-1\/s3\/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,/);
    assert.equal(headers['x-amz-date'], '20130524T000000Z');
  });

  it('matches the S3 reference list objects example (sorted, encoded query)', () => {
    const headers = signRequest({
      method: 'GET',
      url: new URL('https://examplebucket.s3.amazonaws.com/?max-keys=2&prefix=J'),
      region: 'us-east-1',
      credentials,
      now,
    });
    assert.equal(signature(headers), '34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7');
  });

  it('signs and sends a session token', () => {
    const headers = signRequest({
      method: 'GET',
      url: new URL('http://127.0.0.1:9000/bucket/key'),
      region: 'us-east-1',
      credentials: { ...credentials, sessionToken: 'token' },
      now,
    });
    assert.equal(headers['x-amz-security-token'], 'token');
    assert.match(headers.authorization!, /SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token,/);
    assert.equal(headers.host, '127.0.0.1:9000');
  });
});

describe('uriEncode', () => {
  it('keeps unreserved characters and encodes the rest as UTF-8', () => {
    assert.equal(uriEncode('a-b_c.d~e/f g+h', true), 'a-b_c.d~e/f%20g%2Bh');
    assert.equal(uriEncode('a/b', false), 'a%2Fb');
    assert.equal(uriEncode('é', false), '%C3%A9');
  });
});
