// `make bench-grpc`: gRPC against binary REST on the same server (issue 14:
// gRPC throughput at least that of binary REST at c=64). For each example
// model (iris: 4 features, where protocol overhead is nearly all the cost;
// the MNIST-shaped MLP: 784 features), the real server with batching on and
// one worker, at c=64: binary REST under autocannon, gRPC (raw_input_contents)
// under ghz, a Go client, so the client costs the shared cores little. The
// server runs pinned to one core and the load generator to another where the
// machine has two (BENCH_PIN). Configurations are interleaved over
// BENCH_ROUNDS rounds; medians. The figure that matters on a shared machine
// is the server's CPU per request (utime+stime of all its threads from
// /proc, over the requests answered): throughput moves with the neighbours.
//
// BENCH_BASELINE=<dir>: also measure the runtime of another checkout (say,
// /work/main before a change) in the same rounds, so "before" and "after"
// are side by side in one record. BENCH_PROFILE=1: run the servers under
// node --cpu-prof and print the top self-time functions per thread.
// BENCH_RATE=<req/s>: open loop at that rate instead of closed loop.
// Writes bench/results/grpc-<ts>.{json,md}.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runGhz } from '../runtime/ghz.ts';
import { formatProfiles, summarizeProfiles } from '../runtime/profile-summary.ts';
import { grpcInferRequest, inferRequest } from '../runtime/requests.ts';
import { runLoad } from '../runtime/run-load.ts';
import { formatSample, measureServerLoad, type ServerLoadSample } from '../runtime/server-load.ts';
import { startServer } from '../runtime/server-process.ts';
import { median, round, writeRecord } from '../runtime/stats.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const env = process.env;
const num = (name: string, fallback: number) => (env[name] ? Number(env[name]) : fallback);
const pin = env.BENCH_PIN === undefined ? os.availableParallelism() >= 2 : env.BENCH_PIN === '1';
const CONFIG = Object.freeze({
  durationS: num('BENCH_DURATION_S', 8),
  warmupS: num('BENCH_WARMUP_S', 2),
  rounds: num('BENCH_ROUNDS', 3),
  concurrency: num('BENCH_CONCURRENCY', 64),
  // Open loop at this many requests/s (0: closed loop). On a machine other work keeps busy, both
  // protocols at one rate the server can sustain compare CPU per request at equal batching.
  rate: num('BENCH_RATE', 0) || undefined,
  maxBatchSize: num('BENCH_MAX_BATCH_SIZE', 32),
  models: (env.BENCH_MODELS ?? 'iris,mnist').split(',').filter(Boolean),
  baseline: env.BENCH_BASELINE || undefined,
  profile: env.BENCH_PROFILE === '1',
  serverCpus: pin ? '0' : undefined,
  loadCpus: pin ? '1' : undefined,
});

interface Model {
  name: string;
  path: string;
  features: number;
  reference: string;
}
const MODELS: Readonly<Record<string, Model>> = {
  iris: { name: 'iris', path: 'examples/models/iris.onnx', features: 4, reference: 'examples/models/iris.reference.json' },
  mnist: { name: 'mnist', path: 'examples/models/mnist-mlp.onnx', features: 784, reference: 'examples/models/mnist-mlp.reference.json' },
};

type Protocol = 'binary' | 'grpc';
interface Variant {
  model: Model;
  protocol: Protocol;
  /** 'this' (the checkout running the benchmark) or 'baseline' (BENCH_BASELINE). */
  runtime: 'this' | 'baseline';
}
const label = (v: Variant) => `${v.model.name} ${v.protocol}${CONFIG.baseline === undefined ? '' : ` ${v.runtime}`}`;

interface Sample extends ServerLoadSample {
  variant: string;
  round: number;
}

function firstRow(model: Model): Float32Array {
  const ref = JSON.parse(readFileSync(path.join(REPO, model.reference), 'utf8')) as { inputs: Array<{ data: number[] }> };
  return Float32Array.from(ref.inputs[0]!.data.slice(0, model.features));
}

