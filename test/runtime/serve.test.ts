// End to end over HTTP against the real server: every datatype in JSON and in
// the binary extension both ways, metadata, health, v1, errors and metrics.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { allDatatypesModel, tempDir } from './support/models.ts';
import { postJson, startTestServer, type TestServer } from './support/server.ts';

const VALUES: Record<string, unknown[]> = {
  BOOL: [true, false, false, true],
  UINT8: [0, 255, 7, 8],
  UINT16: [0, 65535, 7, 8],
  UINT32: [0, 4294967295, 7, 8],
  UINT64: [0, 2 ** 53 - 1, 7, 8],
  INT8: [-128, 127, -7, 8],
  INT16: [-32768, 32767, -7, 8],
  INT32: [-2147483648, 2147483647, -7, 8],
  INT64: [-(2 ** 53 - 1), 2 ** 53 - 1, -7, 8],
  FP16: [0.5, -2, 65504, 0.0999755859375],
  FP32: [0.5, -2, 3.4028234663852886e38, 1.5],
  FP64: [0.1, -2, 1e300, 1.5],
  BYTES: ['', 'héllo', 'a"b\\c', '🙂'],
};

function allInputs(nested: boolean) {
  return Object.entries(VALUES).map(([dt, values]) => ({
    name: `in_${dt}`,
    datatype: dt,
    shape: [2, 2],
    data: nested ? [values.slice(0, 2), values.slice(2)] : values,
  }));
}

