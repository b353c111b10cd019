// The batching queue over HTTP and gRPC: a request whose client disconnects
// (or cancels its gRPC call) while it waits is dropped, not run; one that
// waits past --queue-timeout-ms gets 503.
// A real model whose run blocks its only worker keeps the others queued.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { create, toBinary } from '@bufbuild/protobuf';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { ModelInferRequestSchema, ModelInferResponseSchema } from '../../runtime/src/grpc/gen/grpc_predict_v2_pb.ts';
import { grpcFailure, GrpcTestClient } from './support/grpc.ts';
import { blockingModel, tempDir } from './support/models.ts';
import { metric, postJson, startTestServer, until, type TestServer } from './support/server.ts';

const body = (len: number) => ({
  inputs: [
    { name: 'x', datatype: 'FP32', shape: [1, 256], data: new Array(256).fill(1) },
    { name: 'n', datatype: 'UINT8', shape: [len], data: new Array(len).fill(0) },
  ],
});

describe('the batching queue', () => {
  let server: TestServer;
  let infer: string;
  before(async () => {
    server = await startTestServer(blockingModel(tempDir()), ['--workers', '1', '--intra-op-threads', '1', '--queue-timeout-ms', '60000']);
    infer = `${server.url}/v2/models/m/infer`;
  });
  after(() => server.close());

  it('drops a queued request whose client disconnected, without running it', async () => {
    // Runs never coalesce here (the model has no batch dimension): one run per request.
    const runsBefore = await metric(server.metricsUrl, 'modelship_batch_size_count{model="m"}');
    const blocker = postJson(infer, body(65536));
    await until('the blocking run started', 5000, async () => (await metric(server.metricsUrl, 'modelship_batch_size_count{model="m"}')) === runsBefore + 1);
    const client = new AbortController();
    const abandoned = fetch(infer, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body(1)), signal: client.signal }).catch((e: unknown) => e);
    await until('the second request queued', 5000, async () => (await metric(server.metricsUrl, 'modelship_queue_length{model="m"}')) === 1);
    client.abort();
    assert.ok((await abandoned) instanceof Error);
    await until('the request dropped from the queue', 5000, async () => (await metric(server.metricsUrl, 'modelship_queue_dropped_total{model="m",reason="client_closed"}')) === 1);
    assert.equal((await blocker).status, 200);
    assert.equal((await postJson(infer, body(1))).status, 200);
    // The blocker and the request after it ran; the abandoned one never did.
    assert.equal(await metric(server.metricsUrl, 'modelship_batch_size_count{model="m"}'), runsBefore + 2);
    assert.equal(await metric(server.metricsUrl, 'modelship_queue_length{model="m"}'), 0);
  });

  it('drops a queued gRPC call its client cancelled, without running it', async () => {
    const grpc = new GrpcTestClient(server.running.grpcPort);
    try {
      const runsBefore = await metric(server.metricsUrl, 'modelship_batch_size_count{model="m"}');
      const droppedBefore = await metric(server.metricsUrl, 'modelship_queue_dropped_total{model="m",reason="client_closed"}');
      const blocker = postJson(infer, body(65536));
      await until('the blocking run started', 5000, async () => (await metric(server.metricsUrl, 'modelship_batch_size_count{model="m"}')) === runsBefore + 1);
      const floats = Buffer.from(new Float32Array(256).fill(1).buffer);
      const request = { modelName: 'm', inputs: [{ name: 'x', datatype: 'FP32', shape: [1n, 256n] }, { name: 'n', datatype: 'UINT8', shape: [1n] }], rawInputContents: [floats, Buffer.alloc(1)] };
      const bytes = toBinary(ModelInferRequestSchema, create(ModelInferRequestSchema, request));
      // Cancelled once it waits behind the blocking run (a deadline would race the server's own pace on a loaded machine).
      const cancel = new AbortController();
      const abandoned = grpcFailure(grpc.raw('/inference.GRPCInferenceService/ModelInfer', bytes, 60_000, cancel.signal));
      await until('the call queued', 5000, async () => (await metric(server.metricsUrl, 'modelship_queue_length{model="m"}')) === 1);
      cancel.abort();
      assert.equal((await abandoned).code, GrpcStatus.CANCELLED);
      await until('the call dropped from the queue', 5000, async () => (await metric(server.metricsUrl, 'modelship_queue_dropped_total{model="m",reason="client_closed"}')) === droppedBefore + 1);
      assert.equal((await blocker).status, 200);
      const reply = await grpc.call('ModelInfer', ModelInferRequestSchema, request, ModelInferResponseSchema);
      assert.equal(reply.modelName, 'm');
      // The blocker and the call after it ran; the cancelled one never did.
      assert.equal(await metric(server.metricsUrl, 'modelship_batch_size_count{model="m"}'), runsBefore + 2);
    } finally {
      grpc.close();
    }
  });
});

describe('the queue timeout', () => {
  it('answers a request still queued after --queue-timeout-ms with 503 and Retry-After, counted as a timeout', async () => {
    const server = await startTestServer(blockingModel(tempDir()), ['--workers', '1', '--intra-op-threads', '1', '--queue-timeout-ms', '200']);
    try {
      const infer = `${server.url}/v2/models/m/infer`;
      const blocker = postJson(infer, body(32768));
      await until('the blocking run started', 5000, async () => (await metric(server.metricsUrl, 'modelship_batch_size_count{model="m"}')) === 1);
      const late = await postJson(infer, body(1));
      assert.equal(late.status, 503);
      assert.match(late.body.error, /waited longer than the queue timeout \(200 ms\)/);
      assert.equal(late.headers.get('retry-after'), '1');
      assert.equal(await metric(server.metricsUrl, 'modelship_queue_dropped_total{model="m",reason="timeout"}'), 1);
      assert.equal((await blocker).status, 200);
    } finally {
      await server.close();
    }
  });
});