async function measure(v: Variant, roundNo: number, scratch: string, profileDir: string): Promise<Sample> {
  const root = v.runtime === 'this' ? REPO : CONFIG.baseline!;
  const server = await startServer({
    repoRoot: root,
    modelName: v.model.name,
    modelPath: path.join(REPO, v.model.path),
    maxBatchSize: CONFIG.maxBatchSize,
    maxQueueDelayMs: 2,
    maxQueueSize: 1024,
    workers: 1,
    nodeArgs: CONFIG.profile ? ['--cpu-prof', `--cpu-prof-dir=${path.join(profileDir, `${label(v).replaceAll(' ', '-')}-${roundNo}`)}`] : [],
    extraArgs: ['--intra-op-threads', '1', '--inter-op-threads', '1', '--access-log', 'false'],
    cpus: CONFIG.serverCpus,
  });
  try {
    const row = firstRow(v.model);
    const bodyFile = path.join(scratch, `${v.model.name}-${v.protocol}.body`);
    const load = (connections: number, durationS: number, rate?: number) => {
      if (v.protocol === 'grpc') {
        writeFileSync(bodyFile, grpcInferRequest(v.model.name, 'input', row));
        return runGhz({ target: server.grpcTarget, call: 'inference.GRPCInferenceService/ModelInfer', bodyFile, connections, durationS, rate, cpus: CONFIG.loadCpus });
      }
      const request = inferRequest('binary', 'input', row);
      writeFileSync(bodyFile, request.body);
      return runLoad({ url: `${server.baseUrl}/v2/models/${v.model.name}/infer`, bodyFile, headers: request.headers, connections, durationS, rate }, CONFIG.loadCpus);
    };
    if (CONFIG.warmupS > 0) await load(8, CONFIG.warmupS);
    const sample: Sample = { variant: label(v), round: roundNo, ...(await measureServerLoad(server, () => load(CONFIG.concurrency, CONFIG.durationS, CONFIG.rate))) };
    console.log(`  round ${roundNo} ${sample.variant.padEnd(24)} ${formatSample(sample)}`);
    return sample;
  } finally {
    await server.stop();
  }
}

