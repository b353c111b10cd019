// `make bench-drift`: what drift monitoring costs the runtime (issue 11). The
// real server on the MNIST-shaped MLP (784 features: the most drift work of
// the example models; batching on, v2 JSON) at c=64 under autocannon, in two
// configurations measured in one run and interleaved over BENCH_ROUNDS rounds:
// `off` (a copy of the model with no profile beside it) and `drift` (the same
// model with --profile-path examples/models/mnist-mlp.profile.json). Medians
// per configuration; target: drift costs at most 5% of throughput. Each drift
// run also reports how many requests the monitor counted and dropped (its
// queue sheds load rather than slowing requests). Writes
// bench/results/drift-<ts>.{json,md}.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inferRequest } from '../runtime/requests.ts';
import { runLoad } from '../runtime/run-load.ts';
import { startServer } from '../runtime/server-process.ts';
import { round, writeRecord } from '../runtime/stats.ts';
import { summarizeVariants, variantBenchConfig } from '../runtime/variants.ts';
import { createLogger } from '../../common/src/logger.ts';
import { DriftMonitor } from '../../runtime/src/drift/monitor.ts';
import { RuntimeMetrics } from '../../runtime/src/metrics.ts';
import type { Profile } from '../../runtime/src/profile/profile.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const MODEL = 'examples/models/mnist-mlp.onnx';
const PROFILE = 'examples/models/mnist-mlp.profile.json';
const REFERENCE = 'examples/models/mnist-mlp.reference.json';

const CONFIG = Object.freeze({ ...variantBenchConfig(process.env), driftWindow: Number(process.env.BENCH_DRIFT_WINDOW ?? 1000) });

const TARGET = 0.05;

type Variant = 'off' | 'drift';
const VARIANTS: readonly Variant[] = ['off', 'drift'];

interface Sample {
  variant: Variant;
  round: number;
  throughputRps: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  serverCores: number | undefined;
  serverMainCores: number | undefined;
  /** Drift runs: requests the monitor sampled, counted into its window, and dropped (queue full). */
  sampled: number;
  counted: number;
  dropped: number;
}

async function measure(variant: Variant, roundNo: number, bareModel: string, bodyFile: string, headers: Record<string, string>): Promise<Sample> {
  const server = await startServer({
    repoRoot: REPO,
    modelName: 'mnist',
    modelPath: bareModel,
    maxBatchSize: CONFIG.maxBatchSize,
    maxQueueDelayMs: 2,
    maxQueueSize: 1024,
    workers: CONFIG.workers,
    nodeArgs: [],
    extraArgs: ['--intra-op-threads', '1', '--inter-op-threads', '1', '--access-log', 'false', ...(variant === 'drift' ? ['--profile-path', path.join(REPO, PROFILE), '--drift-window', String(CONFIG.driftWindow)] : [])],
  });
  try {
    const spec = (connections: number, durationS: number) => ({ url: `${server.baseUrl}/v2/models/mnist/infer`, bodyFile, headers, connections, durationS });
    if (CONFIG.warmupS > 0) await runLoad(spec(8, CONFIG.warmupS));
    const driftBefore = variant === 'drift' ? await driftCounts(server.baseUrl) : { sampled: 0, counted: 0, dropped: 0 };
    const cpuBefore = server.cpuSeconds();
    const mainBefore = server.mainThreadCpuSeconds();
    const started = performance.now();
    const r = await runLoad(spec(CONFIG.concurrency, CONFIG.durationS));
    const wallS = (performance.now() - started) / 1000;
    const cpuAfter = server.cpuSeconds();
    const mainAfter = server.mainThreadCpuSeconds();
    const driftAfter = variant === 'drift' ? await driftCounts(server.baseUrl) : { sampled: 0, counted: 0, dropped: 0 };
    const sample: Sample = {
      variant,
      round: roundNo,
      throughputRps: round(r.throughputRps, 1),
      p50Ms: round(r.latency.p50Ms),
      p99Ms: round(r.latency.p99Ms),
      non2xx: r.non2xx,
      errors: r.errors,
      serverCores: cpuBefore === undefined || cpuAfter === undefined ? undefined : round((cpuAfter - cpuBefore) / wallS, 2),
      serverMainCores: mainBefore === undefined || mainAfter === undefined ? undefined : round((mainAfter - mainBefore) / wallS, 2),
      sampled: driftAfter.sampled - driftBefore.sampled,
      counted: driftAfter.counted - driftBefore.counted,
      dropped: driftAfter.dropped - driftBefore.dropped,
    };
    console.log(`  round ${roundNo} ${variant.padEnd(5)} ${sample.throughputRps} req/s, p50 ${sample.p50Ms} ms, p99 ${sample.p99Ms} ms, server ${sample.serverCores ?? '?'} cores (main thread ${sample.serverMainCores ?? '?'})${variant === 'drift' ? `, monitor sampled ${sample.sampled}, counted ${sample.counted}, dropped ${sample.dropped}` : ''}`);
    return sample;
  } finally {
    await server.stop();
  }
}

