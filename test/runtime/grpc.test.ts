// The gRPC front end against the real server: the Open Inference Protocol's
// RPCs, raw and typed tensor contents for every datatype, requested outputs,
// batching shared with REST, the error family as gRPC status codes, metrics,
// health (Check and Watch) and draining. Loopback only.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { Client, credentials, Metadata, status } from '@grpc/grpc-js';
import {
  HealthCheckRequestSchema,
  HealthCheckResponse_ServingStatus as Serving,
  HealthCheckResponseSchema,
} from '../../runtime/src/grpc/gen/grpc/health/v1/health_pb.ts';
import {
  ModelInferRequestSchema,
  ModelInferResponseSchema,
  ModelMetadataRequestSchema,
  ModelMetadataResponseSchema,
  ModelReadyRequestSchema,
  ModelReadyResponseSchema,
  ServerLiveRequestSchema,
  ServerLiveResponseSchema,
  ServerMetadataRequestSchema,
  ServerMetadataResponseSchema,
  ServerReadyRequestSchema,
  ServerReadyResponseSchema,
  type ModelInferRequest_InferInputTensor,
  type ModelInferResponse,
} from '../../runtime/src/grpc/gen/grpc_predict_v2_pb.ts';
import { encodeBinaryData, decodeBinaryData } from '../../runtime/src/protocol/binary.ts';
import type { Datatype, TensorData } from '../../runtime/src/protocol/datatypes.ts';
import { grpcFailure, GrpcTestClient } from './support/grpc.ts';
import { allDatatypesModel, DATATYPE_ELEMS, doubleModel, tempDir } from './support/models.ts';
import { writeModel } from './support/onnx-builder.ts';
import { postJson, startTestServer, type TestServer } from './support/server.ts';

type InputInit = Partial<Omit<ModelInferRequest_InferInputTensor, '$typeName'>> & { name: string; datatype: string; shape: bigint[] };

async function infer(client: GrpcTestClient, model: string, inputs: InputInit[], extra: { raw?: Uint8Array[]; outputs?: string[]; id?: string } = {}): Promise<ModelInferResponse> {
  return client.call(
    'ModelInfer',
    ModelInferRequestSchema,
    { modelName: model, id: extra.id ?? '', inputs, outputs: (extra.outputs ?? []).map((name) => ({ name })), rawInputContents: extra.raw ?? [] },
    ModelInferResponseSchema,
  );
}

/** Output tensors of a response, decoded from raw_output_contents. */
function outputsOf(response: ModelInferResponse): Map<string, { datatype: string; shape: number[]; data: TensorData }> {
  assert.equal(response.rawOutputContents.length, response.outputs.length, 'one raw_output_contents entry per output');
  return new Map(
    response.outputs.map((o, i) => {
      const shape = o.shape.map(Number);
      const data = decodeBinaryData(response.rawOutputContents[i] as Uint8Array, o.datatype as Datatype, shape.reduce((a, b) => a * b, 1), o.name);
      return [o.name, { datatype: o.datatype, shape, data }];
    }),
  );
}

/** Every datatype's extreme values, 64-bit ones beyond 2^53 (JSON cannot carry them; gRPC can). */
const RAW_VALUES: Record<Datatype, TensorData> = {
  BOOL: new Uint8Array([1, 0, 0, 1]),
  UINT8: new Uint8Array([0, 255, 7, 8]),
  UINT16: new Uint16Array([0, 65535, 7, 8]),
  UINT32: new Uint32Array([0, 4294967295, 7, 8]),
  UINT64: new BigUint64Array([0n, 2n ** 64n - 1n, 7n, 8n]),
  INT8: new Int8Array([-128, 127, -7, 8]),
  INT16: new Int16Array([-32768, 32767, -7, 8]),
  INT32: new Int32Array([-2147483648, 2147483647, -7, 8]),
  INT64: new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n, -7n, 8n]),
  FP16: new Float16Array([0.5, -2, 65504, 0.0999755859375]),
  FP32: new Float32Array([0.5, -2, 3.4028234663852886e38, 1.5]),
  FP64: new Float64Array([0.1, -2, 1e300, 1.5]),
  BYTES: ['', 'héllo', 'a"b\\c', '🙂'],
};

