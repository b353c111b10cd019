// `make bench-peer`: the runtime against KServe's Python ModelServer (issue 14,
// "Benchmarks"), both serving the same ONNX model with onnxruntime under the
// same thread settings (one intra-op, one inter-op thread; the runtime with one
// worker and batching on, as it ships), each server pinned to CPU 0 in turn
// and the load generator to CPU 1 (BENCH_PIN). The same load generators for
// both: autocannon for REST (v2 JSON, and the binary tensor data extension),
// ghz for gRPC (raw_input_contents). For each model (iris, the MNIST-shaped
// MLP), each protocol and each concurrency (1, 64): requests/s, p50/p99, and
// the server's CPU per request (utime+stime of all its threads from /proc,
// over the requests answered), and the ratios runtime / peer. Each server
// first answers one request per protocol checked against the model's
// reference outputs. Servers alternate order each round; medians over
// BENCH_ROUNDS. Targets (issue 14): at c=64 at least 12x the peer's
// throughput with at most 1/6 of its p99; CPU per request at c=64 at most
// 50 µs on iris over binary REST or gRPC. Writes bench/results/peer-<ts>.{json,md}.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, credentials, Metadata } from '@grpc/grpc-js';
import { runGhz } from '../runtime/ghz.ts';
import { decodeGrpcOutput, decodeOutput, GRPC_INFER, grpcInferRequest, inferRequest } from '../runtime/requests.ts';
import { runLoad } from '../runtime/run-load.ts';
import { formatSample, measureServerLoad, type ServerLoadSample } from '../runtime/server-load.ts';
import { freePort, startProcess, startServer, type RunningServer } from '../runtime/server-process.ts';
import { median, round, writeRecord } from '../runtime/stats.ts';
import { peerRatios, peerTargets, type PeerSummary } from './targets.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const env = process.env;
const num = (name: string, fallback: number) => (env[name] ? Number(env[name]) : fallback);
const list = (name: string, fallback: string) => (env[name] || fallback).split(',').map((s) => s.trim()).filter(Boolean);
const pin = env.BENCH_PIN === undefined ? os.availableParallelism() >= 2 : env.BENCH_PIN === '1';
const VENV = path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'modelship', 'venv-kserve');
const CONFIG = Object.freeze({
  durationS: num('BENCH_DURATION_S', 8),
  warmupS: num('BENCH_WARMUP_S', 2),
  rounds: num('BENCH_ROUNDS', 1),
  concurrencies: list('BENCH_CONCURRENCY', '1,64').map(Number),
  protocols: list('BENCH_FORMATS', 'json,binary,grpc') as Protocol[],
  models: list('BENCH_MODELS', 'iris,mnist'),
  maxBatchSize: num('BENCH_MAX_BATCH_SIZE', 32),
  serverCpus: pin ? '0' : undefined,
  loadCpus: pin ? '1' : undefined,
  venv: VENV,
});

type Protocol = 'json' | 'binary' | 'grpc';
type ServerName = 'modelship' | 'kserve';

interface Model {
  name: string;
  path: string;
  features: number;
  reference: string;
  /** The FP32 output checked against the reference. */
  output: string;
  outputWidth: number;
}
const MODELS: Readonly<Record<string, Model>> = {
  iris: { name: 'iris', path: 'examples/models/iris.onnx', features: 4, reference: 'examples/models/iris.reference.json', output: 'probabilities', outputWidth: 3 },
  mnist: { name: 'mnist', path: 'examples/models/mnist-mlp.onnx', features: 784, reference: 'examples/models/mnist-mlp.reference.json', output: 'logits', outputWidth: 10 },
};

interface Reference {
  inputs: Array<{ data: number[] }>;
  outputs: Array<{ name: string; data: number[] }>;
}

interface Sample extends ServerLoadSample {
  round: number;
  server: ServerName;
  model: string;
  protocol: Protocol;
  concurrency: number;
}