async function driftCounts(baseUrl: string): Promise<{ sampled: number; counted: number; dropped: number }> {
  // Let the monitor finish counting what the load sent before reading.
  await new Promise((resolve) => setTimeout(resolve, 200));
  const res = await fetch(`${baseUrl}/v2/models/mnist/drift`);
  if (res.status !== 200) throw new Error(`the drift run has no drift report (${res.status}): ${await res.text()}`);
  const report = (await res.json()) as { sampled: number; counted: number; dropped: number };
  return { sampled: report.sampled, counted: report.counted, dropped: report.dropped };
}

/**
 * The main-thread CPU the monitor spends per request, measured in process
 * with process.threadCpuUsage (CPU time moves much less with a shared
 * machine's load than throughput does): the whole path a served request
 * takes through it (the sampling decision, the copy of a sampled request's
 * rows, the queue, counting in setImmediate batches, the slice
 * recomputations and the gauge updates), minus the same loop without it.
 */
async function countingCpuUs(row: Float32Array): Promise<{ perCounted: number; perServed: number }> {
  const profile = JSON.parse(readFileSync(path.join(REPO, PROFILE), 'utf8')) as Profile;
  const monitor = new DriftMonitor(profile, { size: CONFIG.driftWindow, slices: 4, threshold: 0.2 }, new RuntimeMetrics('mnist', { processMetrics: false }).drift, createLogger({ component: 'bench-drift', silent: true }));
  const outputs = [{ name: 'logits', datatype: 'FP32' as const, shape: [1, 10], data: new Float32Array(10) }];
  const request = () => [{ name: 'input', datatype: 'FP32' as const, shape: [1, 784], data: row.slice() }];
  // 32 requests per event-loop turn, as batches of a loaded server answer them.
  const run = async (n: number, observe: boolean) => {
    for (let i = 0; i < n; i += 32) {
      for (let j = 0; j < 32; j++) {
        const inputs = request();
        if (observe) monitor.offer(inputs, outputs);
      }
      await (observe ? monitor.settled() : new Promise((resolve) => setImmediate(resolve)));
    }
  };
  await run(4000, true);
  const n = 32_000;
  const cpu = async (observe: boolean) => {
    const before = process.threadCpuUsage();
    await run(n, observe);
    const used = process.threadCpuUsage(before);
    return used.user + used.system;
  };
  const counted = monitor.report.counted;
  const perServed = ((await cpu(true)) - (await cpu(false))) / n;
  const share = (monitor.report.counted - counted) / n;
  return { perCounted: round(perServed / share, 2), perServed: round(perServed, 2) };
}

