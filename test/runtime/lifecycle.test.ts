// Start-up and failure paths of the real process: readiness stays false until
// the model is loaded and warmed up (liveness answers meanwhile), a model that
// cannot load exits 1, a bad configuration exits 2 naming every problem.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { createLogger } from '../../common/src/logger.ts';
import { parseServeConfig } from '../../runtime/src/config.ts';
import { startServer } from '../../runtime/src/server.ts';
import { slowModel, tempDir } from './support/models.ts';
import { MAIN, postJson, startChildServer } from './support/server.ts';
import { doubleModel } from './support/models.ts';

function run(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/**
 * Whether the CUDA execution provider can run here: an NVIDIA device node and
 * onnxruntime's CUDA provider library beside its Node binding (the npm package
 * installs it only when asked to).
 */
function cudaHere(): { usable: boolean; why: string } {
  if (!existsSync('/dev/nvidia0')) return { usable: false, why: 'no /dev/nvidia0' };
  const binding = dirname(createRequire(import.meta.url).resolve('onnxruntime-node'));
  const libraries = join(binding, '..', 'bin', `napi-v6`, process.platform, process.arch);
  const found = existsSync(libraries) && readdirSync(libraries).some((f) => f.startsWith('libonnxruntime_providers_cuda'));
  return found ? { usable: true, why: `a GPU and ${libraries}/libonnxruntime_providers_cuda` } : { usable: false, why: `a GPU, but no libonnxruntime_providers_cuda in ${libraries}` };
}
const CUDA = cudaHere();

/** The provider the server reports, checked against its metrics. */
async function providerOf(server: { url: string; metricsUrl: string }): Promise<string> {
  const metadata = (await (await fetch(`${server.url}/v2/models/m`)).json()) as { parameters: { execution_provider: string } };
  const provider = metadata.parameters.execution_provider;
  const metrics = await (await fetch(`${server.metricsUrl}/metrics`)).text();
  assert.ok(metrics.includes(`modelship_execution_provider_info{model="m",provider="${provider}"} 1`), `the metrics report ${provider}`);
  return provider;
}

describe('runtime lifecycle', () => {
  it('is live but not ready until the model is loaded and warmed up', async () => {
    // Two workers each loading and warming up the slow model: a window of well over 100 ms.
    const config = parseServeConfig(['--model-name', 'm', '--model-path', slowModel(tempDir()), '--host', '127.0.0.1', '--port', '0', '--grpc-port', '0', '--metrics-port', '0', '--workers', '2', '--access-log', 'false'], {}, 2);
    const running = await startServer(config, createLogger({ component: 'test', silent: true }));
    const url = `http://127.0.0.1:${running.port}`;
    try {
      const [live, ready, infer] = await Promise.all([
        fetch(`${url}/v2/health/live`),
        fetch(`${url}/v2/health/ready`),
        postJson(`${url}/v2/models/m/infer`, { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 256], data: new Array(256).fill(0) }] }),
      ]);
      assert.equal(live.status, 200);
      assert.equal(ready.status, 503);
      assert.deepEqual(await ready.json(), { ready: false });
      assert.equal(infer.status, 503);
      assert.equal(infer.headers.get('retry-after'), '5');
      assert.match(infer.body.error, /still loading/);
      await running.ready;
      assert.equal((await fetch(`${url}/v2/health/ready`)).status, 200);
    } finally {
      await running.shutdown();
    }
  });

  it('falls back from CUDA to CPU with a warning where CUDA is unavailable, and reports cpu', async (t) => {
    if (CUDA.usable) {
      t.skip(`CUDA is usable here (${CUDA.why}): the fallback needs a machine without it`);
      return;
    }
    const server = await startChildServer(doubleModel(tempDir()), ['--execution-providers', 'cuda,cpu', '--workers', '1']);
    try {
      assert.equal(await providerOf(server), 'cpu');
      assert.match(server.output(), /"level":"warn","message":"CUDA is not available; running on CPU"/);
      const reply = await postJson(`${server.url}/v2/models/m/infer`, { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] }] });
      assert.deepEqual(reply.body.outputs[0].data, [2, 4, 6, 8]);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });

  it('runs on CUDA where a GPU and the CUDA provider are present, and reports cuda', async (t) => {
    if (!CUDA.usable) {
      t.skip(`no CUDA here (${CUDA.why})`);
      return;
    }
    const server = await startChildServer(doubleModel(tempDir()), ['--execution-providers', 'cuda,cpu', '--workers', '1']);
    try {
      assert.equal(await providerOf(server), 'cuda');
      assert.doesNotMatch(server.output(), /CUDA is not available/);
      const reply = await postJson(`${server.url}/v2/models/m/infer`, { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] }] });
      assert.deepEqual(reply.body.outputs[0].data, [2, 4, 6, 8]);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });

  it('exits 1 when the model cannot be loaded', async () => {
    const { code, output } = await run(['--model-name', 'm', '--model-path', '/nonexistent/model.onnx', '--host', '127.0.0.1', '--port', '0', '--grpc-port', '0', '--metrics-port', '0']);
    assert.equal(code, 1);
    assert.match(output, /"message":"loading the model failed"/);
  });

  it('exits 2 listing every configuration error', async () => {
    const { code, output } = await run(['--port', 'eighty', '--max-batch-size', '0']);
    assert.equal(code, 2);
    for (const problem of ['--model-name (or MODELSHIP_MODEL_NAME) is required', '--port must be an integer', '--max-batch-size must be an integer']) {
      assert.ok(output.includes(problem), `${problem} in:\n${output}`);
    }
  });
});
