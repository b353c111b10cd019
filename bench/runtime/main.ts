// `make bench`: the runtime benchmark of issue 2. Measures onnxruntime-node
// in-process on the MNIST-shaped MLP, then the real server on the same model
// under autocannon (a separate process) at each concurrency with batching off
// and on (JSON, binary REST and gRPC; gRPC's load generator is its own
// process too), prints both side by side with the target ratios and the gRPC
// to binary REST throughput ratio, and writes
// bench/results/runtime-<timestamp>.json and runtime-latest.json.
//
// Settings come from the environment (BENCH_*), read only here; see
// bench/README.md. Exit status is 0 unless a configuration failed to run, or
// a target is missed with BENCH_STRICT=1.
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { measureInProcess } from './in-process.ts';
import { README, renderReadme } from './readme.ts';
import type { LoadSpec } from './load-generator.ts';
import { runLoad } from './run-load.ts';
import { formatProfiles, summarizeProfiles } from './profile-summary.ts';
import type { GrpcLoadSpec } from './grpc-load-generator.ts';
import { decodeGrpcOutput, decodeOutput, GRPC_INFER, grpcInferRequest, inferRequest, type Format } from './requests.ts';
import { startNodeServer, startServer, type RunningServer } from './server-process.ts';
import { round } from './stats.ts';
import { evaluateTargets, formatReport, type Batching, type Scenario, type Target } from './targets.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const MODEL_PATH = 'examples/models/mnist-mlp.onnx';
const REFERENCE = 'examples/models/mnist-mlp.reference.json';
const MODEL_NAME = 'mnist';
const FEATURES = 784;

interface Config {
  durationS: number;
  warmupS: number;
  inProcessS: number;
  concurrencies: number[];
  formats: Format[];
  maxBatchSize: number;
  maxQueueDelayMs: number;
  maxQueueSize: number;
  workers: number;
  intraOpThreads: number;
  profile: boolean;
  strict: boolean;
  serverArgs: string[];
  resultsDir: string;
}

function readConfig(env: NodeJS.ProcessEnv): Config {
  const errors: string[] = [];
  const num = (name: string, fallback: number, min: number): number => {
    const raw = env[name];
    const value = raw === undefined || raw === '' ? fallback : Number(raw);
    if (!Number.isFinite(value) || value < min) errors.push(`${name}=${raw}: expected a number >= ${min}`);
    return value;
  };
  const list = (name: string, fallback: string): string[] =>
    (env[name] || fallback)
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  const concurrencies = list('BENCH_CONCURRENCY', '1,8,64').map(Number);
  if (concurrencies.some((c) => !Number.isInteger(c) || c < 1)) errors.push('BENCH_CONCURRENCY: expected positive integers');
  const formats = list('BENCH_FORMATS', 'json,binary,grpc');
  if (formats.some((f) => f !== 'json' && f !== 'binary' && f !== 'grpc')) errors.push('BENCH_FORMATS: expected json, binary and/or grpc');
  const config: Config = {
    durationS: num('BENCH_DURATION_S', 10, 1),
    warmupS: num('BENCH_WARMUP_S', 2, 0),
    inProcessS: num('BENCH_IN_PROCESS_S', 3, 0.5),
    concurrencies,
    formats: formats as Format[],
    maxBatchSize: num('BENCH_MAX_BATCH_SIZE', 32, 2),
    maxQueueDelayMs: num('BENCH_MAX_QUEUE_DELAY_MS', 2, 0),
    maxQueueSize: num('BENCH_MAX_QUEUE_SIZE', 1024, 1),
    // One worker = one onnxruntime session, like the in-process baseline, so
    // the ratios measure the server's overhead rather than extra sessions.
    workers: num('BENCH_WORKERS', 1, 1),
    // The same onnxruntime threading on both sides of every ratio.
    intraOpThreads: num('BENCH_INTRA_OP_THREADS', 1, 1),
    profile: env.BENCH_PROFILE === '1',
    strict: env.BENCH_STRICT === '1',
    // Access logging is an operator's choice with its own cost; the targets
    // are about the inference path, so it is off unless asked for.
    serverArgs: (env.BENCH_SERVER_ARGS ?? '--access-log false').split(' ').filter(Boolean),
    resultsDir: path.join(REPO, 'bench/results'),
  };
  if (errors.length) throw new Error(`invalid benchmark settings:\n  ${errors.join('\n  ')}`);
  return Object.freeze(config);
}

interface Reference {
  inputs: Array<{ data: number[]; shape: number[] }>;
  outputs: Array<{ data: number[] }>;
}