async function main(): Promise<void> {
  const reference = JSON.parse(readFileSync(path.join(REPO, REFERENCE), 'utf8')) as { inputs: Array<{ data: number[] }> };
  const request = inferRequest('json', 'input', Float32Array.from(reference.inputs[0]!.data.slice(0, 784)));
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'modelship-bench-drift-'));
  const bodyFile = path.join(scratch, 'json.body');
  writeFileSync(bodyFile, request.body);
  // The model alone in a folder, so the `off` server finds no profile beside it.
  const bareModel = path.join(scratch, 'mnist-mlp.onnx');
  copyFileSync(path.join(REPO, MODEL), bareModel);
  const startedAt = new Date();
  const loadAtStart = os.loadavg();
  const samples: Sample[] = [];
  try {
    console.log(`drift benchmark: ${MODEL}, c=${CONFIG.concurrency}, ${CONFIG.durationS} s x ${CONFIG.rounds} rounds x ${VARIANTS.join('/')}, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    for (let r = 1; r <= CONFIG.rounds; r++) {
      const order = r % 2 === 1 ? VARIANTS : [...VARIANTS].reverse();
      for (const v of order) samples.push(await measure(v, r, bareModel, bodyFile, request.headers));
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }

  const summary = summarizeVariants(VARIANTS, samples);
  const ratio = round(summary.drift.throughputRps / summary.off.throughputRps, 3);
  const cost = round(1 - ratio, 3);
  const drift = samples.filter((s) => s.variant === 'drift');
  const sampled = drift.reduce((n, s) => n + s.sampled, 0);
  const counted = drift.reduce((n, s) => n + s.counted, 0);
  const dropped = drift.reduce((n, s) => n + s.dropped, 0);
  const counting = await countingCpuUs(Float32Array.from(reference.inputs[0]!.data.slice(0, 784)));
  const countingShare = summary.off.mainCpuMsPerRequest === undefined ? undefined : round(counting.perServed / 1000 / summary.off.mainCpuMsPerRequest, 3);
  const target = { name: 'drift monitoring costs <= 5% of throughput at c=64', cost, limit: TARGET, pass: cost <= TARGET };
  const failures = samples.filter((s) => s.non2xx + s.errors > 0);
  const lines = [
    `# Drift monitoring benchmark (${startedAt.toISOString()})`,
    '',
    `\`make bench-drift\` (bench/drift/main.ts): ${MODEL} (784 features), v2 JSON, batching on (max ${CONFIG.maxBatchSize}), ${CONFIG.workers} worker, c=${CONFIG.concurrency}, ${CONFIG.durationS} s per run, ${CONFIG.rounds} interleaved rounds; medians. Drift window ${CONFIG.driftWindow} requests. Machine: ${os.cpus().length} CPUs (${os.cpus()[0]?.model}), load average at the start ${loadAtStart.map((l) => l.toFixed(2)).join(' ')}, at the end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}.`,
    '',
    '| configuration | throughput (req/s) | p50 (ms) | p99 (ms) | server CPU per request (ms) | main thread CPU per request (ms) |',
    '| --- | --- | --- | --- | --- | --- |',
    ...VARIANTS.map((v) => `| ${v} | ${summary[v].throughputRps} | ${summary[v].p50Ms} | ${summary[v].p99Ms} | ${summary[v].cpuMsPerRequest ?? '?'} | ${summary[v].mainCpuMsPerRequest ?? '?'} |`),
    '',
    `- Throughput ratio drift / off: ${ratio} (cost ${round(cost * 100, 1)} %).`,
    `- During the measured drift runs the monitor sampled ${sampled} requests (one in about ${round(784 / 256, 2)} for 784 features), counted ${counted} and dropped ${dropped} (queue full).`,
    `- In process, the monitor costs ${counting.perServed} µs of main-thread CPU per served request (${counting.perCounted} µs per sampled request: sampling, copy, counting, slice recomputation, gauges), ${countingShare === undefined ? '?' : `${round(countingShare * 100, 1)} %`} of the \`off\` server's main-thread CPU per request.`,
    `- ${target.pass ? 'PASS' : 'MISS'}: ${target.name}: ${round(cost * 100, 1)} %`,
    ...(failures.length > 0 ? [`- ${failures.length} runs had non-2xx answers or errors`] : []),
    '',
  ];
  console.log(`\n${lines.join('\n')}`);
  const written = writeRecord(REPO, 'drift', startedAt, { startedAt, config: CONFIG, machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version, loadavgAtStart: loadAtStart, loadavg: os.loadavg() }, samples, summary, ratio, sampled, counted, dropped, counting, countingShare, target }, lines);
  console.log(`wrote ${written}.{json,md}`);
  if (failures.length > 0 || (CONFIG.strict && !target.pass)) process.exitCode = 1;
}

await main();
