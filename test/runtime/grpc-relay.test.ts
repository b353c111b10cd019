// gRPC in Service mode, as REST does it (variant-forward.test.ts,
// mirror.test.ts): two runtimes as processes, `main` and `b`, and a gRPC
// client. A ModelInfer call reaching main with the variant header in its
// metadata is forwarded to b's gRPC port and answered by b; every answer
// names its variant in a trailer; a forwarded call is never forwarded again;
// an unreachable variant is UNAVAILABLE naming it; and main copies every
// call it served itself to b (--mirror-grpc-target), after answering,
// counted in modelship_mirror_requests_total.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { GRPCInferenceService, ModelInferRequestSchema, ModelInferResponseSchema, type ModelInferResponse } from '../../runtime/src/grpc/gen/grpc_predict_v2_pb.ts';
import { GrpcTestClient } from './support/grpc.ts';
import { doubleModel, tempDir } from './support/models.ts';
import { startChildServer, type ChildServer } from './support/server.ts';

const PATH = `/${GRPCInferenceService.typeName}/ModelInfer`;
const request = Buffer.from(toBinary(ModelInferRequestSchema, create(ModelInferRequestSchema, {
  modelName: 'm',
  inputs: [{ name: 'x', datatype: 'FP32', shape: [1n, 4n], contents: { fp32Contents: [1, 2, 3, 4] } }],
})));

/** One ModelInfer call with `metadata`: its reply (or error) and its trailer. */
function call(client: GrpcTestClient, metadata: Record<string, string>): Promise<{ reply?: ModelInferResponse; error?: ServiceError; trailer: Metadata }> {
  const md = new Metadata();
  for (const [k, v] of Object.entries(metadata)) md.set(k, v);
  return new Promise((resolve) => {
    let outcome: { reply?: ModelInferResponse; error?: ServiceError } | undefined;
    let trailer: Metadata | undefined;
    const settle = () => { if (outcome !== undefined && trailer !== undefined) resolve({ ...outcome, trailer }); };
    const c = client.client.makeUnaryRequest(PATH, (b: Buffer) => b, (b: Buffer) => b, request, md, { deadline: Date.now() + 20_000 }, (error, value) => {
      outcome = error ? { error } : { reply: fromBinary(ModelInferResponseSchema, value as Buffer) };
      settle();
    });
    c.on('status', (s) => { trailer = s.metadata; settle(); });
  });
}

async function counter(server: ChildServer, pattern: RegExp): Promise<number> {
  const text = await (await fetch(`${server.metricsUrl}/metrics`)).text();
  return [...text.matchAll(new RegExp(pattern.source, 'gm'))].reduce((n, m) => n + Number(m[1]), 0);
}

const GRPC_SERVED = /^modelship_requests_total\{[^}]*protocol="grpc"[^}]*\} (\d+)/;
const COPIES_SENT = /^modelship_mirror_requests_total\{[^}]*outcome="sent"[^}]*\} (\d+)/;

describe('gRPC pinning and shadow copies in Service mode (--variant-grpc-routes, --mirror-grpc-target)', () => {
  let main: ChildServer;
  let b: ChildServer;
  let client: GrpcTestClient;
  before(async () => {
    const model = doubleModel(tempDir());
    b = await startChildServer(model, ['--variant', 'b', '--variant-header', 'x-experiment']);
    main = await startChildServer(model, [
      '--variant', 'main', '--variant-header', 'x-experiment',
      '--variant-grpc-routes', `b=127.0.0.1:${b.grpcPort},gone=127.0.0.1:9`,
      '--mirror-grpc-target', `127.0.0.1:${b.grpcPort}`, '--mirror-percent', '100',
    ]);
    client = new GrpcTestClient(main.grpcPort);
  });
  after(async () => {
    client?.close();
    for (const s of [main, b]) {
      s?.child.kill('SIGTERM');
      await s?.exited;
    }
  });

  it('forwards a pinned call to its variant, serves the rest and copies what it served to the shadow', async () => {
    const before = await counter(b, GRPC_SERVED);
    for (let i = 0; i < 10; i++) {
      const pinned = await call(client, { 'x-experiment': 'b' });
      assert.equal(pinned.error, undefined, pinned.error?.details);
      assert.deepEqual(pinned.trailer.get('x-experiment'), ['b'], 'answered by b');
      assert.equal(pinned.reply?.outputs[0]?.name, 'y', 'the answer of the model, relayed');
    }
    for (const metadata of [{}, { 'x-experiment': 'main' }, { 'x-experiment': 'zzz' }] as Array<Record<string, string>>) {
      for (let i = 0; i < 5; i++) {
        const own = await call(client, metadata);
        assert.equal(own.error, undefined, own.error?.details);
        assert.deepEqual(own.trailer.get('x-experiment'), ['main'], `served by main: ${JSON.stringify(metadata)}`);
      }
    }
    // 15 calls main served itself, each copied once after its answer; b served 10 pinned calls and 15 copies.
    const sent = await waitFor(() => counter(main, COPIES_SENT), 15);
    assert.equal(sent, 15);
    assert.equal(await waitFor(() => counter(b, GRPC_SERVED), before + 25), before + 25);
  });

  it('never forwards a forwarded call again; an unreachable variant is UNAVAILABLE naming it', async () => {
    const again = await call(client, { 'x-experiment': 'b', 'x-modelship-forwarded': 'elsewhere' });
    assert.deepEqual(again.trailer.get('x-experiment'), ['main']);
    const gone = await call(client, { 'x-experiment': 'gone' });
    assert.equal(gone.error?.code, status.UNAVAILABLE);
    assert.match(gone.error?.details ?? '', /variant gone could not be reached/);
  });
});

/** Polls `read` until it returns `want` (bounded: 20 s), then returns the last value. */
async function waitFor(read: () => Promise<number>, want: number): Promise<number> {
  let last = await read();
  for (const deadline = Date.now() + 20_000; last !== want && Date.now() < deadline; last = await read()) await new Promise((r) => setTimeout(r, 200));
  return last;
}
