// Values a model must never see, refused with 400 (gRPC INVALID_ARGUMENT)
// naming the input and the element, on every path a tensor can arrive by:
// v2 JSON, the binary extension, v1 and gRPC (typed and raw). Counted in
// modelship_input_rejected_total by reason; the server keeps serving.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { ModelInferRequestSchema, ModelInferResponseSchema } from '../../runtime/src/grpc/gen/grpc_predict_v2_pb.ts';
import { grpcFailure, GrpcTestClient } from './support/grpc.ts';
import { allDatatypesModel, DATATYPE_ELEMS, tempDir } from './support/models.ts';
import { postJson, startTestServer, type TestServer } from './support/server.ts';

const IRIS = fileURLToPath(new URL('../../examples/models/iris.onnx', import.meta.url));
const SETOSA = [5.1, 3.5, 1.4, 0.2];

function rejected(metrics: string, reason: string): number {
  const line = metrics.split('\n').find((l) => l.startsWith(`modelship_input_rejected_total{model="iris",reason="${reason}"}`));
  return Number(line?.split(' ').at(-1) ?? Number.NaN);
}

describe('non-finite and overflowing values', () => {
  let server: TestServer;
  let grpc: GrpcTestClient;
  let infer: string;
  before(async () => {
    server = await startTestServer(IRIS, [], 'iris');
    grpc = new GrpcTestClient(server.running.grpcPort);
    infer = `${server.url}/v2/models/iris/infer`;
  });
  after(async () => {
    grpc.close();
    await server.close();
  });

  const good = () => postJson(infer, { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: SETOSA }] });

  it('refuses 1e39 in FP32 JSON (it overflows to Infinity) naming the input and element, and keeps serving', async () => {
    const { status: code, body } = await postJson(infer, { inputs: [{ name: 'input', datatype: 'FP32', shape: [2, 4], data: [...SETOSA, 5.1, 1e39, 1.4, 0.2] }] });
    assert.equal(code, 400, JSON.stringify(body));
    assert.match(body.error, /input 'input': element 5 is 1e\+39, which overflows FP32/);
    const after = await good();
    assert.equal(after.status, 200);
    assert.deepEqual(after.body.outputs[0].data, [0]);
  });

  it('refuses a JSON number past float64 (parsed as Infinity)', async () => {
    const text = `{"inputs":[{"name":"input","datatype":"FP32","shape":[1,4],"data":[5.1,3.5,1e400,0.2]}]}`;
    const { status: code, body } = await postJson(infer, text);
    assert.equal(code, 400);
    assert.match(body.error, /element 2 is Infinity; non-finite values/);
  });

  it('refuses NaN and -Inf in the binary extension', async () => {
    for (const [bad, shown] of [[Number.NaN, 'NaN'], [Number.NEGATIVE_INFINITY, '-Infinity']] as const) {
      const header = Buffer.from(JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], parameters: { binary_data_size: 16 } }] }));
      const body = Buffer.concat([header, Buffer.from(new Float32Array([5.1, 3.5, bad, 0.2]).buffer)]);
      const response = await fetch(infer, { method: 'POST', headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(header.length) }, body });
      assert.equal(response.status, 400);
      assert.match(((await response.json()) as { error: string }).error, new RegExp(`input 'input': element 2 is ${shown}; non-finite`));
    }
  });

  it('refuses 1e39 in v1 instances', async () => {
    const { status: code, body } = await postJson(`${server.url}/v1/models/iris:predict`, { instances: [[5.1, 3.5, 1.4, 1e39]] });
    assert.equal(code, 400);
    assert.match(body.error, /element 3 is 1e\+39, which overflows FP32/);
  });

  it('refuses NaN over gRPC, in fp32_contents and in raw bytes, with INVALID_ARGUMENT', async () => {
    const typed = grpc.call('ModelInfer', ModelInferRequestSchema, { modelName: 'iris', inputs: [{ name: 'input', datatype: 'FP32', shape: [1n, 4n], contents: { fp32Contents: [5.1, Number.NaN, 1.4, 0.2] } }] }, ModelInferResponseSchema);
    const typedError = await grpcFailure(typed);
    assert.equal(typedError.code, status.INVALID_ARGUMENT);
    assert.match(typedError.details, /input 'input': element 1 is NaN/);
    const raw = new Uint8Array(new Float32Array([5.1, 3.5, 1.4, Number.POSITIVE_INFINITY]).buffer);
    const rawError = await grpcFailure(
      grpc.call('ModelInfer', ModelInferRequestSchema, { modelName: 'iris', inputs: [{ name: 'input', datatype: 'FP32', shape: [1n, 4n] }], rawInputContents: [raw] }, ModelInferResponseSchema),
    );
    assert.equal(rawError.code, status.INVALID_ARGUMENT);
    assert.match(rawError.details, /element 3 is Infinity/);
    const ok = await grpc.call('ModelInfer', ModelInferRequestSchema, { modelName: 'iris', inputs: [{ name: 'input', datatype: 'FP32', shape: [1n, 4n], contents: { fp32Contents: SETOSA } }] }, ModelInferResponseSchema);
    assert.equal(ok.outputs.length, 2);
  });

  it('counts refusals by reason', async () => {
    const metrics = await (await fetch(`${server.metricsUrl}/metrics`)).text();
    // 1e39 twice (v2, v1): overflow; 1e400, NaN, -Inf (binary), NaN, Inf (gRPC): non_finite.
    assert.equal(rejected(metrics, 'overflow'), 2);
    assert.equal(rejected(metrics, 'non_finite'), 5);
    assert.equal(rejected(metrics, 'out_of_range'), 0);
  });
});

describe('integer overflow', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer(allDatatypesModel(tempDir()), [], 'all');
  });
  after(() => server.close());

  it('refuses a JSON integer its datatype cannot hold, for every integer datatype', async () => {
    const overflow: Record<string, number> = { INT8: 128, INT16: -32769, INT32: 2 ** 31, INT64: 2 ** 63, UINT8: 256, UINT16: 65536, UINT32: 2 ** 32, UINT64: -1 };
    for (const [dt, value] of Object.entries(overflow)) {
      const inputs = Object.keys(DATATYPE_ELEMS).map((other) => ({
        name: `in_${other}`,
        datatype: other,
        shape: [1, 2],
        data: other === dt ? [0, value] : other === 'BOOL' ? [true, false] : other === 'BYTES' ? ['a', 'b'] : [0, 1],
      }));
      const { status: code, body } = await postJson(`${server.url}/v2/models/all/infer`, { inputs });
      assert.equal(code, 400, dt);
      assert.match(body.error, new RegExp(`input 'in_${dt}': element 1 is .*expected an integer in .* for ${dt}`), dt);
    }
    const metrics = await (await fetch(`${server.metricsUrl}/metrics`)).text();
    assert.match(metrics, /modelship_input_rejected_total\{model="all",reason="overflow"\} 8/);
  });
});