function loadRows(): { rows: Float32Array[]; logits: number[][] } {
  const ref = JSON.parse(readFileSync(path.join(REPO, REFERENCE), 'utf8')) as Reference;
  const input = ref.inputs[0]!;
  const count = input.shape[0]!;
  const rows = Array.from({ length: count }, (_, i) => Float32Array.from(input.data.slice(i * FEATURES, (i + 1) * FEATURES)));
  const logits = Array.from({ length: count }, (_, i) => ref.outputs[0]!.data.slice(i * 10, (i + 1) * 10));
  return { rows, logits };
}

/** One request, checked against the reference logits, before any load. */
async function checkServer(server: RunningServer, format: Format, row: Float32Array, expected: number[]): Promise<void> {
  if (format === 'grpc') {
    const { Client, credentials, Metadata } = await import('@grpc/grpc-js');
    const client = new Client(server.grpcTarget, credentials.createInsecure());
    try {
      const reply = await new Promise<Buffer>((resolve, reject) => {
        const id = (b: Buffer): Buffer => b;
        client.makeUnaryRequest(GRPC_INFER, id, id, grpcInferRequest(MODEL_NAME, 'input', row), new Metadata(), { deadline: Date.now() + 10_000 }, (e, r) => (e ? reject(e) : resolve(r as Buffer)));
      });
      compareLogits(format, decodeGrpcOutput(reply, 'logits'), expected);
    } finally {
      client.close();
    }
    return;
  }
  const request = inferRequest(format, 'input', row);
  const res = await fetch(`${server.baseUrl}/v2/models/${MODEL_NAME}/infer`, {
    method: 'POST',
    headers: request.headers,
    body: request.body,
    signal: AbortSignal.timeout(10_000),
  });
  const body = Buffer.from(await res.arrayBuffer());
  if (res.status !== 200) throw new Error(`${format} inference answered ${res.status}: ${body.toString().slice(0, 300)}`);
  compareLogits(format, decodeOutput(body, res.headers.get('inference-header-content-length'), 'logits'), expected);
}

function compareLogits(format: Format, logits: Float32Array, expected: number[]): void {
  const bad = expected.findIndex((e, i) => !(Math.abs((logits[i] ?? Number.NaN) - e) <= 1e-4 + 1e-4 * Math.abs(e)));
  if (logits.length !== expected.length || bad !== -1) {
    throw new Error(`${format} inference returned wrong logits: ${Array.from(logits).join(',')} (expected ${expected.join(',')})`);
  }
}

async function measure(
  server: RunningServer,
  format: Format,
  label: string,
  bodyDir: string,
  row: Float32Array,
  concurrencies: readonly number[],
  config: Config,
): Promise<Array<Omit<Scenario, 'batching'>>> {
  const bodyFile = path.join(bodyDir, `${format}.body`);
  const request = format === 'grpc' ? undefined : inferRequest(format, 'input', row);
  writeFileSync(bodyFile, request?.body ?? grpcInferRequest(MODEL_NAME, 'input', row));
  const spec = (connections: number, durationS: number): LoadSpec | GrpcLoadSpec =>
    request === undefined
      ? { target: server.grpcTarget, method: GRPC_INFER, bodyFile, connections, durationS }
      : { url: `${server.baseUrl}/v2/models/${MODEL_NAME}/infer`, bodyFile, headers: request.headers, connections, durationS };
  if (config.warmupS > 0) await runLoad(spec(8, config.warmupS));
  const results: Array<Omit<Scenario, 'batching'>> = [];
  for (const concurrency of concurrencies) {
    // CPU shares are taken over the wall time of the whole child run (start
    // and drain included), so they read slightly low, never above the cores.
    const cpuBefore = server.cpuSeconds();
    const machineBefore = machineBusySeconds();
    const wallStart = performance.now();
    const r = await runLoad(spec(concurrency, config.durationS));
    const wallS = (performance.now() - wallStart) / 1000;
    const cpuAfter = server.cpuSeconds();
    const machineAfter = machineBusySeconds();
    const s = {
      concurrency,
      durationS: round(r.durationS),
      throughputRps: r.throughputRps,
      latency: r.latency,
      non2xx: r.non2xx,
      errors: r.errors,
      timeouts: r.timeouts,
      serverCores: cpuBefore === undefined || cpuAfter === undefined ? undefined : (cpuAfter - cpuBefore) / wallS,
      loadGeneratorCores: r.cpuCores,
      machineCores: machineBefore === undefined || machineAfter === undefined ? undefined : (machineAfter - machineBefore) / wallS,
    };
    results.push(s);
    console.log(
      `  ${label} c=${concurrency}: ${round(s.throughputRps, 0)} req/s, p50 ${round(s.latency.p50Ms)} ms, p99 ${round(s.latency.p99Ms)} ms, ` +
        `cores busy: server ${s.serverCores?.toFixed(2) ?? '?'}, load generator ${s.loadGeneratorCores.toFixed(2)}, ` +
        `whole machine ${s.machineCores?.toFixed(2) ?? '?'} of ${os.availableParallelism()}` +
        (s.non2xx + s.errors + s.timeouts ? `, ${s.non2xx} non-2xx, ${s.errors} errors, ${s.timeouts} timeouts` : ''),
    );
  }
  return results;
}

