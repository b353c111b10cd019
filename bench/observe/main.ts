// `make bench-observe`: what payload logging and tracing cost the runtime.
// The real server on the MNIST-shaped MLP (batching on, v2 JSON), at c=64
// under autocannon, in four configurations measured in one run and
// interleaved over BENCH_ROUNDS rounds (so drift on a shared machine hits
// all four alike): both off (today's path), logging `all` to a local
// CloudEvents sink, tracing at ratio 1.0 to a local OTLP/HTTP sink, and both.
// Medians per configuration; targets: logging costs at most 15% of the
// throughput, tracing at most 10%. Writes bench/results/observe-<ts>.{json,md}.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inferRequest } from '../runtime/requests.ts';
import { runLoad } from '../runtime/run-load.ts';
import { freePort, startServer } from '../runtime/server-process.ts';
import { round, writeRecord } from '../runtime/stats.ts';
import { summarizeVariants, variantBenchConfig } from '../runtime/variants.ts';
import { loggingCpuUs, tracingCpuUs } from './hooks.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const MODEL = 'examples/models/mnist-mlp.onnx';
const REFERENCE = 'examples/models/mnist-mlp.reference.json';

const CONFIG = Object.freeze(variantBenchConfig(process.env));

const TARGETS = { logging: 0.15, tracing: 0.1 } as const;

type Variant = 'off' | 'logging' | 'tracing' | 'both';
const VARIANTS: readonly Variant[] = ['off', 'logging', 'tracing', 'both'];

function flags(variant: Variant, sink: string): string[] {
  const logging = ['--logger-url', `${sink}/events`, '--logger-mode', 'all'];
  const tracing = ['--tracing-endpoint', `${sink}/v1/traces`, '--tracing-sampling-ratio', '1'];
  const identity = ['--inference-service', 'mnist', '--namespace', 'bench', '--revision', 'mnist-predictor-bench'];
  return {
    off: [],
    logging: [...identity, ...logging],
    tracing: [...identity, ...tracing],
    both: [...identity, ...logging, ...tracing],
  }[variant];
}

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
  sinkEvents: number;
  sinkTraceExports: number;
  loggerDropped: number;
}

async function sinkCounts(url: string): Promise<{ events: number; traceExports: number }> {
  return (await (await fetch(`${url}/count`)).json()) as { events: number; traceExports: number };
}

async function metric(metricsUrl: string, name: string, outcome: string): Promise<number> {
  const text = await (await fetch(`${metricsUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(`outcome="${outcome}"`));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

async function measure(variant: Variant, roundNo: number, sinkUrl: string, bodyFile: string, headers: Record<string, string>): Promise<Sample> {
  // Our own metrics port (the later flag wins over server-process.ts's 0), to read the logger's drop counter.
  const metricsPort = await freePort();
  const server = await startServer({
    repoRoot: REPO,
    modelName: 'mnist',
    modelPath: MODEL,
    maxBatchSize: CONFIG.maxBatchSize,
    maxQueueDelayMs: 2,
    maxQueueSize: 1024,
    workers: CONFIG.workers,
    nodeArgs: [],
    extraArgs: ['--intra-op-threads', '1', '--inter-op-threads', '1', '--access-log', 'false', '--metrics-port', String(metricsPort), ...flags(variant, sinkUrl)],
  });
  try {
    const spec = (connections: number, durationS: number) => ({ url: `${server.baseUrl}/v2/models/mnist/infer`, bodyFile, headers, connections, durationS });
    if (CONFIG.warmupS > 0) await runLoad(spec(8, CONFIG.warmupS));
    const before = await sinkCounts(sinkUrl);
    const cpuBefore = server.cpuSeconds();
    const mainBefore = server.mainThreadCpuSeconds();
    const started = performance.now();
    const r = await runLoad(spec(CONFIG.concurrency, CONFIG.durationS));
    const wallS = (performance.now() - started) / 1000;
    const cpuAfter = server.cpuSeconds();
    const mainAfter = server.mainThreadCpuSeconds();
    const after = await sinkCounts(sinkUrl);
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
      sinkEvents: after.events - before.events,
      sinkTraceExports: after.traceExports - before.traceExports,
      loggerDropped: variant === 'logging' || variant === 'both' ? await metric(`http://127.0.0.1:${metricsPort}`, 'modelship_logger_events_total', 'dropped') : 0,
    };
    console.log(`  round ${roundNo} ${variant.padEnd(7)} ${sample.throughputRps} req/s, p50 ${sample.p50Ms} ms, p99 ${sample.p99Ms} ms, server ${sample.serverCores ?? '?'} cores (main thread ${sample.serverMainCores ?? '?'}), sink got ${sample.sinkEvents} events / ${sample.sinkTraceExports} trace exports, ${sample.loggerDropped} dropped`);
    return sample;
  } finally {
    await server.stop();
  }
}

