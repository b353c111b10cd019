// `make bench-scaling`: front-end threads (--frontend-threads) side by side
// on iris at c=64, JSON and binary REST (issue 14, "every core"). Each round
// starts one server per thread count, interleaved, pins it to
// BENCH_SERVER_CPUS and the load generator (this process and its children) to
// BENCH_LOADGEN_CPUS, and records throughput, latency and CPU per request:
// the whole process, and split by thread from /proc/<pid>/task (MainThread:
// queue, metrics, drain; frontend-N: HTTP and JSON; WorkerThread: onnxruntime;
// the rest: libuv and V8 helpers). CPU per request moves far less with a
// shared machine's load than throughput does; the load average is recorded.
// On a 2-core machine both counts share one server core (what the hop costs
// per request); on a larger one give the server more CPUs than threads
// (BENCH_SERVER_CPUS=0-11 BENCH_LOADGEN_CPUS=12-15 BENCH_THREADS=1,2,4,8).
// Writes bench/results/scaling-<ts>.{json,md}.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inferRequest } from '../runtime/requests.ts';
import { runLoad } from '../runtime/run-load.ts';
import { freePort, startServer, type RunningServer } from '../runtime/server-process.ts';
import { median, round, writeRecord } from '../runtime/stats.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const MODEL = 'examples/models/iris.onnx';
const env = process.env;
const cpus = os.availableParallelism();
const CONFIG = Object.freeze({
  threads: (env.BENCH_THREADS ?? '1,2').split(',').map(Number),
  serverCpus: env.BENCH_SERVER_CPUS ?? (cpus > 2 ? `0-${cpus - 2}` : '0'),
  loadgenCpus: env.BENCH_LOADGEN_CPUS ?? String(cpus - 1),
  connections: Number(env.BENCH_CONNECTIONS ?? 64),
  durationS: Number(env.BENCH_DURATION_S ?? 8),
  rounds: Number(env.BENCH_ROUNDS ?? 3),
  workers: Number(env.BENCH_WORKERS ?? 1),
});
const FORMATS = ['json', 'binary'] as const;

type Group = 'main' | 'frontend' | 'inference' | 'other';

/** CPU seconds per thread group of a process, from /proc/<pid>/task/<tid>/{comm,stat}. */
function threadCpu(pid: number): Record<Group, number> {
  const out: Record<Group, number> = { main: 0, frontend: 0, inference: 0, other: 0 };
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const comm = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const seconds = (Number(fields[11]) + Number(fields[12])) / 100;
      const group: Group = comm === 'MainThread' ? 'main' : comm.startsWith('frontend-') ? 'frontend' : comm === 'WorkerThread' ? 'inference' : 'other';
      out[group] += seconds;
    } catch {
      // A thread that ended between the listing and the read.
    }
  }
  return out;
}

interface Measured {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  cpuUsPerRequest: number;
  byThread: Record<Group, number>;
  loadgenCores: number;
}

async function measure(server: RunningServer, pid: number, bodyFile: string, headers: Record<string, string>): Promise<Measured> {
  const spec = { url: `${server.baseUrl}/v2/models/iris/infer`, bodyFile, headers, connections: CONFIG.connections, durationS: CONFIG.durationS };
  const before = threadCpu(pid);
  const r = await runLoad(spec);
  const after = threadCpu(pid);
  const requests = Math.max(1, r.ok);
  const byThread = Object.fromEntries((Object.keys(before) as Group[]).map((g) => [g, round(((after[g] - before[g]) * 1e6) / requests, 1)])) as Record<Group, number>;
  const total = Object.values(byThread).reduce((a, b) => a + b, 0);
  return { rps: round(r.throughputRps, 1), p50Ms: round(r.latency.p50Ms), p99Ms: round(r.latency.p99Ms), cpuUsPerRequest: round(total, 1), byThread, loadgenCores: round(r.cpuCores, 2) };
}

async function runServer(threads: number, bodies: Record<(typeof FORMATS)[number], { file: string; headers: Record<string, string> }>): Promise<Record<string, Measured>> {
  const server = await startServer({
    repoRoot: REPO, modelName: 'iris', modelPath: MODEL, maxBatchSize: 32, maxQueueDelayMs: 2, maxQueueSize: 1024, workers: CONFIG.workers, nodeArgs: [],
    extraArgs: ['--intra-op-threads', '1', '--access-log', 'false', '--frontend-threads', String(threads), '--metrics-port', String(await freePort())],
  });
  try {
    const pid = server.pid;
    if (pid === undefined) throw new Error('the server has no pid');
    // Every thread of the server (those started later inherit it) onto the server's CPUs.
    execFileSync('taskset', ['-a', '-p', '-c', CONFIG.serverCpus, String(pid)], { stdio: 'ignore' });
    await runLoad({ url: `${server.baseUrl}/v2/models/iris/infer`, bodyFile: bodies.json.file, headers: bodies.json.headers, connections: CONFIG.connections, durationS: 2 });
    const out: Record<string, Measured> = {};
    for (const format of FORMATS) out[format] = await measure(server, pid, bodies[format].file, bodies[format].headers);
    return out;
  } finally {
    await server.stop();
  }
}

