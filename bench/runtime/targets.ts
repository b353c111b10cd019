// The runtime's performance targets (issue 2, "Benchmark") as a pure
// function of measured numbers, and the table `make bench` prints.
import { round, type LatencySummary } from './stats.ts';

export type Batching = 'off' | 'on';

export interface Scenario {
  batching: Batching;
  concurrency: number;
  durationS: number;
  /** Successful (2xx) inferences per second; one row per request. */
  throughputRps: number;
  latency: LatencySummary;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** Cores kept busy during the scenario (CPU seconds / wall seconds), when measured. */
  serverCores?: number | undefined;
  loadGeneratorCores?: number | undefined;
  /** The whole machine, other tenants included: near its core count means the numbers are CPU-starved. */
  machineCores?: number | undefined;
}

export interface InProcess {
  /** Sequential batch-1 runs: what one request costs without a server. */
  batch1: { throughputRps: number; latency: LatencySummary };
  /** Sequential runs at the server's maxBatchSize, counted in rows. */
  batched: { batchSize: number; throughputRowsPerS: number; latency: LatencySummary };
}

export interface Target {
  id: string;
  description: string;
  measured: number;
  threshold: number;
  unit: string;
  pass: boolean;
}

function find(scenarios: readonly Scenario[], batching: Batching, concurrency: number): Scenario | undefined {
  return scenarios.find((s) => s.batching === batching && s.concurrency === concurrency);
}

export function evaluateTargets(scenarios: readonly Scenario[], inProcess: InProcess): Target[] {
  const targets: Target[] = [];
  const on64 = find(scenarios, 'on', 64);
  const off64 = find(scenarios, 'off', 64);
  if (on64) {
    const ratio = on64.throughputRps / inProcess.batched.throughputRowsPerS;
    targets.push({
      id: 'a',
      description: `batching on, c=64: server throughput / in-process batched (batch ${inProcess.batched.batchSize}) throughput`,
      measured: ratio,
      threshold: 0.6,
      unit: 'x',
      pass: ratio >= 0.6,
    });
  }
  if (on64 && off64) {
    const ratio = on64.throughputRps / off64.throughputRps;
    targets.push({
      id: 'b',
      description: 'c=64: throughput batching on / batching off',
      measured: ratio,
      threshold: 3,
      unit: 'x',
      pass: ratio >= 3,
    });
  }
  // The target does not say which configuration; a batcher must not tax a
  // lone client (it should dispatch at once when the model is idle), so both
  // are held to it.
  for (const batching of ['off', 'on'] as const) {
    const c1 = find(scenarios, batching, 1);
    if (!c1) continue;
    const overhead = c1.latency.p50Ms - inProcess.batch1.latency.p50Ms;
    targets.push({
      id: batching === 'off' ? 'c' : 'c+',
      description: `c=1, batching ${batching}: server p50 - in-process batch-1 p50`,
      measured: overhead,
      threshold: 0.5,
      unit: 'ms',
      pass: overhead <= 0.5,
    });
  }
  return targets;
}

function pad(cells: readonly string[], widths: readonly number[]): string {
  return cells.map((c, i) => c.padStart(widths[i]!)).join('  ');
}

export function formatReport(scenarios: readonly Scenario[], inProcess: InProcess, targets: readonly Target[]): string {
  const lines: string[] = [];
  const widths = [10, 5, 11, 9, 9, 9, 7, 12, 10, 13];
  lines.push(pad(['batching', 'c', 'req/s', 'p50 ms', 'p99 ms', 'mean ms', 'non2xx', 'server cpu', 'load cpu', 'machine cpu'], widths));
  const cores = (n: number | undefined) => (n === undefined ? '-' : n.toFixed(2));
  for (const s of scenarios) {
    lines.push(
      pad(
        [
          s.batching,
          String(s.concurrency),
          round(s.throughputRps, 0).toFixed(0),
          round(s.latency.p50Ms).toFixed(3),
          round(s.latency.p99Ms).toFixed(3),
          round(s.latency.meanMs).toFixed(3),
          String(s.non2xx + s.errors + s.timeouts),
          cores(s.serverCores),
          cores(s.loadGeneratorCores),
          cores(s.machineCores),
        ],
        widths,
      ),
    );
  }
  const b1 = inProcess.batch1;
  const bn = inProcess.batched;
  lines.push('');
  lines.push(
    `in-process batch 1:  ${round(b1.throughputRps, 0).toFixed(0)} inf/s, p50 ${round(b1.latency.p50Ms).toFixed(3)} ms, p99 ${round(b1.latency.p99Ms).toFixed(3)} ms`,
  );
  lines.push(
    `in-process batch ${bn.batchSize}: ${round(bn.throughputRowsPerS, 0).toFixed(0)} rows/s, p50 ${round(bn.latency.p50Ms).toFixed(3)} ms per batch`,
  );
  lines.push('');
  for (const t of targets) {
    const comparator = t.unit === 'ms' ? '<=' : '>=';
    lines.push(
      `${t.pass ? 'PASS' : 'MISS'} (${t.id}) ${t.description}: ${round(t.measured, 3)} ${t.unit} (target ${comparator} ${t.threshold} ${t.unit})`,
    );
  }
  return lines.join('\n');
}