async function main(): Promise<void> {
  const reference = JSON.parse(readFileSync(path.join(REPO, REFERENCE), 'utf8')) as { inputs: Array<{ data: number[] }> };
  const row = Float32Array.from(reference.inputs[0]!.data.slice(0, 784));
  const request = inferRequest('json', 'input', row);
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'modelship-bench-observe-'));
  const bodyFile = path.join(scratch, 'json.body');
  writeFileSync(bodyFile, request.body);
  const sinkPort = await freePort();
  const sink = spawn(process.execPath, [path.join(REPO, 'bench/observe/sink.ts'), String(sinkPort)], { stdio: 'inherit' });
  const sinkUrl = `http://127.0.0.1:${sinkPort}`;
  const startedAt = new Date();
  const loadAtStart = os.loadavg();
  const samples: Sample[] = [];
  let hooks: { tracing: Awaited<ReturnType<typeof tracingCpuUs>>; logging: Awaited<ReturnType<typeof loggingCpuUs>> } | undefined;
  try {
    for (let i = 0; i < 50; i++) {
      try {
        await sinkCounts(sinkUrl);
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    console.log(`observability benchmark: ${MODEL}, c=${CONFIG.concurrency}, ${CONFIG.durationS} s x ${CONFIG.rounds} rounds x ${VARIANTS.join('/')}, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    for (let r = 1; r <= CONFIG.rounds; r++) {
      // Rotate the order each round so no variant always runs first or last.
      const order = VARIANTS.map((_, i) => VARIANTS[(i + r - 1) % VARIANTS.length]!);
      for (const v of order) samples.push(await measure(v, r, sinkUrl, bodyFile, request.headers));
    }
    // The hooks alone, in this process against the same sink: CPU moves much less with the machine's load than throughput.
    hooks = { tracing: await tracingCpuUs(sinkUrl, 20_000), logging: await loggingCpuUs(sinkUrl, 10_000) };
  } finally {
    sink.kill('SIGTERM');
    rmSync(scratch, { recursive: true, force: true });
  }

  const summary = summarizeVariants(VARIANTS, samples);
  const cost = (v: Variant) => round(1 - summary[v].throughputRps / summary.off.throughputRps, 3);
  const targets = [
    { name: 'logging all to a local CloudEvents sink costs <= 15% of throughput', cost: cost('logging'), limit: TARGETS.logging },
    { name: 'tracing at ratio 1.0 to a local OTLP sink costs <= 10% of throughput', cost: cost('tracing'), limit: TARGETS.tracing },
  ].map((t) => ({ ...t, pass: t.cost <= t.limit }));
  const failures = samples.filter((s) => s.non2xx + s.errors > 0);

  const lines = [
    `# Observability benchmark (${startedAt.toISOString()})`,
    '',
    `\`make bench-observe\` (bench/observe/main.ts): ${MODEL}, v2 JSON, batching on (max ${CONFIG.maxBatchSize}), ${CONFIG.workers} worker, c=${CONFIG.concurrency}, ${CONFIG.durationS} s per run, ${CONFIG.rounds} interleaved rounds; medians. Machine: ${os.cpus().length} CPUs (${os.cpus()[0]?.model}), load average at the start ${loadAtStart.map((l) => l.toFixed(2)).join(' ')}, at the end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}.`,
    '',
    '| configuration | throughput (req/s) | p50 (ms) | p99 (ms) | server CPU per request (ms) | main thread CPU per request (ms) | throughput cost vs off |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...VARIANTS.map((v) => `| ${v} | ${summary[v].throughputRps} | ${summary[v].p50Ms} | ${summary[v].p99Ms} | ${summary[v].cpuMsPerRequest ?? '?'} | ${summary[v].mainCpuMsPerRequest ?? '?'} | ${v === 'off' ? '-' : `${round(cost(v) * 100, 1)} %`} |`),
    '',
    ...(hooks === undefined ? [] : [
      `- In process (bench/observe/hooks.ts), main-thread CPU per request: tracing ${hooks.tracing.main} µs, its spans recorded and exported (whole process, the export thread included: ${hooks.tracing.process} µs; the sink got ${hooks.tracing.spansExported} of ${hooks.tracing.spansRecorded} spans); logging \`all\` ${hooks.logging.total.main} µs, of which ${hooks.logging.offer.main} µs building and queueing the two events (whole process, delivery on the sink thread included: ${hooks.logging.total.process} µs).`,
      ...(summary.off.mainCpuMsPerRequest === undefined ? [] : [`- Against the \`off\` server's main thread (${summary.off.mainCpuMsPerRequest} ms per request): tracing hooks ${round((hooks.tracing.main / 1000 / summary.off.mainCpuMsPerRequest) * 100, 1)} %, logging hooks ${round((hooks.logging.total.main / 1000 / summary.off.mainCpuMsPerRequest) * 100, 1)} %.`]),
    ]),
    ...targets.map((t) => `- ${t.pass ? 'PASS' : 'MISS'}: ${t.name}: ${round(t.cost * 100, 1)} %`),
    ...(failures.length > 0 ? [`- ${failures.length} runs had non-2xx answers or errors`] : []),
    '',
  ];
  console.log(`\n${lines.join('\n')}`);
  const written = writeRecord(REPO, 'observe', startedAt, { startedAt, config: CONFIG, machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version, loadavgAtStart: loadAtStart, loadavg: os.loadavg() }, samples, summary, hooks, targets }, lines);
  console.log(`wrote ${written}.{json,md}`);
  if (failures.length > 0 || (CONFIG.strict && targets.some((t) => !t.pass))) process.exitCode = 1;
}

await main();