async function main(): Promise<void> {
  // This process and the load generators it starts run on the load generator's CPUs.
  execFileSync('taskset', ['-p', '-c', CONFIG.loadgenCpus, String(process.pid)], { stdio: 'ignore' });
  const reference = JSON.parse(readFileSync(path.join(REPO, 'examples/models/iris.reference.json'), 'utf8')) as { inputs: Array<{ data: number[] }> };
  const row = Float32Array.from(reference.inputs[0]!.data.slice(0, 4));
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'modelship-bench-scaling-'));
  const bodies = Object.fromEntries(
    FORMATS.map((format) => {
      const request = inferRequest(format, 'input', row);
      const file = path.join(scratch, `${format}.body`);
      writeFileSync(file, request.body);
      return [format, { file, headers: request.headers }];
    }),
  ) as Parameters<typeof runServer>[1];
  const startedAt = new Date();
  const loadStart = os.loadavg();
  const rounds: Record<number, Record<string, Measured>>[] = [];
  try {
    console.log(`scaling benchmark: ${MODEL}, c=${CONFIG.connections}, threads ${CONFIG.threads.join('/')}, server CPUs ${CONFIG.serverCpus}, load generator CPUs ${CONFIG.loadgenCpus}, ${CONFIG.rounds} rounds, load average ${loadStart.map((l) => l.toFixed(2)).join(' ')}`);
    for (let i = 1; i <= CONFIG.rounds; i++) {
      const round: Record<number, Record<string, Measured>> = {};
      for (const threads of CONFIG.threads) {
        round[threads] = await runServer(threads, bodies);
        for (const format of FORMATS) {
          const m = round[threads]![format]!;
          console.log(`  round ${i}, ${threads} front-end thread(s), ${format}: ${m.rps} req/s, p99 ${m.p99Ms} ms, ${m.cpuUsPerRequest} us CPU/request (${JSON.stringify(m.byThread)})`);
        }
      }
      rounds.push(round);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const med = (threads: number, format: string, pick: (m: Measured) => number) => round(median(rounds.map((r) => pick(r[threads]![format]!))), 1);
  const base = CONFIG.threads[0]!;
  const lines = [
    `# Front-end threads side by side (${startedAt.toISOString()})`,
    '',
    `\`make bench-scaling\` (bench/scaling/main.ts): ${MODEL} at c=${CONFIG.connections}, batching on (max 32, 2 ms), ${CONFIG.workers} inference worker(s), 1 intra-op thread; server on CPUs ${CONFIG.serverCpus}, load generator on CPUs ${CONFIG.loadgenCpus} (taskset); ${CONFIG.rounds} rounds interleaved, medians. Machine: ${cpus} CPUs (${os.cpus()[0]?.model}), shared; load average ${loadStart.map((l) => l.toFixed(2)).join(' ')} at the start, ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} at the end.`,
    '',
    '| front-end threads | body | req/s | vs ' + base + ' thread(s) | p50 ms | p99 ms | CPU us/request | main | front-end | inference | other |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...CONFIG.threads.flatMap((threads) =>
      FORMATS.map((format) => {
        const rps = med(threads, format, (m) => m.rps);
        const ratio = round(rps / med(base, format, (m) => m.rps), 2);
        const g = (group: Group) => med(threads, format, (m) => m.byThread[group]);
        return `| ${threads} | ${format} | ${rps} | ${ratio}x | ${med(threads, format, (m) => m.p50Ms)} | ${med(threads, format, (m) => m.p99Ms)} | ${med(threads, format, (m) => m.cpuUsPerRequest)} | ${g('main')} | ${g('frontend')} | ${g('inference')} | ${g('other')} |`;
      }),
    ),
    '',
    'CPU columns: microseconds of CPU per answered request, by thread (MainThread; frontend-N; WorkerThread, the onnxruntime workers; libuv and V8 helpers). With one front-end thread the main thread does the HTTP and JSON work itself.',
    '',
  ];
  console.log(`\n${lines.join('\n')}`);
  const written = writeRecord(REPO, 'scaling', startedAt, { startedAt, config: CONFIG, machine: { cpus, model: os.cpus()[0]?.model, node: process.version, loadavgStart: loadStart, loadavgEnd: os.loadavg() }, rounds }, lines);
  console.log(`wrote ${written}.{json,md}`);
}

await main();
