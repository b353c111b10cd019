// --input-policy against the real server and the iris model with the training
// profile committed beside it (examples/models/iris.profile.json: petal_length
// in [1, 6.9]): reject answers 400 naming feature, value and range; flag serves,
// counts every out-of-range value once and marks the response; off does nothing.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { create } from '@bufbuild/protobuf';
import { ModelInferRequestSchema } from '../../runtime/src/grpc/gen/grpc_predict_v2_pb.ts';
import { grpcFailure, GrpcTestClient, inferWithTrailer } from './support/grpc.ts';
import { postJson, startTestServer, type TestServer } from './support/server.ts';

const IRIS = fileURLToPath(new URL('../../examples/models/iris.onnx', import.meta.url));
const SETOSA = [5.1, 3.5, 1.4, 0.2];
const rows = (...data: number[][]) => ({ inputs: [{ name: 'input', datatype: 'FP32', shape: [data.length, 4], data: data.flat() }] });
const OUTSIDE = rows(SETOSA, [5.1, 3.5, 42, 0.2], [5.1, 3.5, 0.5, 0.2]);

async function series(server: TestServer, name: string): Promise<number> {
  const text = await (await fetch(`${server.metricsUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(name));
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
}

function grpcInfer(client: GrpcTestClient, data: number[]) {
  return inferWithTrailer(client, create(ModelInferRequestSchema, { modelName: 'iris', inputs: [{ name: 'input', datatype: 'FP32', shape: [BigInt(data.length / 4), 4n], contents: { fp32Contents: data } }] }));
}

for (const mode of ['reject', 'flag', 'off'] as const) {
  describe(`--input-policy ${mode}`, () => {
    let server: TestServer;
    let grpc: GrpcTestClient;
    let infer: string;
    before(async () => {
      server = await startTestServer(IRIS, ['--input-policy', mode], 'iris');
      grpc = new GrpcTestClient(server.running.grpcPort);
      infer = `${server.url}/v2/models/iris/infer`;
    });
    after(async () => {
      grpc.close();
      await server.close();
    });

    it('serves in-range rows unmarked', async () => {
      const { status: code, body, headers } = await postJson(infer, rows(SETOSA, [6.3, 3.3, 6, 2.5]));
      assert.equal(code, 200);
      assert.equal(body.parameters, undefined);
      assert.equal(headers.get('x-modelship-out-of-range'), null);
    });

    it(mode === 'reject' ? 'refuses a row outside the training range, naming feature, value, row and range' : mode === 'flag' ? 'serves rows outside the range, counted once each and marked' : 'serves rows outside the range without a look', async () => {
      const { status: code, body, headers } = await postJson(infer, OUTSIDE);
      if (mode === 'reject') {
        assert.equal(code, 400);
        assert.match(body.error, /input 'input': feature 'petal_length' \(index 2\) is 42 in row 1, outside its training range \[1, 6\.900000095367432\]/);
        assert.equal(await series(server, 'modelship_input_rejected_total{model="iris",reason="out_of_range"}'), 1);
        const error = await grpcFailure(grpcInfer(grpc, [5.1, 3.5, 1.4, 9]));
        assert.equal(error.code, status.INVALID_ARGUMENT);
        assert.match(error.details, /feature 'petal_width' \(index 3\) is 9 in row 0/);
        return;
      }
      assert.equal(code, 200);
      assert.equal(body.outputs[0].shape[0], 3);
      if (mode === 'off') {
        assert.equal(body.parameters, undefined);
        assert.equal(headers.get('x-modelship-out-of-range'), null);
        return;
      }
      assert.deepEqual(body.parameters, { out_of_range: ['petal_length'] });
      assert.equal(headers.get('x-modelship-out-of-range'), 'true');
      const v1 = await postJson(`${server.url}/v1/models/iris:predict`, { instances: [[5.1, 3.5, 1.4, 9]] });
      assert.equal(v1.status, 200);
      assert.equal(v1.headers.get('x-modelship-out-of-range'), 'true');
      const { reply, trailer } = await grpcInfer(grpc, [5.1, 0.1, 1.4, 0.2]);
      assert.equal(reply.parameters.out_of_range?.parameterChoice.value, 'sepal_width');
      assert.deepEqual(trailer.get('x-modelship-out-of-range'), ['true']);
      // The drift window samples the same requests off the request path: give it time, then the counts must still be exact.
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.equal(await series(server, 'modelship_feature_out_of_range_total{model="iris",feature="petal_length"}'), 2);
      assert.equal(await series(server, 'modelship_feature_out_of_range_total{model="iris",feature="petal_width"}'), 1);
      assert.equal(await series(server, 'modelship_feature_out_of_range_total{model="iris",feature="sepal_width"}'), 1);
    });
  });
}