describe('serving every datatype', () => {
  let server: TestServer;
  let base: string;
  before(async () => {
    server = await startTestServer(allDatatypesModel(tempDir()), [], 'all');
    base = `${server.url}/v2/models/all`;
  });
  after(() => server.close());

  for (const nested of [false, true]) {
    it(`echoes each datatype through onnxruntime with ${nested ? 'nested' : 'flat'} JSON data`, async () => {
      const { status, body } = await postJson(`${base}/infer`, { id: 'req-1', inputs: allInputs(nested) });
      assert.equal(status, 200, JSON.stringify(body));
      assert.equal(body.id, 'req-1');
      assert.equal(body.model_name, 'all');
      const outputs = new Map<string, { datatype: string; shape: number[]; data: unknown[] }>(body.outputs.map((o: { name: string }) => [o.name, o]));
      for (const [dt, values] of Object.entries(VALUES)) {
        const out = outputs.get(`out_${dt}`);
        assert.equal(out?.datatype, dt);
        assert.deepEqual(out?.shape, [2, 2]);
        assert.deepEqual(out?.data, values, dt);
      }
      // Computed, not echoed: FP16 cast to FP32 by the model, BOOL negated by the model.
      assert.deepEqual(outputs.get('fp16_as_fp32')?.data, VALUES.FP16);
      assert.deepEqual(outputs.get('not_bool')?.data, [false, true, true, false]);
    });
  }

  it('takes binary inputs and returns binary outputs, BYTES included', async () => {
    const strings = ['x', 'héllo'];
    const stringBytes = Buffer.concat(strings.flatMap((s) => [Buffer.from(Uint32Array.of(Buffer.byteLength(s)).buffer), Buffer.from(s)]));
    const fp16 = Buffer.from(new Float16Array([1.5, -0.25]).buffer);
    const i64 = Buffer.from(new BigInt64Array([2n ** 62n, -3n]).buffer);
    const others = allInputs(false).filter((i) => !['in_BYTES', 'in_FP16', 'in_INT64'].includes(i.name));
    const header = Buffer.from(
      JSON.stringify({
        inputs: [
          ...others,
          { name: 'in_BYTES', datatype: 'BYTES', shape: [1, 2], parameters: { binary_data_size: stringBytes.length } },
          { name: 'in_FP16', datatype: 'FP16', shape: [1, 2], parameters: { binary_data_size: fp16.length } },
          { name: 'in_INT64', datatype: 'INT64', shape: [1, 2], parameters: { binary_data_size: i64.length } },
        ].map((i) => (i.shape[0] === 2 ? { ...i, shape: [1, 2], data: (i as { data: unknown[] }).data.slice(0, 2) } : i)),
        outputs: [{ name: 'out_BYTES', parameters: { binary_data: true } }, { name: 'out_FP16', parameters: { binary_data: true } }, { name: 'out_INT64', parameters: { binary_data: true } }, { name: 'fp16_as_fp32' }],
      }),
    );
    const response = await fetch(`${base}/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(header.length) },
      body: Buffer.concat([header, stringBytes, fp16, i64]),
    });
    assert.equal(response.status, 200, response.status === 200 ? '' : await response.text());
    assert.equal(response.headers.get('content-type'), 'application/octet-stream');
    const body = Buffer.from(await response.arrayBuffer());
    const jsonLength = Number(response.headers.get('inference-header-content-length'));
    const json = JSON.parse(body.subarray(0, jsonLength).toString());
    assert.deepEqual(
      json.outputs.map((o: { name: string; parameters?: { binary_data_size: number } }) => [o.name, o.parameters?.binary_data_size]),
      [
        ['out_BYTES', stringBytes.length],
        ['out_FP16', 4],
        ['out_INT64', 16],
        ['fp16_as_fp32', undefined],
      ],
    );
    assert.deepEqual(json.outputs[3].data, [1.5, -0.25]);
    const binary = body.subarray(jsonLength);
    assert.deepEqual(binary, Buffer.concat([stringBytes, fp16, i64]), 'BYTES, FP16 and INT64 (beyond 2^53) survive byte for byte');
  });

  it('answers 400 naming the input when a datatype or shape is wrong', async () => {
    const inputs = allInputs(false);
    inputs[0] = { ...inputs[0]!, datatype: 'INT8' };
    const wrongType = await postJson(`${base}/infer`, { inputs });
    assert.equal(wrongType.status, 400);
    assert.equal(wrongType.body.error, "input 'in_BOOL': datatype INT8, the model expects BOOL");
    const wrongShape = await postJson(`${base}/infer`, { inputs: allInputs(false).map((i) => (i.name === 'in_FP32' ? { ...i, shape: [4, 1] } : i)) });
    assert.equal(wrongShape.status, 400);
    assert.match(wrongShape.body.error, /input 'in_FP32': shape \[4,1\] does not match the model's \[-1,2\]/);
  });
});

describe('protocol surface', () => {
  let server: TestServer;
  before(async () => {
    const { doubleModel } = await import('./support/models.ts');
    server = await startTestServer(doubleModel(tempDir()), ['--model-version', '3', '--max-body-bytes', '4096']);
  });
  after(() => server.close());

  it('answers health, server and model metadata', async () => {
    assert.deepEqual(await (await fetch(`${server.url}/v2/health/live`)).json(), { live: true });
    assert.deepEqual(await (await fetch(`${server.url}/v2/health/ready`)).json(), { ready: true });
    const meta = (await (await fetch(`${server.url}/v2`)).json()) as { name: string; extensions: string[] };
    assert.equal(meta.name, 'modelship');
    assert.ok(meta.extensions.includes('binary_tensor_data'));
    for (const path of ['/v2/models/m', '/v2/models/m/versions/3']) {
      assert.deepEqual(await (await fetch(`${server.url}${path}`)).json(), {
        name: 'm',
        versions: ['3'],
        platform: 'onnxruntime_onnx',
        inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 4] }],
        outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 4] }],
        parameters: { execution_provider: 'cpu', dynamic_batching: true },
      });
    }
    assert.deepEqual(await (await fetch(`${server.url}/v2/models/m/versions/3/ready`)).json(), { name: 'm', ready: true });
  });

  it('serves versioned and unversioned inference, and v1 predict', async () => {
    const body = { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] }] };
    for (const path of ['/v2/models/m/infer', '/v2/models/m/versions/3/infer']) {
      const { status, body: out } = await postJson(`${server.url}${path}`, body);
      assert.equal(status, 200);
      assert.equal(out.model_version, '3');
      assert.deepEqual(out.outputs[0].data, [2, 4, 6, 8]);
    }
    const v1 = await postJson(`${server.url}/v1/models/m:predict`, { instances: [[1, 2, 3, 4], [0.5, 0, 0, 1]] });
    assert.deepEqual(v1.body, { predictions: [[2, 4, 6, 8], [1, 0, 0, 2]] });
    assert.deepEqual(await (await fetch(`${server.url}/v1/models/m`)).json(), { name: 'm', ready: true });
  });

  it('maps client mistakes to 404, 413 and 415 JSON errors', async () => {
    const cases: [string, RequestInit, number, RegExp][] = [
      ['/v2/models/other/infer', { method: 'POST', body: '{}' }, 404, /unknown model 'other'/],
      ['/v2/models/m/versions/9/infer', { method: 'POST', body: '{}' }, 404, /no version '9'/],
      ['/v2/models/m/versions/9', {}, 404, /no version '9'/],
      ['/v1/models/m:explain', { method: 'POST', body: '{}' }, 404, /unknown v1 route/],
      ['/nope', {}, 404, /no route for GET \/nope/],
      ['/v2/models/m/infer', { method: 'POST', body: 'x'.repeat(5000), headers: { 'content-type': 'application/json' } }, 413, /limit of 4096/],
      ['/v2/models/m/infer', { method: 'POST', body: 'a=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, 415, /the body is form data, not JSON/],
      ['/v2/models/m/infer', { method: 'POST', body: '{}', headers: { 'content-type': 'application/xml' } }, 415, /content type "application\/xml" is not supported/],
      ['/v2/models/m/infer', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' } }, 415, /encoding/],
      ['/v2/models/%E0%A4%A/infer', { method: 'POST', body: '{}' }, 400, /bad request/],
    ];
    for (const [path, init, status, message] of cases) {
      const response = await fetch(`${server.url}${path}`, init);
      assert.equal(response.status, status, path);
      assert.match(response.headers.get('content-type') ?? '', /application\/json/);
      assert.match(((await response.json()) as { error: string }).error, message, path);
    }
  });

  it('exports the modelship_ metrics and Node process metrics', async () => {
    const text = await (await fetch(`${server.metricsUrl}/metrics`)).text();
    for (const name of [
      'modelship_requests_total{model="m",protocol="v2",code="200"}',
      'modelship_requests_total{model="m",protocol="v1",code="200"}',
      'modelship_request_duration_seconds_bucket',
      'modelship_inference_compute_duration_seconds_bucket',
      'modelship_queue_wait_duration_seconds_bucket',
      'modelship_batch_size_bucket',
      'modelship_queue_length{model="m"} 0',
      'modelship_requests_in_flight{model="m"}',
      'modelship_model_load_duration_seconds{model="m"}',
      'modelship_execution_provider_info{model="m",provider="cpu"} 1',
      'process_cpu_seconds_total',
      'nodejs_eventloop_lag_seconds',
    ]) {
      assert.ok(text.includes(name), `metrics include ${name}`);
    }
  });

  it('serves /metrics on the metrics port only: the inference port answers 404, the metrics port nothing else', async () => {
    assert.notEqual(server.metricsUrl, server.url);
    const onMain = await fetch(`${server.url}/metrics`);
    assert.equal(onMain.status, 404);
    assert.doesNotMatch(await onMain.text(), /modelship_requests_total/);
    const other = await fetch(`${server.metricsUrl}/v2/health/ready`);
    assert.equal(other.status, 404);
    await other.text();
    const scrape = await fetch(`${server.metricsUrl}/metrics?x=1`);
    assert.equal(scrape.status, 200);
    assert.match(scrape.headers.get('content-type') ?? '', /text\/plain/);
    assert.match(await scrape.text(), /^modelship_queue_length\{model="m"\} 0$/m);
  });
});
