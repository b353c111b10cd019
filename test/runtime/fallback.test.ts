// Fallbacks against the real server: a slow primary overloaded past its queue
// and its deadline is answered by a static response (no 503s, every fallback
// answer well before the primary could have run it); a primary that fails on
// some inputs has those answered by a second ONNX model on its own worker,
// over REST (header + parameters.fallback) and gRPC (parameter + trailing
// metadata), the rest by the primary. Counted in modelship_fallback_total.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { ModelInferRequestSchema } from '../../runtime/src/grpc/gen/grpc_predict_v2_pb.ts';
import { decodeBinaryData } from '../../runtime/src/protocol/binary.ts';
import { GrpcTestClient, inferWithTrailer } from './support/grpc.ts';
import { doubleModel, lookupModel, minusOneModel, tempDir } from './support/models.ts';
import { postJson, startTestServer, type TestServer } from './support/server.ts';

// The real worker, wrapped: a run whose first input starts with -2 blocks its thread for 3 s.
const FAULT_WORKER = new URL('./support/fault-worker.ts', import.meta.url);

async function fallbackCount(metricsUrl: string, reason: string): Promise<number> {
  const text = await (await fetch(`${metricsUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`modelship_fallback_total{model="m",reason="${reason}"}`));
  return Number(line?.split(' ').at(-1) ?? Number.NaN);
}

describe('a static fallback for a saturated primary', () => {
  let server: TestServer;
  const DEFAULT = { outputs: [{ name: 'y', datatype: 'FP32', shape: [1, 4], data: [0, 0, 0, 0] }] };
  before(async () => {
    const flags = ['--workers', '1', '--max-queue-size', '3', '--fallback-response', JSON.stringify(DEFAULT), '--fallback-deadline-ms', '300'];
    server = await startTestServer(doubleModel(tempDir()), flags, 'm', { workerUrl: FAULT_WORKER });
  });
  after(() => server.close());

  it('answers every request past the queue or the deadline from the fallback: no 503, each long before the primary frees up', async () => {
    const infer = `${server.url}/v2/models/m/infer`;
    const row = (first: number) => ({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: [first, 1, 2, 3] }] });
    const blocking = postJson(infer, row(-2));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = performance.now();
    const answers = await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        const answer = await postJson(infer, row(i));
        return { ...answer, ms: performance.now() - started };
      }),
    );
    for (const a of answers) {
      assert.equal(a.status, 200, JSON.stringify(a.body));
      assert.equal(a.headers.get('x-modelship-fallback'), 'true');
      assert.deepEqual(a.body.parameters, { fallback: true });
      assert.deepEqual(a.body.outputs[0].data, [0, 0, 0, 0]);
      // The primary's worker is blocked for 3 s: a fallback answer comes at the deadline (300 ms) or at once.
      assert.ok(a.ms < 2500, `answered after ${Math.round(a.ms)} ms`);
    }
    const primary = await blocking;
    assert.equal(primary.status, 200);
    assert.equal(primary.headers.get('x-modelship-fallback'), null);
    assert.equal(primary.body.parameters, undefined);
    assert.deepEqual(primary.body.outputs[0].data, [-4, 2, 4, 6]);
    const [full, deadline] = [await fallbackCount(server.metricsUrl, 'queue_full'), await fallbackCount(server.metricsUrl, 'deadline')];
    assert.equal(full + deadline, 10);
    // At least the three that filled the queue waited past the deadline; on a slow machine late arrivals may queue after them.
    assert.ok(deadline >= 3 && full >= 1, `queue_full ${full}, deadline ${deadline}`);
    assert.equal(await fallbackCount(server.metricsUrl, 'error'), 0);
  });

  it('repeats a one-row default for each row of a batch request', async () => {
    // The worker is free again: nothing falls back.
    const { status, body, headers } = await postJson(`${server.url}/v2/models/m/infer`, { inputs: [{ name: 'x', datatype: 'FP32', shape: [2, 4], data: [1, 1, 1, 1, 2, 2, 2, 2] }] });
    assert.equal(status, 200);
    assert.equal(headers.get('x-modelship-fallback'), null);
    assert.deepEqual(body.outputs[0].data, [2, 2, 2, 2, 4, 4, 4, 4]);
  });
});

describe('a fallback model for a primary that fails on some inputs', () => {
  let server: TestServer;
  let grpc: GrpcTestClient;
  before(async () => {
    const dir = tempDir();
    server = await startTestServer(lookupModel(dir), ['--fallback-model-path', minusOneModel(dir), '--fallback-on', 'error'], 'm');
    grpc = new GrpcTestClient(server.running.grpcPort);
  });
  after(async () => {
    grpc.close();
    await server.close();
  });

  const lookup = (i: number) => ({ inputs: [{ name: 'i', datatype: 'INT64', shape: [1, 1], data: [i] }] });

  it('answers the inputs the primary fails on from the fallback model, the rest from the primary, also when they share a batch', async () => {
    const values = [0, 9, 1, 2, -5, 3, 7, 0];
    const answers = await Promise.all(values.map((i) => postJson(`${server.url}/v2/models/m/infer`, lookup(i))));
    answers.forEach((a, k) => {
      const i = values[k] as number;
      const bad = i < 0 || i > 3;
      assert.equal(a.status, 200, JSON.stringify(a.body));
      assert.deepEqual(a.body.outputs[0].data, [bad ? -1 : (i + 1) * 10], `i=${i}`);
      assert.equal(a.headers.get('x-modelship-fallback'), bad ? 'true' : null, `i=${i}`);
      assert.deepEqual(a.body.parameters, bad ? { fallback: true } : undefined, `i=${i}`);
    });
    assert.equal(await fallbackCount(server.metricsUrl, 'error'), 3);
  });

  it('marks a v1 answer with the header', async () => {
    const { status, body, headers } = await postJson(`${server.url}/v1/models/m:predict`, { instances: [[8]] });
    assert.equal(status, 200);
    assert.deepEqual(body.predictions, [[-1]]);
    assert.equal(headers.get('x-modelship-fallback'), 'true');
  });

  it('marks a gRPC answer with parameters.fallback and trailing metadata', async () => {
    const call = (i: number) => inferWithTrailer(grpc, create(ModelInferRequestSchema, { modelName: 'm', inputs: [{ name: 'i', datatype: 'INT64', shape: [1n, 1n], contents: { int64Contents: [BigInt(i)] } }] }));
    const bad = await call(11);
    assert.deepEqual(decodeBinaryData(bad.reply.rawOutputContents[0] ?? new Uint8Array(), 'FP32', 1, 'y'), new Float32Array([-1]));
    assert.equal(bad.reply.parameters.fallback?.parameterChoice.case, 'boolParam');
    assert.equal(bad.reply.parameters.fallback?.parameterChoice.value, true);
    assert.deepEqual(bad.trailer.get('x-modelship-fallback'), ['true']);
    const good = await call(2);
    assert.deepEqual(decodeBinaryData(good.reply.rawOutputContents[0] ?? new Uint8Array(), 'FP32', 1, 'y'), new Float32Array([30]));
    assert.equal(good.reply.parameters.fallback, undefined);
    assert.deepEqual(good.trailer.get('x-modelship-fallback'), []);
  });
});

describe('fallback configuration refused at start', () => {
  it('refuses a fallback model that cannot stand in for the primary, and a response with an unknown output', async () => {
    const dir = tempDir();
    const primary = lookupModel(dir);
    await assert.rejects(startTestServer(primary, ['--fallback-model-path', doubleModel(dir)], 'm'), /the fallback model cannot stand in for 'm': it takes input 'x', which the primary model does not/);
    await assert.rejects(
      startTestServer(primary, ['--fallback-response', JSON.stringify({ outputs: [{ name: 'z', datatype: 'FP32', shape: [1], data: [0] }] })], 'm'),
      /--fallback-response outputs\[0\]: model 'm' has no output 'z'; it returns 'y'/,
    );
  });
});