/** The typed `contents` of each datatype for RAW_VALUES (FP16 has none). */
const CONTENTS: Partial<Record<Datatype, Record<string, unknown[]>>> = {
  BOOL: { boolContents: [true, false, false, true] },
  UINT8: { uintContents: [0, 255, 7, 8] },
  UINT16: { uintContents: [0, 65535, 7, 8] },
  UINT32: { uintContents: [0, 4294967295, 7, 8] },
  UINT64: { uint64Contents: [0n, 2n ** 64n - 1n, 7n, 8n] },
  INT8: { intContents: [-128, 127, -7, 8] },
  INT16: { intContents: [-32768, 32767, -7, 8] },
  INT32: { intContents: [-2147483648, 2147483647, -7, 8] },
  INT64: { int64Contents: [-(2n ** 63n), 2n ** 63n - 1n, -7n, 8n] },
  FP32: { fp32Contents: [0.5, -2, 3.4028234663852886e38, 1.5] },
  FP64: { fp64Contents: [0.1, -2, 1e300, 1.5] },
  BYTES: { bytesContents: ['', 'héllo', 'a"b\\c', '🙂'].map((s) => new TextEncoder().encode(s)) },
};

/** Identity per datatype except FP16, which has no typed contents field. */
function typedModel(dir: string): string {
  const entries = Object.entries(DATATYPE_ELEMS).filter(([dt]) => dt !== 'FP16');
  return writeModel(join(dir, 'typed.onnx'), {
    inputs: entries.map(([dt, elem]) => ({ name: `in_${dt}`, elem, shape: ['batch', 2] })),
    outputs: entries.map(([dt, elem]) => ({ name: `out_${dt}`, elem, shape: ['batch', 2] })),
    nodes: entries.map(([dt]) => ({ op: 'Identity', inputs: [`in_${dt}`], outputs: [`out_${dt}`] })),
  });
}

describe('gRPC: every datatype, raw and typed', () => {
  let all: TestServer;
  let typed: TestServer;
  let allClient: GrpcTestClient;
  let typedClient: GrpcTestClient;
  before(async () => {
    const dir = tempDir();
    [all, typed] = await Promise.all([startTestServer(allDatatypesModel(dir), [], 'all'), startTestServer(typedModel(dir), [], 'typed')]);
    allClient = new GrpcTestClient(all.running.grpcPort);
    typedClient = new GrpcTestClient(typed.running.grpcPort);
  });
  after(async () => {
    allClient.close();
    typedClient.close();
    await Promise.all([all.close(), typed.close()]);
  });

  it('echoes every datatype through onnxruntime in raw_input_contents / raw_output_contents', async () => {
    const dts = Object.keys(RAW_VALUES) as Datatype[];
    const response = await infer(
      allClient,
      'all',
      dts.map((dt) => ({ name: `in_${dt}`, datatype: dt, shape: [2n, 2n] })),
      { raw: dts.map((dt) => new Uint8Array(encodeBinaryData(RAW_VALUES[dt]))), id: 'raw-1' },
    );
    assert.equal(response.id, 'raw-1');
    assert.equal(response.modelName, 'all');
    const outputs = outputsOf(response);
    for (const dt of dts) {
      assert.equal(outputs.get(`out_${dt}`)?.datatype, dt);
      assert.deepEqual(outputs.get(`out_${dt}`)?.shape, [2, 2]);
      assert.deepEqual(outputs.get(`out_${dt}`)?.data, RAW_VALUES[dt], dt);
    }
    assert.deepEqual(outputs.get('fp16_as_fp32')?.data, new Float32Array([0.5, -2, 65504, 0.0999755859375]));
    assert.deepEqual(outputs.get('not_bool')?.data, new Uint8Array([0, 1, 1, 0]));
  });

  it('takes every datatype in its typed contents field, 64-bit integers at full range', async () => {
    const response = await infer(
      typedClient,
      'typed',
      Object.entries(CONTENTS).map(([dt, contents]) => ({ name: `in_${dt}`, datatype: dt, shape: [2n, 2n], contents: contents as never })),
    );
    const outputs = outputsOf(response);
    for (const dt of Object.keys(CONTENTS) as Datatype[]) assert.deepEqual(outputs.get(`out_${dt}`)?.data, RAW_VALUES[dt], dt);
  });

  it('refuses typed contents in the wrong field, out of range, or mixed with raw contents', async () => {
    const good = Object.entries(CONTENTS).map(([dt, contents]) => ({ name: `in_${dt}`, datatype: dt, shape: [2n, 2n], contents: contents as never }));
    const cases: [string, InputInit[], RegExp, Uint8Array[]?][] = [
      ['INT8 out of range', good.map((i) => (i.name === 'in_INT8' ? { ...i, contents: { intContents: [300, 0, 0, 0] } as never } : i)), /input 'in_INT8': element 0 is 300, expected an integer in \[-128, 127\]/],
      ['FP32 data in fp64_contents', good.map((i) => (i.name === 'in_FP32' ? { ...i, contents: { fp64Contents: [1, 2, 3, 4] } as never } : i)), /datatype FP32 takes contents.fp32_contents, but contents.fp64_contents is set/],
      ['too few elements', good.map((i) => (i.name === 'in_FP64' ? { ...i, contents: { fp64Contents: [1, 2, 3] } as never } : i)), /input 'in_FP64': data has 3 elements, shape \[2,2\] needs 4/],
      ['contents and raw', good, /raw_input_contents has 1 entries for 12 inputs/, [new Uint8Array(16)]],
    ];
    for (const [what, inputs, message, raw] of cases) {
      const error = await grpcFailure(infer(typedClient, 'typed', inputs, raw ? { raw } : {}));
      assert.equal(error.code, status.INVALID_ARGUMENT, what);
      assert.match(error.details, message, what);
    }
    const fp16 = await grpcFailure(infer(allClient, 'all', [{ name: 'in_FP16', datatype: 'FP16', shape: [1n, 2n], contents: { fp32Contents: [1, 2] } as never }]));
    assert.equal(fp16.code, status.INVALID_ARGUMENT);
    assert.match(fp16.details, /datatype FP16 travels only in raw_input_contents/);
  });
});

