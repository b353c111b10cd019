// Valid models that a warm-up on zeros cannot run (test/runtime/warmup/
// generate.py builds them with onnx and records one correct request each):
// every one must start and serve, a failed warm-up is a warning, and warm-up
// samples come from --warmup-path or the training profile. The constant
// model (no inputs) answers a request with an empty inputs list, over REST and gRPC.
import assert from 'node:assert/strict';
import { copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { ModelInferRequestSchema, ModelInferResponseSchema } from '../../runtime/src/grpc/gen/grpc_predict_v2_pb.ts';
import { decodeBinaryData } from '../../runtime/src/protocol/binary.ts';
import { GrpcTestClient } from './support/grpc.ts';
import { tempDir } from './support/models.ts';
import { postJson, startChildServer, startTestServer } from './support/server.ts';

const MODELS = fileURLToPath(new URL('./warmup/models/', import.meta.url));

interface Case {
  readonly why: string;
  readonly request: { inputs: unknown[] };
  readonly outputs: { name: string; datatype: string; shape: number[]; data: number[] }[];
}

const CASES = readdirSync(MODELS)
  .filter((f) => f.endsWith('.onnx'))
  .map((f) => ({ name: f.replace(/\.onnx$/, ''), path: join(MODELS, f), ...(JSON.parse(readFileSync(join(MODELS, f.replace(/\.onnx$/, '.json')), 'utf8')) as Case) }));

describe('models a warm-up on zeros cannot run', () => {
  it('has the generated set to test', () => {
    assert.deepEqual(CASES.map((c) => c.name).sort(), ['constant', 'range-delta-input', 'reshape-fixed', 'reshape-shape-input', 'slice-step-input', 'split-fixed']);
  });

  for (const c of CASES) {
    it(`${c.name} starts and answers a correct request (${c.why})`, async () => {
      const server = await startTestServer(c.path, [], c.name);
      try {
        const { status, body } = await postJson(`${server.url}/v2/models/${c.name}/infer`, c.request);
        assert.equal(status, 200, JSON.stringify(body));
        assert.deepEqual(body.outputs, c.outputs);
      } finally {
        await server.close();
      }
    });
  }

  it('the constant model answers an empty inputs list over gRPC too, and names what a model with inputs misses', async () => {
    const constant = CASES.find((c) => c.name === 'constant');
    const server = await startTestServer(constant?.path ?? '', [], 'constant');
    const client = new GrpcTestClient(server.running.grpcPort);
    try {
      const reply = await client.call('ModelInfer', ModelInferRequestSchema, { modelName: 'constant', inputs: [] }, ModelInferResponseSchema);
      assert.deepEqual(reply.outputs.map((o) => [o.name, o.datatype, o.shape]), [['y', 'FP32', [3n]]]);
      assert.deepEqual(decodeBinaryData(reply.rawOutputContents[0] ?? new Uint8Array(), 'FP32', 3, 'y'), new Float32Array([1.5, 2.5, 3.5]));
      const missing = await postJson(`${server.url}/v2/models/constant/infer`, { inputs: [{ name: 'x', datatype: 'FP32', shape: [1], data: [1] }] });
      assert.equal(missing.status, 400);
      assert.match(missing.body.error, /unknown input 'x'; model 'constant' takes $/);
    } finally {
      client.close();
      await server.close();
    }
  });
});

describe('warm-up samples', () => {
  const reshape = CASES.find((c) => c.name === 'reshape-fixed') as (typeof CASES)[number];

  it('logs a failed warm-up on zeros as a warning and serves', async () => {
    const child = await startChildServer(reshape.path, [], 'reshape');
    try {
      const warning = child.output().split('\n').find((l) => l.includes('the warm-up run failed'));
      assert.ok(warning, child.output());
      const line = JSON.parse(warning) as Record<string, string>;
      assert.equal(line.level, 'warn');
      assert.equal(line.source, 'metadata');
      assert.match(line.error ?? '', /requested shape/);
      assert.equal((await postJson(`${child.url}/v2/models/reshape/infer`, reshape.request)).status, 200);
    } finally {
      child.child.kill('SIGTERM');
      await child.exited;
    }
  });

  it('runs the samples of --warmup-path, then of the profile beside the model, without a warning', async () => {
    const dir = tempDir();
    const file = join(dir, 'warmup.json');
    writeFileSync(file, JSON.stringify([reshape.request]));
    const model = join(dir, 'reshape.onnx');
    copyFileSync(reshape.path, model);
    writeFileSync(join(dir, 'reshape.profile.json'), JSON.stringify({ version: 1, inputs: [{ name: 'x', datatype: 'FP32', features: [] }], outputs: [], warmup: [reshape.request] }));
    for (const [path, flags] of [[reshape.path, ['--warmup-path', file]], [model, []]] as const) {
      const child = await startChildServer(path, flags, 'reshape');
      try {
        assert.doesNotMatch(child.output(), /warm-up run failed/);
        assert.equal((await postJson(`${child.url}/v2/models/reshape/infer`, reshape.request)).status, 200);
      } finally {
        child.child.kill('SIGTERM');
        await child.exited;
      }
    }
  });

  it('refuses to start with a warm-up file that does not fit the model', async () => {
    const dir = tempDir();
    const file = join(dir, 'warmup.json');
    writeFileSync(file, JSON.stringify({ inputs: [{ name: 'nope', datatype: 'FP32', shape: [1], data: [1] }] }));
    await assert.rejects(startTestServer(reshape.path, ['--warmup-path', file], 'reshape'), /warm-up file .*warmup.json, sample 0: unknown input 'nope'/);
  });
});
