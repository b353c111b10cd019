import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeXml, parseListPage } from './s3.ts';

describe('parseListPage', () => {
  it('decodes url-encoded keys the way the AWS SDKs do, and the continuation token', () => {
    const page = parseListPage(
      '<?xml version="1.0"?><ListBucketResult><EncodingType>url</EncodingType><IsTruncated>true</IsTruncated>' +
        '<NextContinuationToken>tok&amp;1</NextContinuationToken>' +
        '<Contents><Key>m/a+b%2Bc%C3%A9.onnx</Key><Size>12</Size></Contents>' +
        '<Contents><Key>m/x</Key><Size>0</Size></Contents></ListBucketResult>',
    );
    assert.deepEqual(page, {
      objects: [
        { key: 'm/a b+cé.onnx', size: 12 },
        { key: 'm/x', size: 0 },
      ],
      nextToken: 'tok&1',
    });
  });

  it('takes plain XML keys when the store ignored encoding-type, and ends when not truncated', () => {
    const page = parseListPage('<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>a&amp;b+c</Key></Contents></ListBucketResult>');
    assert.deepEqual(page, { objects: [{ key: 'a&b+c', size: undefined }], nextToken: undefined });
  });

  it('rejects an error document', () => {
    assert.throws(() => parseListPage('<Error><Code>AccessDenied</Code></Error>'), /unexpected ListObjectsV2 reply/);
  });
});

describe('decodeXml', () => {
  it('decodes named and numeric entities', () => {
    assert.equal(decodeXml('&lt;&gt;&amp;&quot;&apos;&#65;&#x42;'), `<>&"'AB`);
  });
});