async function benchServer(
  config: Config,
  format: Format,
  batching: Batching,
  bodyDir: string,
  rows: Float32Array[],
  logits: number[][],
  profileDir: string,
): Promise<Scenario[]> {
  const server = await startServer({
    repoRoot: REPO,
    modelName: MODEL_NAME,
    modelPath: MODEL_PATH,
    maxBatchSize: batching === 'on' ? config.maxBatchSize : 1,
    maxQueueDelayMs: config.maxQueueDelayMs,
    maxQueueSize: config.maxQueueSize,
    workers: config.workers,
    nodeArgs: config.profile ? ['--cpu-prof', `--cpu-prof-dir=${path.join(profileDir, `${format}-batching-${batching}`)}`] : [],
    extraArgs: ['--intra-op-threads', String(config.intraOpThreads), '--inter-op-threads', '1', ...config.serverArgs],
  });
  try {
    await checkServer(server, format, rows[0]!, logits[0]!);
    const results = await measure(server, format, `${format} batching ${batching}`, bodyDir, rows[0]!, config.concurrencies, config);
    return results.map((r) => ({ batching, ...r }));
  } finally {
    await server.stop();
  }
}

/**
 * The same load on a bare node:http server that parses each body and
 * answers a fixed reply without inference: what HTTP and parsing alone allow.
 */
async function benchCeiling(config: Config, format: Format, bodyDir: string, row: Float32Array): Promise<Omit<Scenario, 'batching'>> {
  const server = await startNodeServer(REPO, (port) => ['bench/runtime/ceiling-server.ts', String(port)]);
  try {
    const top = Math.max(...config.concurrencies);
    const [result] = await measure(server, format, `${format} HTTP ceiling (no inference)`, bodyDir, row, [top], config);
    return result!;
  } finally {
    await server.stop();
  }
}

/** gRPC throughput over binary REST throughput, per batching mode and concurrency both measured. */
function protocolRatios(byFormat: Record<string, { scenarios: Scenario[] }>): Array<{ batching: Batching; concurrency: number; grpcRps: number; binaryRps: number; ratio: number }> {
  const grpc = byFormat['grpc']?.scenarios ?? [];
  const binary = byFormat['binary']?.scenarios ?? [];
  return grpc.flatMap((g) => {
    const b = binary.find((s) => s.batching === g.batching && s.concurrency === g.concurrency);
    return b === undefined ? [] : [{ batching: g.batching, concurrency: g.concurrency, grpcRps: g.throughputRps, binaryRps: b.throughputRps, ratio: g.throughputRps / b.throughputRps }];
  });
}

/** Busy CPU seconds of the whole machine so far, from /proc/stat (Linux). */
function machineBusySeconds(): number | undefined {
  try {
    // user nice system idle iowait irq softirq steal (guest time is already inside user/nice).
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
    const busy = cpu.reduce((a, b) => a + b, 0) - (cpu[3] ?? 0) - (cpu[4] ?? 0) - (cpu[7] ?? 0);
    return busy / 100;
  } catch {
    return undefined;
  }
}

function machine(): Record<string, unknown> {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model,
    availableParallelism: os.availableParallelism(),
    loadavg: os.loadavg().map((l) => round(l, 2)),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
}