describe('gRPC: the protocol surface', () => {
  let server: TestServer;
  let client: GrpcTestClient;
  before(async () => {
    server = await startTestServer(doubleModel(tempDir()), ['--model-version', '3', '--grpc-max-message-bytes', '65536', '--max-batch-size', '64', '--max-queue-delay-ms', '20']);
    client = new GrpcTestClient(server.running.grpcPort);
  });
  after(async () => {
    client.close();
    await server.close();
  });

  it('answers liveness, readiness, server and model metadata', async () => {
    assert.equal((await client.call('ServerLive', ServerLiveRequestSchema, {}, ServerLiveResponseSchema)).live, true);
    assert.equal((await client.call('ServerReady', ServerReadyRequestSchema, {}, ServerReadyResponseSchema)).ready, true);
    assert.equal((await client.call('ModelReady', ModelReadyRequestSchema, { name: 'm' }, ModelReadyResponseSchema)).ready, true);
    assert.equal((await client.call('ModelReady', ModelReadyRequestSchema, { name: 'm', version: '3' }, ModelReadyResponseSchema)).ready, true);
    const missing = await grpcFailure(client.call('ModelReady', ModelReadyRequestSchema, { name: 'other' }, ModelReadyResponseSchema));
    assert.equal(missing.code, status.NOT_FOUND);
    const meta = await client.call('ServerMetadata', ServerMetadataRequestSchema, {}, ServerMetadataResponseSchema);
    assert.equal(meta.name, 'modelship');
    const model = await client.call('ModelMetadata', ModelMetadataRequestSchema, { name: 'm' }, ModelMetadataResponseSchema);
    assert.deepEqual(
      { name: model.name, versions: model.versions, platform: model.platform, input: model.inputs.map((i) => [i.name, i.datatype, i.shape]) },
      { name: 'm', versions: ['3'], platform: 'onnxruntime_onnx', input: [['x', 'FP32', [-1n, 4n]]] },
    );
    const wrongVersion = await grpcFailure(client.call('ModelMetadata', ModelMetadataRequestSchema, { name: 'm', version: '9' }, ModelMetadataResponseSchema));
    assert.equal(wrongVersion.code, status.NOT_FOUND);
    assert.match(wrongVersion.details, /model 'm' has no version '9'; it serves version '3'/);
  });

  it('infers multi-row batches with raw and typed contents, and returns the requested outputs', async () => {
    const x = new Float32Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const raw = await infer(client, 'm', [{ name: 'x', datatype: 'FP32', shape: [3n, 4n] }], { raw: [new Uint8Array(x.buffer)], outputs: ['y'], id: 'a' });
    assert.equal(raw.modelVersion, '3');
    assert.deepEqual(outputsOf(raw).get('y'), { datatype: 'FP32', shape: [3, 4], data: x.map((v) => v * 2) });
    const listed = await infer(client, 'm', [{ name: 'x', datatype: 'FP32', shape: [3n, 4n], contents: { fp32Contents: [...x] } as never }]);
    assert.deepEqual(outputsOf(listed).get('y')?.data, x.map((v) => v * 2));
    const unknownOutput = await grpcFailure(infer(client, 'm', [{ name: 'x', datatype: 'FP32', shape: [1n, 4n] }], { raw: [new Uint8Array(16)], outputs: ['z'] }));
    assert.equal(unknownOutput.code, status.INVALID_ARGUMENT);
    assert.match(unknownOutput.details, /unknown output 'z'; model 'm' returns 'y'/);
  });

  it('shares one batching queue with REST: concurrent gRPC and REST requests run together, each gets its own rows', async () => {
    const before = await batchRuns(server.metricsUrl);
    const calls = Array.from({ length: 24 }, (_, i) =>
      i % 2 === 0
        ? infer(client, 'm', [{ name: 'x', datatype: 'FP32', shape: [1n, 4n] }], { raw: [new Uint8Array(new Float32Array([i, i, i, i]).buffer)] }).then((r) => [...(outputsOf(r).get('y')?.data as Float32Array)])
        : postJson(`${server.url}/v2/models/m/infer`, { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: [i, i, i, i] }] }).then((r) => r.body.outputs[0].data as number[]),
    );
    const results = await Promise.all(calls);
    results.forEach((y, i) => assert.deepEqual(y, [2 * i, 2 * i, 2 * i, 2 * i], `request ${i}`));
    const after = await batchRuns(server.metricsUrl);
    assert.ok(after.runs - before.runs < 24, `24 requests took ${after.runs - before.runs} runs: they were not batched together`);
  });

  it('maps the error family to gRPC status codes with clear messages, and keeps serving', async () => {
    const x = [{ name: 'x', datatype: 'FP32', shape: [1n, 4n] }];
    const cases: [string, () => Promise<unknown>, status, RegExp][] = [
      ['unknown model', () => infer(client, 'nope', x, { raw: [new Uint8Array(16)] }), status.NOT_FOUND, /unknown model 'nope'; this server serves 'm'/],
      ['malformed protobuf', () => client.raw('/inference.GRPCInferenceService/ModelInfer', new Uint8Array([0x0a, 0xff, 0xff, 0x01])), status.INVALID_ARGUMENT, /not a valid inference.ModelInferRequest/],
      ['raw size wrong', () => infer(client, 'm', x, { raw: [new Uint8Array(15)] }), status.INVALID_ARGUMENT, /input 'x': its binary data is 15 bytes, 4 FP32 elements need 16/],
      ['raw count wrong', () => infer(client, 'm', x, { raw: [new Uint8Array(16), new Uint8Array(16)] }), status.INVALID_ARGUMENT, /raw_input_contents has 2 entries for 1 inputs/],
      ['wrong datatype', () => infer(client, 'm', [{ ...x[0]!, datatype: 'FP64' }], { raw: [new Uint8Array(32)] }), status.INVALID_ARGUMENT, /datatype FP64, the model expects FP32/],
      ['negative dim', () => infer(client, 'm', [{ ...x[0]!, shape: [-1n, 4n] }], { raw: [new Uint8Array(16)] }), status.INVALID_ARGUMENT, /must hold non-negative integers/],
      ['no inputs', () => infer(client, 'm', []), status.INVALID_ARGUMENT, /input 'x' is missing; model 'm' takes 'x'/],
      ['oversized message', () => infer(client, 'm', [{ ...x[0]!, shape: [5000n, 4n] }], { raw: [new Uint8Array(80_000)] }), status.RESOURCE_EXHAUSTED, /larger than max/],
      ['unimplemented RPC', () => client.raw('/inference.GRPCInferenceService/RepositoryIndex', new Uint8Array()), status.UNIMPLEMENTED, /./],
    ];
    for (const [what, call, code, message] of cases) {
      const error = await grpcFailure(call());
      assert.equal(error.code, code, `${what}: ${error.details}`);
      assert.match(error.details, message, what);
    }
    const ok = await infer(client, 'm', x, { raw: [new Uint8Array(new Float32Array([1, 1, 1, 1]).buffer)] });
    assert.deepEqual([...(outputsOf(ok).get('y')?.data as Float32Array)], [2, 2, 2, 2]);
    const metrics = await (await fetch(`${server.metricsUrl}/metrics`)).text();
    assert.match(metrics, /modelship_requests_total\{model="m",protocol="grpc",code="200"\} \d+/);
    assert.match(metrics, /modelship_requests_total\{model="m",protocol="grpc",code="400"\} [5-9]/);
    assert.match(metrics, /modelship_requests_total\{model="m",protocol="grpc",code="404"\} 1/);
    assert.match(metrics, /modelship_request_duration_seconds_count\{model="m",protocol="grpc"\} \d+/);
  });

  it('answers grpc.health.v1 Check for the server and the inference service, NOT_FOUND for others', async () => {
    for (const service of ['', 'inference.GRPCInferenceService']) {
      const reply = await client.call('/grpc.health.v1.Health/Check', HealthCheckRequestSchema, { service }, HealthCheckResponseSchema);
      assert.equal(reply.status, Serving.SERVING, service);
    }
    const other = await grpcFailure(client.call('/grpc.health.v1.Health/Check', HealthCheckRequestSchema, { service: 'nope' }, HealthCheckResponseSchema));
    assert.equal(other.code, status.NOT_FOUND);
  });
});

