// Hostile input on the gRPC port against a running server (child process):
// about 800 generated malformed or lying ModelInfer messages, plus garbage
// that is not HTTP/2 at all. Every one gets a clear status (never INTERNAL
// or UNKNOWN) with a message; afterwards the server is live and ready, answers
// a valid inference over both protocols, and its memory is back near where it
// started.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { create, toBinary } from '@bufbuild/protobuf';
import { status, type ServiceError } from '@grpc/grpc-js';
import { ModelInferRequestSchema } from '../../runtime/src/grpc/gen/grpc_predict_v2_pb.ts';
import { GrpcTestClient } from './support/grpc.ts';
import { grpcHostileCases, validInit } from './support/grpc-hostile.ts';
import { doubleModel, tempDir } from './support/models.ts';
import { postJson, rssOf, startChildServer, type ChildServer } from './support/server.ts';

const MAX_MESSAGE = 1024 * 1024;
const INFER = '/inference.GRPCInferenceService/ModelInfer';
/** The statuses a client mistake may get: never INTERNAL or UNKNOWN (a server bug) or UNAVAILABLE (a crash). */
const CLIENT_ERRORS = new Set([status.INVALID_ARGUMENT, status.NOT_FOUND, status.RESOURCE_EXHAUSTED]);

async function validRounds(client: GrpcTestClient, n: number): Promise<void> {
  const bytes = toBinary(ModelInferRequestSchema, create(ModelInferRequestSchema, validInit()));
  for (let i = 0; i < n; i++) await client.raw(INFER, bytes);
}

/** Writes bytes to the gRPC port on a fresh connection; resolves once the server closes it or after 3 s. */
function garbage(port: number, bytes: string): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const timer = setTimeout(() => {
      socket.destroy();
      resolve();
    }, 3000);
    socket.on('data', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.on('error', () => {});
    socket.write(bytes);
  });
}

describe('hostile gRPC requests', () => {
  let server: ChildServer;
  let client: GrpcTestClient;
  before(async () => {
    server = await startChildServer(doubleModel(tempDir()), ['--grpc-max-message-bytes', String(MAX_MESSAGE), '--access-log', 'false', '--workers', '1']);
    client = new GrpcTestClient(server.grpcPort, { 'grpc.max_send_message_length': -1 });
  });
  after(async () => {
    client.close();
    server.child.kill('SIGTERM');
    await server.exited;
  });

  it('answers every one with a client-error status and a message, and keeps serving without growing', async (t) => {
    const cases = grpcHostileCases(7, MAX_MESSAGE);
    assert.ok(cases.length >= 700, `${cases.length} hostile cases`);
    await validRounds(client, 50);
    const rssBefore = await rssOf(server.child.pid as number);

    const failures: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < cases.length) {
        const c = cases[next++]!;
        try {
          await client.raw(INFER, c.bytes);
          if (!c.mayPass) failures.push(`${c.what}: answered OK`);
        } catch (error) {
          const e = error as ServiceError;
          if (!CLIENT_ERRORS.has(e.code) || !e.details) failures.push(`${c.what}: ${status[e.code]} ${JSON.stringify(e.details?.slice(0, 200))}`);
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    assert.deepEqual(failures, [], `${failures.length} of ${cases.length} hostile messages got no clear client-error status`);

    for (const bytes of ['GET / HTTP/1.1\r\nHost: x\r\n\r\n', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x04\x08\x00\x00\x00\x00\x00', '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03', 'x'.repeat(70_000)]) {
      await garbage(server.grpcPort, bytes);
    }
    const ready = await client.raw('/inference.GRPCInferenceService/ServerReady', new Uint8Array());
    assert.deepEqual([...ready], [0x08, 0x01], 'ServerReady: ready = true');
    assert.equal((await postJson(`${server.url}/v2/models/m/infer`, { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] }] })).status, 200);
    await validRounds(client, 200);
    const rssAfter = await rssOf(server.child.pid as number);
    const growth = (rssAfter - rssBefore) / 2 ** 20;
    t.diagnostic(`${cases.length} hostile gRPC messages; RSS ${(rssBefore / 2 ** 20).toFixed(1)} MiB before, ${(rssAfter / 2 ** 20).toFixed(1)} MiB after (${growth.toFixed(1)} MiB)`);
    assert.ok(growth < 48, `RSS grew ${growth.toFixed(1)} MiB over ${cases.length} hostile gRPC messages`);
    const inFlight = /modelship_requests_in_flight\{model="m"\} (\d+)/.exec(await (await fetch(`${server.metricsUrl}/metrics`)).text())?.[1];
    assert.equal(inFlight, '0', 'no call is left counted in flight');
    assert.equal(server.child.exitCode, null, 'the server is still running');
  });
});