async function main(): Promise<void> {
  const config = readConfig(process.env);
  const { rows, logits } = loadRows();
  const startedAt = new Date();
  const machineBefore = machine();
  console.log(
    `runtime benchmark: ${MODEL_PATH}, ${config.durationS} s per scenario, concurrency ${config.concurrencies.join('/')}, ` +
      `formats ${config.formats.join('/')}, maxBatchSize ${config.maxBatchSize}, maxQueueDelay ${config.maxQueueDelayMs} ms, ` +
      `workers ${config.workers}, ${machineBefore.cpus} CPUs, load average ${(machineBefore.loadavg as number[]).join(' ')}`,
  );

  const sessionOptions = { intraOpNumThreads: config.intraOpThreads, interOpNumThreads: 1 };
  console.log('in-process onnxruntime-node ...');
  const inProcess = await measureInProcess({
    modelPath: path.join(REPO, MODEL_PATH),
    inputName: 'input',
    rows,
    features: FEATURES,
    batchSize: config.maxBatchSize,
    durationS: config.inProcessS,
    sessionOptions,
  });

  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const profileDir = path.join(config.resultsDir, 'profiles', stamp);
  const bodyDir = mkdtempSync(path.join(os.tmpdir(), 'modelship-bench-'));
  const byFormat: Record<string, { scenarios: Scenario[]; ceiling: Omit<Scenario, 'batching'> | undefined; targets: Target[]; errors: string[] }> = {};
  try {
    for (const format of config.formats) {
      const scenarios: Scenario[] = [];
      const errors: string[] = [];
      for (const batching of ['off', 'on'] as const) {
        console.log(`server, ${format} requests, batching ${batching} ...`);
        try {
          scenarios.push(...(await benchServer(config, format, batching, bodyDir, rows, logits, profileDir)));
        } catch (err) {
          // One failed configuration (say, no binary extension yet) should
          // not throw away the others' numbers; it is reported and counted.
          const message = err instanceof Error ? err.message : String(err);
          console.error(`  FAILED: ${message}`);
          errors.push(`batching ${batching}: ${message}`);
        }
      }
      let ceiling: Omit<Scenario, 'batching'> | undefined;
      // The bare-HTTP ceiling is a REST measurement; gRPC has no counterpart here.
      if (format !== 'grpc') {
        try {
          ceiling = await benchCeiling(config, format, bodyDir, rows[0]!);
        } catch (err) {
          errors.push(`HTTP ceiling: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      byFormat[format] = { scenarios, ceiling, targets: evaluateTargets(scenarios, inProcess), errors };
    }
  } finally {
    rmSync(bodyDir, { recursive: true, force: true });
  }

  let missed = 0;
  let failed = 0;
  for (const [format, { scenarios, ceiling, targets, errors }] of Object.entries(byFormat)) {
    console.log(`\n=== ${format} requests (server) vs in-process onnxruntime-node ===`);
    console.log(formatReport(scenarios, inProcess, targets));
    if (ceiling) {
      console.log(
        `info: bare node:http + parse, no inference, c=${ceiling.concurrency}: ${round(ceiling.throughputRps, 0)} req/s ` +
          `(${round(ceiling.throughputRps / inProcess.batched.throughputRowsPerS, 3)} x in-process batched): the most target (a) can reach over HTTP here`,
      );
    }
    for (const e of errors) console.log(`FAILED ${e}`);
    missed += targets.filter((t) => !t.pass).length;
    failed += errors.length;
  }

  const grpcVsBinary = protocolRatios(byFormat);
  for (const r of grpcVsBinary) {
    console.log(`gRPC vs binary REST, batching ${r.batching}, c=${r.concurrency}: ${round(r.grpcRps, 0)} vs ${round(r.binaryRps, 0)} req/s = ${round(r.ratio, 2)} x (target >= 1 at c=64)`);
  }

  let profiles: Record<string, ReturnType<typeof summarizeProfiles>> | undefined;
  if (config.profile) {
    profiles = Object.fromEntries(readdirSync(profileDir).map((run) => [run, summarizeProfiles(path.join(profileDir, run), 15)]));
    console.log(`\nCPU profiles in ${path.relative(REPO, profileDir)}; top self time per thread (main, then workers):`);
    for (const [run, summaries] of Object.entries(profiles)) console.log(`--- ${run}\n${formatProfiles(summaries)}`);
  }

  const result = {
    benchmark: 'runtime',
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    model: MODEL_PATH,
    config,
    machine: { ...machineBefore, loadavgAfter: machine().loadavg },
    inProcess,
    formats: byFormat,
    grpcVsBinary,
    ...(profiles ? { profiles } : {}),
  };
  mkdirSync(config.resultsDir, { recursive: true });
  const json = JSON.stringify(result, null, 1) + '\n';
  const file = path.join(config.resultsDir, `runtime-${stamp}.json`);
  writeFileSync(file, json);
  writeFileSync(path.join(config.resultsDir, 'runtime-latest.json'), json);
  console.log(`\nresults: ${path.relative(REPO, file)} (and runtime-latest.json)`);
  // The README's figures are generated from the records: keep them in step.
  if (path.resolve(config.resultsDir) === path.resolve(REPO, 'bench', 'results')) writeFileSync(README, renderReadme());
  if (failed > 0 || (config.strict && missed > 0)) process.exitCode = 1;
}

await main();