function commitOf(dir: string): string {
  try {
    return execFileSync('git', ['-C', dir, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<void> {
  const models = CONFIG.models.map((m) => {
    const model = MODELS[m];
    if (!model) throw new Error(`BENCH_MODELS: unknown model '${m}' (known: ${Object.keys(MODELS).join(', ')})`);
    return model;
  });
  const runtimes = CONFIG.baseline === undefined ? (['this'] as const) : (['baseline', 'this'] as const);
  const variants: Variant[] = models.flatMap((model) => runtimes.flatMap((runtime) => (['binary', 'grpc'] as const).map((protocol) => ({ model, protocol, runtime }))));
  const startedAt = new Date();
  const loadBefore = os.loadavg();
  // Taken before the run: a checkout may move while it lasts.
  const commits = { this: commitOf(REPO), baseline: CONFIG.baseline === undefined ? undefined : commitOf(CONFIG.baseline) };
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'modelship-bench-grpc-'));
  const profileDir = path.join(REPO, 'bench/results/profiles', `grpc-${startedAt.toISOString().replace(/[:.]/g, '-')}`);
  const samples: Sample[] = [];
  console.log(
    `gRPC vs binary REST: ${models.map((m) => m.name).join(', ')}, c=${CONFIG.concurrency}${CONFIG.rate === undefined ? '' : ` at ${CONFIG.rate} req/s`}, ${CONFIG.durationS} s x ${CONFIG.rounds} rounds, ` +
      `server on CPU ${CONFIG.serverCpus ?? 'any'}, load generator on CPU ${CONFIG.loadCpus ?? 'any'}, load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')}`,
  );
  try {
    for (let r = 1; r <= CONFIG.rounds; r++) {
      // Alternate the order each round, so neither side always runs first.
      const order = r % 2 === 1 ? variants : [...variants].reverse();
      for (const v of order) samples.push(await measure(v, r, scratch, profileDir));
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const summary = variants.map((v) => {
    const of = samples.filter((s) => s.variant === label(v));
    const med = (f: (s: Sample) => number) => round(median(of.map(f)), 3);
    return { variant: label(v), model: v.model.name, protocol: v.protocol, runtime: v.runtime, throughputRps: med((s) => s.throughputRps), p50Ms: med((s) => s.p50Ms), p99Ms: med((s) => s.p99Ms), cpuUsPerRequest: med((s) => s.cpuUsPerRequest), serverCores: med((s) => s.serverCores), loadGeneratorCores: med((s) => s.loadGeneratorCores) };
  });
  const find = (model: string, protocol: Protocol, runtime: string) => summary.find((s) => s.model === model && s.protocol === protocol && s.runtime === runtime)!;
  const ratios = models.flatMap((m) =>
    runtimes.map((runtime) => {
      const g = find(m.name, 'grpc', runtime);
      const b = find(m.name, 'binary', runtime);
      return { model: m.name, runtime, throughput: round(g.throughputRps / b.throughputRps, 2), cpuPerRequest: round(g.cpuUsPerRequest / b.cpuUsPerRequest, 2), pass: g.throughputRps >= b.throughputRps };
    }),
  );
  const loadAfter = os.loadavg();
  const lines = [
    `# gRPC vs binary REST (${startedAt.toISOString()})`,
    '',
    `\`make bench-grpc\` (bench/grpc/main.ts): batching on (max ${CONFIG.maxBatchSize}, 2 ms), 1 worker, 1 intra-op thread, c=${CONFIG.concurrency}${CONFIG.rate === undefined ? ' (closed loop)' : `, open loop at ${CONFIG.rate} req/s`}; binary REST under autocannon, gRPC under ghz; ` +
      `server on CPU ${CONFIG.serverCpus ?? 'any'}, load generator on CPU ${CONFIG.loadCpus ?? 'any'}; ${CONFIG.durationS} s per run, ${CONFIG.rounds} interleaved rounds, medians. ` +
      `This runtime: ${commits.this}${CONFIG.baseline === undefined ? '' : `; baseline: ${CONFIG.baseline} at ${commits.baseline}`}. ` +
      `Machine: ${os.cpus().length} CPUs (${os.cpus()[0]?.model}), load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')} before, ${loadAfter.map((l) => l.toFixed(2)).join(' ')} after.`,
    '',
    '| configuration | req/s | p50 (ms) | p99 (ms) | server CPU per request (µs) | server cores | load generator cores |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...summary.map((s) => `| ${s.variant} | ${s.throughputRps} | ${s.p50Ms} | ${s.p99Ms} | ${s.cpuUsPerRequest} | ${s.serverCores} | ${s.loadGeneratorCores} |`),
    '',
    ...ratios.map((r) => {
      const who = `${r.model}${CONFIG.baseline === undefined ? '' : ` (${r.runtime})`}`;
      // Open loop, both answer the offered rate: only the CPU it cost says anything.
      const throughput = CONFIG.rate === undefined ? `gRPC / binary REST throughput ${r.throughput} (${r.pass ? 'PASS' : 'MISS'}, target >= 1 at c=64); ` : '';
      return `- ${who}: ${throughput}gRPC / binary REST server CPU per request ${r.cpuPerRequest}x.`;
    }),
    '',
  ];
  console.log(`\n${lines.join('\n')}`);
  let profiles: Record<string, unknown> | undefined;
  if (CONFIG.profile) {
    profiles = Object.fromEntries(readdirSync(profileDir).map((run) => [run, summarizeProfiles(path.join(profileDir, run), 20)]));
    for (const [run, s] of Object.entries(profiles)) console.log(`--- ${run}\n${formatProfiles(s as ReturnType<typeof summarizeProfiles>)}`);
  }
  const written = writeRecord(REPO, 'grpc', startedAt, { startedAt, config: CONFIG, machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version, loadavgBefore: loadBefore, loadavgAfter: loadAfter }, commits, samples, summary, ratios, ...(profiles ? { profiles } : {}) }, lines);
  console.log(`wrote ${written}.{json,md}`);
}

await main();
