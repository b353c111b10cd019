// The runtime's gRPC port with the standard Python clients, unmodified:
// Triton's tritonclient.grpc and KServe's InferenceGRPCClient (pinned in
// grpc-clients.requirements.txt, installed by `make grpc-clients-venv`).
// grpc-clients.py sends each example model's reference inputs as binary
// (raw) contents in one multi-row request, asks for a subset of outputs, then
// all of them (kserve: as typed contents), and compares with the reference
// outputs; plus health, metadata and NOT_FOUND for an unknown model.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { startTestServer, type TestServer } from './support/server.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const VENV = join(process.env['XDG_CACHE_HOME'] || join(homedir(), '.cache'), 'modelship', 'venv-grpc-clients');
const PYTHON = join(VENV, 'bin', 'python');
const SCRIPT = join(import.meta.dirname, 'grpc-clients.py');
const MODELS = ['iris', 'mnist-mlp'];

describe('standard Python gRPC clients', () => {
  const servers = new Map<string, TestServer>();
  before(async () => {
    assert.ok(existsSync(join(VENV, '.installed')), `the client venv is missing: run \`make grpc-clients-venv\` (${VENV})`);
    for (const model of MODELS) servers.set(model, await startTestServer(join(ROOT, `examples/models/${model}.onnx`), [], model));
  });
  after(async () => {
    for (const server of servers.values()) await server.close();
  });

  for (const client of ['triton', 'kserve'] as const) {
    for (const model of MODELS) {
      it(`${client}: ${model} reference outputs from binary multi-row requests, requested outputs, health, metadata, NOT_FOUND`, async (t) => {
        const server = servers.get(model)!;
        const { stdout } = await promisify(execFile)(PYTHON, [SCRIPT, client, `127.0.0.1:${server.running.grpcPort}`, model, join(ROOT, `examples/models/${model}.reference.json`)], {
          timeout: 120_000,
          env: { PATH: process.env['PATH'] ?? '', PYTHONDONTWRITEBYTECODE: '1' },
        });
        const report = JSON.parse(stdout.trim().split('\n').at(-1)!) as { client: string; version: string; results: Record<string, unknown> };
        t.diagnostic(`${report.client} ${report.version}: ${JSON.stringify(report.results)}`);
        assert.equal(report.client, client);
        assert.ok(((report.results[model] as { rows: number }).rows) > 1, 'a multi-row batch');
        assert.equal(report.results['unknown_model'], 'StatusCode.NOT_FOUND');
        // The calls went through the gRPC front end (not REST).
        const metrics = await (await fetch(`${server.metricsUrl}/metrics`)).text();
        assert.match(metrics, new RegExp(`modelship_requests_total\\{model="${model}",protocol="grpc",code="200"\\} [1-9]`));
      });
    }
  }
});