async function batchRuns(url: string): Promise<{ runs: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return { runs: Number(/modelship_batch_size_count\{model="m"\} (\d+)/.exec(text)?.[1] ?? 0) };
}

describe('gRPC: draining', () => {
  it('turns health NOT_SERVING on a Watch stream and answers new inference UNAVAILABLE with retry-after', async () => {
    const server = await startTestServer(doubleModel(tempDir()));
    const client = new GrpcTestClient(server.running.grpcPort);
    const watcher = new Client(`127.0.0.1:${server.running.grpcPort}`, credentials.createInsecure());
    try {
      const statuses: Serving[] = [];
      const stream = watcher.makeServerStreamRequest(
        '/grpc.health.v1.Health/Watch',
        (b: Buffer) => b,
        (b: Buffer) => fromBinary(HealthCheckResponseSchema, b).status,
        Buffer.from(toBinary(HealthCheckRequestSchema, create(HealthCheckRequestSchema, {}))),
        new Metadata(),
      );
      stream.on('data', (s: Serving) => statuses.push(s));
      stream.on('error', () => {});
      const deadline = Date.now() + 10_000;
      while (statuses.length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(statuses, [Serving.SERVING]);
      // Draining as shutdown() starts it, without closing yet, to observe the answers.
      server.running.state.phase = 'draining';
      while (statuses.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(statuses, [Serving.SERVING, Serving.NOT_SERVING]);
      const error = await grpcFailure(infer(client, 'm', [{ name: 'x', datatype: 'FP32', shape: [1n, 4n] }], { raw: [new Uint8Array(16)] }));
      assert.equal(error.code, status.UNAVAILABLE);
      assert.match(error.details, /shutting down/);
      assert.deepEqual(error.metadata.get('retry-after'), ['1']);
      assert.equal((await client.call('ServerReady', ServerReadyRequestSchema, {}, ServerReadyResponseSchema)).ready, false);
      stream.cancel();
    } finally {
      client.close();
      watcher.close();
      await server.close();
    }
  });
});
