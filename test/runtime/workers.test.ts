// Worker supervision against the real server with real worker threads: the
// worker script is the real one wrapped by support/fault-worker.ts, which can
// kill its thread mid-run, hang a run, or fail to load. A dead worker fails
// only its own run (500) and is replaced; a hung run fails at
// --max-run-seconds; a replacement that cannot load turns the server unready
// and is retried with backoff; with no worker for --worker-recovery-seconds
// the runtime gives up. Model load failure in a child process: exit 1 with
// one line in the termination log.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../../common/src/logger.ts';
import { parseServeConfig } from '../../runtime/src/config.ts';
import { startServer, type RunningServer } from '../../runtime/src/server.ts';
import { blockingModel, doubleModel, tempDir } from './support/models.ts';
import { startTestServer } from './support/server.ts';
import { MAIN, postJson } from './support/server.ts';

const dir = tempDir('modelship-workers-');
const model = doubleModel(dir);
const FAIL_LOAD = join(dir, 'fail-load');
// Workers copy the environment when spawned: from now on every new one checks this file.
process.env.FAULT_WORKER_FAIL_LOAD = FAIL_LOAD;
const FAULT_WORKER = new URL('./support/fault-worker.ts', import.meta.url);

const row = (first: number) => ({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: [first, 1, 2, 3] }] });

interface Server {
  readonly url: string;
  readonly metricsUrl: string;
  readonly running: RunningServer;
}

async function start(flags: string[]): Promise<Server> {
  const config = parseServeConfig(['--model-name', 'm', '--model-path', model, '--host', '127.0.0.1', '--port', '0', '--grpc-port', '0', '--metrics-port', '0', '--access-log', 'false', ...flags], {}, 2);
  const running = await startServer(config, createLogger({ component: 'test', silent: true }), { workerUrl: FAULT_WORKER });
  await running.ready;
  return { url: `http://127.0.0.1:${running.port}`, metricsUrl: `http://127.0.0.1:${running.metricsPort}`, running };
}

/** Polls `check` every 50 ms until it returns true, failing after `ms`. */
async function until(what: string, ms: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(`${what} within ${ms} ms`);
}

