// Request admission against a running server: JSON under other content types
// (curl -d), shape limits that catch zero-element tensors with huge dimensions.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { doubleModel, tempDir } from './support/models.ts';
import { postJson, startTestServer, type TestServer } from './support/server.ts';

describe('request admission', () => {
  let server: TestServer;
  let infer: string;
  before(async () => {
    // x FP32 [batch, d]: both dimensions dynamic, so only the limits stand between a shape and onnxruntime.
    server = await startTestServer(doubleModel(tempDir(), ['d']), ['--max-dimension', '4096', '--max-rows', '16']);
    infer = `${server.url}/v2/models/m/infer`;
  });
  after(() => server.close());

  it('parses a JSON body sent as form data or with no content type, as KServe and Triton do', async () => {
    const body = JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 2], data: [1, 2] }] });
    for (const headers of [{ 'content-type': 'application/x-www-form-urlencoded' }, { 'content-type': 'text/plain' }, {}]) {
      // fetch labels a string body text/plain unless told otherwise; a Blob without a type sends no Content-Type.
      const response = await fetch(infer, { method: 'POST', headers, body: 'content-type' in headers ? body : new Blob([body]) });
      const text = await response.text();
      assert.equal(response.status, 200, `${JSON.stringify(headers)}: ${text}`);
      assert.deepEqual(JSON.parse(text).outputs[0].data, [2, 4]);
    }
    const v1 = await fetch(`${server.url}/v1/models/m:predict`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '{"instances":[[1,2]]}' });
    assert.deepEqual(await v1.json(), { predictions: [[2, 4]] });
  });

  it('refuses a zero-element shape with a huge dimension (400 naming the limit), before onnxruntime', async () => {
    for (const shape of [[1e15, 0], [0, 1e15], [0, 4097]]) {
      const r = await postJson(infer, { inputs: [{ name: 'x', datatype: 'FP32', shape, data: [] }] });
      assert.equal(r.status, 400, JSON.stringify(shape));
      assert.match(r.body.error, /more than the limit of (4096 \(--max-dimension\)|16 per request \(--max-rows\))/, JSON.stringify(shape));
    }
    const rows = await postJson(infer, { inputs: [{ name: 'x', datatype: 'FP32', shape: [17, 1], data: new Array(17).fill(1) }] });
    assert.equal(rows.status, 400);
    assert.match(rows.body.error, /17 rows, more than the limit of 16 per request \(--max-rows\)/);
    const wide = await postJson(infer, { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4097], data: new Array(4097).fill(1) }] });
    assert.equal(wide.status, 400);
    assert.match(wide.body.error, /dimension 1 of shape \[1,4097\] is 4097, more than the limit of 4096 \(--max-dimension\)/);
    const ok = await postJson(infer, { inputs: [{ name: 'x', datatype: 'FP32', shape: [16, 1], data: new Array(16).fill(1) }] });
    assert.equal(ok.status, 200);
  });
});
