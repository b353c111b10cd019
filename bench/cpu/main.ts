// `make bench-cpu`: what the runtime spends when there is little to do
// (issue 14, "no wasted CPU"). The real server on iris over binary REST
// (batching on, one worker, one intra-op thread), measured in one run:
//   - idle: CPU share of one core over BENCH_IDLE_S seconds with no request
//     (target: under 1%);
//   - CPU per request at c=1 and at c=64 (target: c=1 at most 2x c=64).
// CPU is the server process's utime+stime from /proc (all threads), so the
// figures move far less with a shared machine's load than latencies do.
// BENCH_ROUNDS rounds, interleaved; medians. Writes bench/results/cpu-<ts>.{json,md}.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { inferRequest } from '../runtime/requests.ts';
import { runLoad } from '../runtime/run-load.ts';
import { freePort, startServer, type RunningServer } from '../runtime/server-process.ts';
import { median, round, writeRecord } from '../runtime/stats.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const MODEL = 'examples/models/iris.onnx';
const env = process.env;
const num = (name: string, fallback: number) => (env[name] ? Number(env[name]) : fallback);
const CONFIG = Object.freeze({
  idleS: num('BENCH_IDLE_S', 20),
  durationS: num('BENCH_DURATION_S', 8),
  rounds: num('BENCH_ROUNDS', 3),
  strict: env.BENCH_STRICT === '1',
});
const TARGETS = { idleShare: 0.01, lowLoadRatio: 2 } as const;

interface Round {
  idleShare: number;
  c1: { rps: number; cpuUsPerRequest: number; p50Ms: number };
  c64: { rps: number; cpuUsPerRequest: number; p50Ms: number };
}

function cpu(server: RunningServer): number {
  const s = server.cpuSeconds();
  if (s === undefined) throw new Error('bench-cpu needs /proc (Linux)');
  return s;
}

async function measureLoad(server: RunningServer, bodyFile: string, headers: Record<string, string>, connections: number) {
  const spec = { url: `${server.baseUrl}/v2/models/iris/infer`, bodyFile, headers, connections, durationS: CONFIG.durationS };
  const before = cpu(server);
  const r = await runLoad(spec);
  const used = cpu(server) - before;
  const requests = r.throughputRps * CONFIG.durationS;
  return { rps: round(r.throughputRps, 1), cpuUsPerRequest: round((used * 1e6) / Math.max(1, requests), 1), p50Ms: round(r.latency.p50Ms) };
}

async function measureRound(bodyFile: string, headers: Record<string, string>): Promise<Round> {
  const server = await startServer({
    repoRoot: REPO, modelName: 'iris', modelPath: MODEL, maxBatchSize: 32, maxQueueDelayMs: 2, maxQueueSize: 1024, workers: 1, nodeArgs: [],
    extraArgs: ['--intra-op-threads', '1', '--inter-op-threads', '1', '--access-log', 'false', '--metrics-port', String(await freePort())],
  });
  try {
    // Warm up, then let the server settle before the idle window.
    await runLoad({ url: `${server.baseUrl}/v2/models/iris/infer`, bodyFile, headers, connections: 8, durationS: 2 });
    await sleep(2_000);
    const before = cpu(server);
    const started = performance.now();
    await sleep(CONFIG.idleS * 1000);
    const idleShare = (cpu(server) - before) / ((performance.now() - started) / 1000);
    const c1 = await measureLoad(server, bodyFile, headers, 1);
    const c64 = await measureLoad(server, bodyFile, headers, 64);
    return { idleShare: round(idleShare, 4), c1, c64 };
  } finally {
    await server.stop();
  }
}

async function main(): Promise<void> {
  const reference = JSON.parse(readFileSync(path.join(REPO, 'examples/models/iris.reference.json'), 'utf8')) as { inputs: Array<{ data: number[] }> };
  const request = inferRequest('binary', 'input', Float32Array.from(reference.inputs[0]!.data.slice(0, 4)));
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'modelship-bench-cpu-'));
  const bodyFile = path.join(scratch, 'binary.body');
  writeFileSync(bodyFile, request.body);
  const startedAt = new Date();
  const rounds: Round[] = [];
  try {
    console.log(`cpu benchmark: ${MODEL}, binary REST, idle ${CONFIG.idleS} s, load ${CONFIG.durationS} s at c=1 and c=64, ${CONFIG.rounds} rounds, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    for (let i = 1; i <= CONFIG.rounds; i++) {
      const r = await measureRound(bodyFile, request.headers);
      console.log(`  round ${i}: idle ${(r.idleShare * 100).toFixed(2)}% of a core; c=1 ${r.c1.cpuUsPerRequest} us/request (${r.c1.rps} req/s); c=64 ${r.c64.cpuUsPerRequest} us/request (${r.c64.rps} req/s)`);
      rounds.push(r);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const summary = {
    idleShare: round(median(rounds.map((r) => r.idleShare)), 4),
    c1CpuUs: round(median(rounds.map((r) => r.c1.cpuUsPerRequest)), 1),
    c64CpuUs: round(median(rounds.map((r) => r.c64.cpuUsPerRequest)), 1),
  };
  const ratio = round(summary.c1CpuUs / summary.c64CpuUs, 2);
  const targets = [
    { name: `idle (no requests for ${CONFIG.idleS} s): under 1% of a core`, value: `${round(summary.idleShare * 100, 2)} %`, pass: summary.idleShare < TARGETS.idleShare },
    { name: 'CPU per request at c=1 at most 2x c=64', value: `${ratio}x`, pass: ratio <= TARGETS.lowLoadRatio },
  ];
  const lines = [
    `# CPU at low load (${startedAt.toISOString()})`,
    '',
    `\`make bench-cpu\` (bench/cpu/main.ts): ${MODEL}, binary REST, batching on (max 32, 2 ms), 1 worker, 1 intra-op thread; ${CONFIG.rounds} rounds, medians. Machine: ${os.cpus().length} CPUs (${os.cpus()[0]?.model}), load average at the end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}.`,
    '',
    '| measure | median | rounds |',
    '| --- | --- | --- |',
    `| idle CPU (% of a core) | ${round(summary.idleShare * 100, 2)} | ${rounds.map((r) => round(r.idleShare * 100, 2)).join(', ')} |`,
    `| CPU per request at c=1 (us) | ${summary.c1CpuUs} | ${rounds.map((r) => r.c1.cpuUsPerRequest).join(', ')} |`,
    `| CPU per request at c=64 (us) | ${summary.c64CpuUs} | ${rounds.map((r) => r.c64.cpuUsPerRequest).join(', ')} |`,
    `| c=1 / c=64 | ${ratio} | |`,
    '',
    ...targets.map((t) => `- ${t.pass ? 'PASS' : 'MISS'}: ${t.name}: ${t.value}`),
    '',
  ];
  console.log(`\n${lines.join('\n')}`);
  const written = writeRecord(REPO, 'cpu', startedAt, { startedAt, config: CONFIG, machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version }, rounds, summary, targets }, lines);
  console.log(`wrote ${written}.{json,md}`);
  if (CONFIG.strict && targets.some((t) => !t.pass)) process.exitCode = 1;
}

await main();
