// `make bench-batch`: `main.ts batch` throughput and memory (issue 12).
// In one run, on the MNIST-shaped MLP and a generated Parquet dataset:
//  1. in-process onnxruntime-node rows/s at the same batch size and intra-op
//     threads, on rows already in memory (bench/runtime/in-process.ts),
//     measured before and after the batch runs (their mean is the baseline);
//  2. one shard scoring the whole dataset: rows/s over the shard's own
//     seconds (model load, footer reads, decoding, scoring, writing);
//  3. two shards at once (one per core on a 2-core machine): rows/s over the
//     wall time of both;
//  4. peak RSS (VmHWM, all threads) of a shard on the 1M-row iris-shaped input
//     and of the MLP shard.
// Targets: (a) 1 shard >= 70% of in-process rows/s; (b) peak RSS < 300 MB.
// Writes bench/results/batch-<timestamp>.{json,md}.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import * as ort from 'onnxruntime-node';
import { measureInProcess } from '../runtime/in-process.ts';
import { round } from '../runtime/stats.ts';
import { dataset } from '../../test/batch/support.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const env = process.env;
const num = (name: string, fallback: number) => (env[name] ? Number(env[name]) : fallback);
const CONFIG = Object.freeze({
  rows: num('BENCH_BATCH_ROWS', 100_000),
  rssRows: num('BENCH_BATCH_RSS_ROWS', 1_000_000),
  batchSize: num('BENCH_BATCH_SIZE', 256),
  intraOpThreads: num('BENCH_INTRA_OP_THREADS', 1),
  inProcessS: num('BENCH_IN_PROCESS_S', 5),
  strict: env.BENCH_STRICT === '1',
});
const TARGETS = { throughputRatio: 0.7, peakRssMb: 300 } as const;

interface ShardRun {
  rowsScored: number;
  seconds: number;
  wallSeconds: number;
  peakRssMb: number;
  /** CPU seconds of the process, all threads (utime + stime from /proc), startup included. */
  cpuSeconds: number;
}

const TICKS_PER_S = 100;

/** utime + stime of a process and all its threads so far (Linux), in seconds. */
function cpuSeconds(pid: number): number | undefined {
  try {
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S;
  } catch {
    return undefined;
  }
}