async function startPeer(server: ServerName, model: Model): Promise<RunningServer> {
  const modelPath = path.join(REPO, model.path);
  if (server === 'modelship') {
    return startServer({
      repoRoot: REPO,
      modelName: model.name,
      modelPath,
      maxBatchSize: CONFIG.maxBatchSize,
      maxQueueDelayMs: 2,
      maxQueueSize: 1024,
      workers: 1,
      nodeArgs: [],
      extraArgs: ['--intra-op-threads', '1', '--inter-op-threads', '1', '--access-log', 'false'],
      cpus: CONFIG.serverCpus,
    });
  }
  const [http, grpc] = [await freePort(), await freePort()];
  const python = path.join(CONFIG.venv, 'bin', 'python');
  const argv = [python, 'bench/peer/kserve_server.py', '--model_name', model.name, '--model_path', modelPath, '--http_port', String(http), '--grpc_port', String(grpc), '--workers', '1'];
  // One thread for numpy's BLAS too, as for onnxruntime: the peer gets the same single core.
  const running = await startProcess(REPO, CONFIG.serverCpus === undefined ? argv : ['taskset', '-c', CONFIG.serverCpus, ...argv], `http://127.0.0.1:${http}`, { ...env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' });
  return { ...running, grpcTarget: `127.0.0.1:${grpc}` };
}

function floatsClose(got: Float32Array, expected: readonly number[]): boolean {
  return got.length === expected.length && expected.every((e, i) => Math.abs((got[i] ?? Number.NaN) - e) <= 1e-4 + 1e-4 * Math.abs(e));
}

/** One request per protocol, its output checked against the reference, before any load. */
async function check(server: RunningServer, name: ServerName, model: Model, protocol: Protocol, row: Float32Array, expected: readonly number[]): Promise<void> {
  let got: Float32Array;
  if (protocol === 'grpc') {
    const client = new Client(server.grpcTarget, credentials.createInsecure());
    try {
      const id = (b: Buffer): Buffer => b;
      const reply = await new Promise<Buffer>((resolve, reject) => {
        client.makeUnaryRequest(GRPC_INFER, id, id, grpcInferRequest(model.name, 'input', row), new Metadata(), { deadline: Date.now() + 10_000 }, (e, r) => (e ? reject(e) : resolve(r as Buffer)));
      });
      got = decodeGrpcOutput(reply, model.output);
    } finally {
      client.close();
    }
  } else {
    const request = inferRequest(protocol, 'input', row);
    const res = await fetch(`${server.baseUrl}/v2/models/${model.name}/infer`, { method: 'POST', headers: request.headers, body: request.body, signal: AbortSignal.timeout(10_000) });
    const body = Buffer.from(await res.arrayBuffer());
    if (res.status !== 200) throw new Error(`${name} ${protocol} answered ${res.status}: ${body.toString().slice(0, 300)}`);
    got = decodeOutput(body, res.headers.get('inference-header-content-length'), model.output);
  }
  if (!floatsClose(got, expected)) throw new Error(`${name} ${protocol} returned ${Array.from(got).join(',')} for ${model.name}, expected ${expected.join(',')}`);
}

async function measure(server: RunningServer, name: ServerName, model: Model, protocol: Protocol, row: Float32Array, scratch: string, roundNo: number): Promise<Sample[]> {
  const bodyFile = path.join(scratch, `${model.name}-${protocol}.body`);
  const load = (connections: number, durationS: number) => {
    if (protocol === 'grpc') {
      writeFileSync(bodyFile, grpcInferRequest(model.name, 'input', row));
      return runGhz({ target: server.grpcTarget, call: 'inference.GRPCInferenceService/ModelInfer', bodyFile, connections, durationS, cpus: CONFIG.loadCpus });
    }
    const request = inferRequest(protocol, 'input', row);
    writeFileSync(bodyFile, request.body);
    return runLoad({ url: `${server.baseUrl}/v2/models/${model.name}/infer`, bodyFile, headers: request.headers, connections, durationS }, CONFIG.loadCpus);
  };
  if (CONFIG.warmupS > 0) await load(8, CONFIG.warmupS);
  const samples: Sample[] = [];
  for (const concurrency of CONFIG.concurrencies) {
    const s: Sample = { round: roundNo, server: name, model: model.name, protocol, concurrency, ...(await measureServerLoad(server, () => load(concurrency, CONFIG.durationS))) };
    console.log(`  round ${roundNo} ${name.padEnd(9)} ${model.name.padEnd(5)} ${protocol.padEnd(6)} c=${String(concurrency).padEnd(3)} ${formatSample(s)}`);
    samples.push(s);
  }
  return samples;
}

async function benchServer(name: ServerName, model: Model, scratch: string, roundNo: number): Promise<Sample[]> {
  const reference = JSON.parse(readFileSync(path.join(REPO, model.reference), 'utf8')) as Reference;
  const row = Float32Array.from(reference.inputs[0]!.data.slice(0, model.features));
  const expected = reference.outputs.find((o) => o.name === model.output)!.data.slice(0, model.outputWidth);
  const server = await startPeer(name, model);
  try {
    for (const protocol of CONFIG.protocols) await check(server, name, model, protocol, row, expected);
    const samples: Sample[] = [];
    for (const protocol of CONFIG.protocols) samples.push(...(await measure(server, name, model, protocol, row, scratch, roundNo)));
    return samples;
  } catch (error) {
    throw new Error(`${name} on ${model.name}: ${error instanceof Error ? error.message : String(error)}\n${server.output().slice(-2000)}`, { cause: error });
  } finally {
    await server.stop();
  }
}

function summarize(samples: readonly Sample[]): PeerSummary[] {
  const keys = new Map<string, Sample>();
  for (const s of samples) keys.set(`${s.server}/${s.model}/${s.protocol}/${s.concurrency}`, s);
  return [...keys.values()].map((k) => {
    const of = samples.filter((s) => s.server === k.server && s.model === k.model && s.protocol === k.protocol && s.concurrency === k.concurrency);
    const med = (f: (s: Sample) => number) => round(median(of.map(f)), 3);
    return { server: k.server, model: k.model, protocol: k.protocol, concurrency: k.concurrency, throughputRps: med((s) => s.throughputRps), p50Ms: med((s) => s.p50Ms), p99Ms: med((s) => s.p99Ms), cpuUsPerRequest: med((s) => s.cpuUsPerRequest), serverCores: med((s) => s.serverCores), loadGeneratorCores: med((s) => s.loadGeneratorCores), failed: of.reduce((n, s) => n + s.failed, 0) };
  });
}

async function main(): Promise<void> {
  const models = CONFIG.models.map((m) => {
    const model = MODELS[m];
    if (!model) throw new Error(`BENCH_MODELS: unknown model '${m}' (known: ${Object.keys(MODELS).join(', ')})`);
    return model;
  });
  const startedAt = new Date();
  const loadBefore = os.loadavg();
  console.log(
    `peer benchmark: modelship vs KServe ModelServer (${CONFIG.venv}), ${models.map((m) => m.name).join('/')}, ${CONFIG.protocols.join('/')}, c=${CONFIG.concurrencies.join('/')}, ` +
      `${CONFIG.durationS} s per run, ${CONFIG.rounds} rounds, server on CPU ${CONFIG.serverCpus ?? 'any'}, load generator on CPU ${CONFIG.loadCpus ?? 'any'}, load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')}`,
  );
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'modelship-bench-peer-'));
  const samples: Sample[] = [];
  try {
    for (let r = 1; r <= CONFIG.rounds; r++) {
      for (const model of models) {
        const order: ServerName[] = r % 2 === 1 ? ['modelship', 'kserve'] : ['kserve', 'modelship'];
        for (const server of order) samples.push(...(await benchServer(server, model, scratch, r)));
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const summary = summarize(samples);
  const ratios = peerRatios(summary);
  const targets = peerTargets(summary, ratios);
  const loadAfter = os.loadavg();
  const lines = [
    `# Runtime vs KServe's Python ModelServer (${startedAt.toISOString()})`,
    '',
    `\`make bench-peer\` (bench/peer/main.ts): modelship (batching on, max ${CONFIG.maxBatchSize}, 2 ms; 1 worker) and KServe ${'0.21.0'} ModelServer (bench/peer/kserve_server.py, Python onnxruntime 1.32.0), ` +
      `both with 1 intra-op and 1 inter-op onnxruntime thread; server on CPU ${CONFIG.serverCpus ?? 'any'}, load generator (autocannon for REST, ghz for gRPC) on CPU ${CONFIG.loadCpus ?? 'any'}; ` +
      `${CONFIG.durationS} s per run, ${CONFIG.rounds} round(s), medians. Machine: ${os.cpus().length} CPUs (${os.cpus()[0]?.model}), load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')} before, ${loadAfter.map((l) => l.toFixed(2)).join(' ')} after (other work shares these cores).`,
    '',
    // Server cores: on a busy machine the scheduler shares a core per runnable thread, so a server
    // with more busy threads gets more of CPU 0; CPU per request does not depend on that share.
    '| model | protocol | c | modelship req/s | KServe req/s | throughput ratio | modelship p50 / p99 (ms) | KServe p50 / p99 (ms) | p99 ratio (KServe / modelship) | modelship CPU/req (µs) | KServe CPU/req (µs) | CPU/req ratio (KServe / modelship) | server cores modelship / KServe |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...ratios.map((r) => `| ${r.model} | ${r.protocol} | ${r.concurrency} | ${r.modelship.throughputRps} | ${r.kserve.throughputRps} | ${r.throughput}x | ${r.modelship.p50Ms} / ${r.modelship.p99Ms} | ${r.kserve.p50Ms} / ${r.kserve.p99Ms} | ${r.p99}x | ${r.modelship.cpuUsPerRequest} | ${r.kserve.cpuUsPerRequest} | ${r.cpu}x | ${r.modelship.serverCores} / ${r.kserve.serverCores} |`),
    '',
    ...targets.map((t) => `- ${t.pass ? 'PASS' : 'MISS'}: ${t.name}: ${t.value}`),
    ...(summary.some((s) => s.failed > 0) ? [`- failed calls: ${summary.filter((s) => s.failed > 0).map((s) => `${s.server} ${s.model} ${s.protocol} c=${s.concurrency}: ${s.failed}`).join('; ')}`] : []),
    '',
  ];
  console.log(`\n${lines.join('\n')}`);
  const written = writeRecord(REPO, 'peer', startedAt, { startedAt, config: CONFIG, machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version, loadavgBefore: loadBefore, loadavgAfter: loadAfter }, samples, summary, ratios, targets }, lines);
  console.log(`wrote ${written}.{json,md}`);
}

await main();