async function metric(url: string, series: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

const readiness = async (url: string) => (await fetch(`${url}/v2/health/ready`)).status;

describe('a worker thread that dies or hangs', () => {
  let server: Server;
  before(async () => {
    rmSync(FAIL_LOAD, { force: true });
    server = await start(['--workers', '2', '--max-run-seconds', '0.5']);
  });
  after(() => server.running.shutdown());

  it('killed mid-run: its request gets 500, the other worker serves the next, a replacement loads', async () => {
    const killed = await postJson(`${server.url}/v2/models/m/infer`, row(-1));
    assert.equal(killed.status, 500);
    assert.match(killed.body.error, /the inference worker exited \(code 7\) during the run/);
    const next = await postJson(`${server.url}/v2/models/m/infer`, row(1));
    assert.equal(next.status, 200);
    assert.deepEqual(next.body.outputs[0].data, [2, 2, 4, 6]);
    await until('two workers loaded again', 10_000, async () => (await metric(server.metricsUrl, 'modelship_inference_workers{model="m"}')) === 2);
    assert.equal(await metric(server.metricsUrl, 'modelship_inference_worker_failures_total{model="m",reason="exited"}'), 1);
    assert.equal(await readiness(server.url), 200);
  });

  it('hung past --max-run-seconds: its request gets 500 at the limit and its worker is replaced', async () => {
    const started = performance.now();
    const hung = await postJson(`${server.url}/v2/models/m/infer`, row(-2));
    const seconds = (performance.now() - started) / 1000;
    assert.equal(hung.status, 500);
    assert.match(hung.body.error, /the run took longer than the limit of 0\.5 s \(--max-run-seconds\)/);
    assert.ok(seconds >= 0.5, `answered after ${seconds.toFixed(2)} s, not before the limit`);
    assert.equal((await postJson(`${server.url}/v2/models/m/infer`, row(1))).status, 200);
    await until('two workers loaded again', 10_000, async () => (await metric(server.metricsUrl, 'modelship_inference_workers{model="m"}')) === 2);
    assert.equal(await metric(server.metricsUrl, 'modelship_inference_worker_failures_total{model="m",reason="hung"}'), 1);
  });
});

describe('a run blocked in onnxruntime past --max-run-seconds (real model, no fault injection)', () => {
  it('fails with 500 at the limit, without aborting the process, and a replacement serves the next request', async () => {
    const server = await startTestServer(blockingModel(tempDir()), ['--workers', '1', '--max-run-seconds', '0.5', '--intra-op-threads', '1']);
    const body = (len: number) => ({
      inputs: [
        { name: 'x', datatype: 'FP32', shape: [1, 256], data: new Array(256).fill(1) },
        { name: 'n', datatype: 'UINT8', shape: [len], data: new Array(len).fill(0) },
      ],
    });
    try {
      const started = performance.now();
      const blocked = await postJson(`${server.url}/v2/models/m/infer`, body(32768));
      assert.equal(blocked.status, 500, JSON.stringify(blocked.body));
      assert.match(blocked.body.error, /longer than the limit of 0\.5 s \(--max-run-seconds\)/);
      assert.ok(performance.now() - started < 2500, 'answered at the limit, not when the run finished');
      await until('readiness 200 with the replacement', 15_000, async () => (await readiness(server.url)) === 200);
      const next = await postJson(`${server.url}/v2/models/m/infer`, body(1));
      assert.equal(next.status, 200);
      assert.equal(next.body.outputs[0].data[0], 1);
    } finally {
      await server.close();
    }
  });
});

describe('a replacement that fails to load', () => {
  it('turns the server unready (503s, not queueing) and is retried with backoff until one loads', async () => {
    rmSync(FAIL_LOAD, { force: true });
    const server = await start(['--workers', '1', '--worker-recovery-seconds', '60']);
    try {
      writeFileSync(FAIL_LOAD, '');
      assert.equal((await postJson(`${server.url}/v2/models/m/infer`, row(-1))).status, 500);
      await until('readiness 503', 5000, async () => (await readiness(server.url)) === 503);
      const refused = await postJson(`${server.url}/v2/models/m/infer`, row(1));
      assert.equal(refused.status, 503);
      assert.match(refused.body.error, /no inference worker is running/);
      assert.ok(Number(refused.headers.get('retry-after')) > 0);
      // Backoff 0.5 s, 1 s, ...: at least two failed attempts, then the next one succeeds.
      await until('two failed replacement attempts', 5000, async () => (await metric(server.metricsUrl, 'modelship_inference_worker_failures_total{model="m",reason="load_failed"}')) >= 2);
      assert.equal(server.running.state.phase, 'recovering');
      rmSync(FAIL_LOAD);
      await until('readiness 200 again', 15_000, async () => (await readiness(server.url)) === 200);
      assert.equal((await postJson(`${server.url}/v2/models/m/infer`, row(1))).status, 200);
    } finally {
      rmSync(FAIL_LOAD, { force: true });
      await server.running.shutdown();
    }
  });

  it('gives up after --worker-recovery-seconds with no worker, so the process can exit', async () => {
    rmSync(FAIL_LOAD, { force: true });
    const server = await start(['--workers', '1', '--worker-recovery-seconds', '1']);
    try {
      writeFileSync(FAIL_LOAD, '');
      const lostAt = performance.now();
      assert.equal((await postJson(`${server.url}/v2/models/m/infer`, row(-1))).status, 500);
      const error = await Promise.race([server.running.fatal, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 10_000))]);
      assert.ok(error, 'the runtime gave up within 10 s');
      const seconds = (performance.now() - lostAt) / 1000;
      assert.ok(seconds >= 1, `gave up after ${seconds.toFixed(2)} s, not before --worker-recovery-seconds`);
      assert.match(error.message, /no inference worker could be started for 1 s: loading .* failed: injected fault/);
      assert.equal(server.running.state.phase, 'failed');
      assert.equal(await readiness(server.url), 503);
    } finally {
      rmSync(FAIL_LOAD, { force: true });
      await server.running.shutdown();
    }
  });
});

describe('a model that fails to load (child process)', () => {
  it('exits with status 1 and leaves one concise line in the termination log', async () => {
    const bad = join(dir, 'broken.onnx');
    writeFileSync(bad, 'this is not an ONNX model');
    const log = join(dir, 'termination-log');
    writeFileSync(log, '');
    const child = spawn(process.execPath, [MAIN, '--model-name', 'm', '--model-path', bad, '--host', '127.0.0.1', '--port', '0', '--grpc-port', '0', '--metrics-port', '0', '--termination-log-path', log], { stdio: 'ignore' });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 1);
    const message = readFileSync(log, 'utf8');
    assert.match(message, new RegExp(`^loading ${bad.replaceAll('/', '\\/').replaceAll('.', '\\.')} failed: `));
    assert.doesNotMatch(message, /\n|"level"|maxBatchSize/, 'one line, no JSON log lines, no start-up configuration');
  });
});