/** Peak resident memory of a process and all its threads so far (Linux), in MB. */
function peakRss(pid: number): number | undefined {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

async function shard(args: string[]): Promise<ShardRun> {
  const started = performance.now();
  const child = spawn(process.execPath, ['runtime/src/main.ts', 'batch', '--progress', 'off', ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  let peak = 0;
  let cpu = 0;
  const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
  let done = false;
  void exited.then(() => (done = true));
  while (!done) {
    peak = Math.max(peak, peakRss(child.pid as number) ?? 0);
    cpu = Math.max(cpu, cpuSeconds(child.pid as number) ?? 0);
    await sleep(50);
  }
  const code = await exited;
  if (code !== 0) throw new Error(`batch shard failed (${code}):\n${out.slice(-3000)}`);
  const summary = out.split('\n').filter((l) => l.includes('"shard done"')).map((l) => JSON.parse(l))[0];
  return { rowsScored: summary.rowsScored, seconds: summary.seconds, wallSeconds: (performance.now() - started) / 1000, peakRssMb: round(peak, 1), cpuSeconds: round(cpu, 2) };
}

function shardArgs(model: string, input: string, output: string, index: number, count: number, extra: string[] = []): string[] {
  return ['--model-path', model, '--input', input, '--output', output, '--id-column', 'id', '--shard-index', String(index), '--shard-count', String(count), '--batch-size', String(CONFIG.batchSize), '--intra-op-threads', String(CONFIG.intraOpThreads), '--workers', '1', ...extra];
}

/** In-process rows per CPU-second of this process (onnxruntime's threads included), batches already in memory. */
async function inProcessCpu(model: string, rows: Float32Array[]): Promise<number> {
  const session = await ort.InferenceSession.create(model, { intraOpNumThreads: CONFIG.intraOpThreads, interOpNumThreads: 1, graphOptimizationLevel: 'all', executionMode: 'sequential' });
  try {
    const data = new Float32Array(CONFIG.batchSize * 784);
    for (let i = 0; i < CONFIG.batchSize; i++) data.set(rows[i % rows.length]!, i * 784);
    const feeds = { input: new ort.Tensor('float32', data, [CONFIG.batchSize, 784]) };
    await session.run(feeds);
    const start = process.cpuUsage();
    const end = performance.now() + CONFIG.inProcessS * 1000;
    let scored = 0;
    for (let i = 0; i < 1_000_000 && performance.now() < end; i++) {
      await session.run(feeds);
      scored += CONFIG.batchSize;
    }
    const used = process.cpuUsage(start);
    return scored / ((used.user + used.system) / 1e6);
  } finally {
    await session.release();
  }
}

function mnistRows(): Float32Array[] {
  const reference = JSON.parse(readFileSync(path.join(REPO, 'examples/models/mnist-mlp.reference.json'), 'utf8'));
  const input = reference.inputs[0];
  return Array.from({ length: input.shape[0] }, (_, r) => Float32Array.from(input.data.slice(r * 784, (r + 1) * 784)));
}

async function inProcess(model: string): Promise<number> {
  const rows = mnistRows();
  const result = await measureInProcess({
    modelPath: model,
    inputName: 'input',
    rows,
    features: 784,
    batchSize: CONFIG.batchSize,
    durationS: CONFIG.inProcessS,
    sessionOptions: { intraOpNumThreads: CONFIG.intraOpThreads, interOpNumThreads: 1, graphOptimizationLevel: 'all', executionMode: 'sequential' },
  });
  return result.batched.throughputRowsPerS;
}

async function main(): Promise<void> {
  const mlp = path.join(REPO, 'examples/models/mnist-mlp.onnx');
  const iris = path.join(REPO, 'examples/models/iris.onnx');
  console.log(`generating (or reusing) datasets: mnist ${CONFIG.rows} rows, iris ${CONFIG.rssRows} rows`);
  const mnistData = dataset('mnist', CONFIG.rows);
  const irisData = dataset('iris', CONFIG.rssRows);
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'modelship-bench-batch-'));
  try {
    const before = await inProcess(mlp);
    console.log(`in-process: ${round(before, 0)} rows/s`);
    const one = await shard(shardArgs(mlp, mnistData, path.join(scratch, 'one'), 0, 1, ['--passthrough-columns', 'digit']));
    console.log(`1 shard: ${one.rowsScored} rows in ${one.seconds} s (peak RSS ${one.peakRssMb} MB)`);
    const twoStarted = performance.now();
    const two = await Promise.all([0, 1].map((i) => shard(shardArgs(mlp, mnistData, path.join(scratch, 'two'), i, 2, ['--passthrough-columns', 'digit']))));
    const twoWall = (performance.now() - twoStarted) / 1000;
    console.log(`2 shards: ${two.map((s) => s.rowsScored).join(' + ')} rows in ${round(twoWall, 2)} s wall`);
    const rss = await shard(shardArgs(iris, irisData, path.join(scratch, 'rss'), 0, 1, ['--passthrough-columns', 'species', '--batch-size', '1024']));
    console.log(`iris 1 shard: ${rss.rowsScored} rows in ${rss.seconds} s, peak RSS ${rss.peakRssMb} MB`);
    const after = await inProcess(mlp);
    const baseline = (before + after) / 2;
    const perCpu = await inProcessCpu(mlp, mnistRows());
    console.log(`in-process: ${round(perCpu, 0)} rows per CPU-second`);
    const cpuRatio = one.rowsScored / one.cpuSeconds / perCpu;
    const oneRate = one.rowsScored / one.seconds;
    const twoRate = (two[0]!.rowsScored + two[1]!.rowsScored) / twoWall;
    const load = os.loadavg();
    const record = {
      kind: 'batch',
      at: new Date().toISOString(),
      config: CONFIG,
      machine: { cpus: os.availableParallelism(), loadavg: load.map((l) => round(l, 2)), node: process.version },
      inProcess: { beforeRowsPerS: round(before, 0), afterRowsPerS: round(after, 0), baselineRowsPerS: round(baseline, 0) },
      oneShard: { ...one, rowsPerS: round(oneRate, 0), rowsPerCpuSecond: round(one.rowsScored / one.cpuSeconds, 0) },
      // Load-independent view of (a): rows per CPU-second of the whole shard process (startup, decoding, writing and the
      // model's worker) over in-process rows per CPU-second. Not a target; says how much work a row costs besides the model.
      cpu: { inProcessRowsPerCpuSecond: round(perCpu, 0), oneShardRowsPerCpuSecond: round(one.rowsScored / one.cpuSeconds, 0), ratio: round(cpuRatio, 3) },
      twoShards: { shards: two, wallSeconds: round(twoWall, 3), rowsPerS: round(twoRate, 0), speedupOverOne: round(twoRate / oneRate, 3) },
      irisShard: { ...rss, rowsPerS: round(rss.rowsScored / rss.seconds, 0) },
      targets: {
        throughputRatio: { value: round(oneRate / baseline, 3), target: TARGETS.throughputRatio, pass: oneRate / baseline >= TARGETS.throughputRatio },
        peakRssMb: { value: Math.max(rss.peakRssMb, one.peakRssMb), target: TARGETS.peakRssMb, pass: Math.max(rss.peakRssMb, one.peakRssMb) < TARGETS.peakRssMb },
      },
    };
    const md = [
      `# Batch benchmark ${record.at}`,
      '',
      `Machine: ${record.machine.cpus} CPUs, load average ${record.machine.loadavg.join(' ')} (shared with other work: absolute rates say little, ratios were measured side by side).`,
      `Command: \`make bench-batch\` (bench/batch/main.ts), batch size ${CONFIG.batchSize}, ${CONFIG.intraOpThreads} intra-op thread(s).`,
      '',
      '| measurement | rows | rows/s | CPU s (all threads) | peak RSS |',
      '|---|---|---|---|---|',
      `| in-process onnxruntime-node, MLP (mean of before/after) | - | ${record.inProcess.baselineRowsPerS} | ${record.cpu.inProcessRowsPerCpuSecond} rows per CPU-s | - |`,
      `| batch, 1 shard, MLP, ${CONFIG.rows}-row MNIST-shaped Parquet | ${one.rowsScored} | ${record.oneShard.rowsPerS} | ${one.cpuSeconds} (${record.cpu.oneShardRowsPerCpuSecond} rows per CPU-s) | ${one.peakRssMb} MB |`,
      `| batch, 2 shards at once, same input | ${two[0]!.rowsScored + two[1]!.rowsScored} | ${record.twoShards.rowsPerS} (x${record.twoShards.speedupOverOne} of 1 shard) | ${two.map((s) => s.cpuSeconds).join(' + ')} | ${two.map((s) => s.peakRssMb).join(' / ')} MB |`,
      `| batch, 1 shard, iris, ${CONFIG.rssRows}-row iris-shaped Parquet | ${rss.rowsScored} | ${record.irisShard.rowsPerS} | ${rss.cpuSeconds} | ${rss.peakRssMb} MB |`,
      '',
      `- (a) 1 shard / in-process: ${record.targets.throughputRatio.value} (target >= ${TARGETS.throughputRatio}): ${record.targets.throughputRatio.pass ? 'PASS' : 'MISS'}`,
      `- rows per CPU-second, 1 shard / in-process: ${record.cpu.ratio} (not a target: the load-independent cost of a row besides the model)`,
      `- (b) peak RSS of a shard: ${record.targets.peakRssMb.value} MB (target < ${TARGETS.peakRssMb} MB): ${record.targets.peakRssMb.pass ? 'PASS' : 'MISS'}`,
      '',
    ].join('\n');
    const dir = path.join(REPO, 'bench/results');
    mkdirSync(dir, { recursive: true });
    const stamp = record.at.replace(/[:.]/g, '-');
    writeFileSync(path.join(dir, `batch-${stamp}.json`), `${JSON.stringify(record, null, 2)}\n`);
    writeFileSync(path.join(dir, `batch-${stamp}.md`), md);
    console.log(md);
    if (CONFIG.strict && !(record.targets.throughputRatio.pass && record.targets.peakRssMb.pass)) process.exitCode = 1;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

await main();
