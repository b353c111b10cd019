// Latency/throughput summaries shared by the in-process and over-HTTP
// measurements, so both sides of every ratio are computed the same way, and
// the one way every benchmark writes its record.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface LatencySummary {
  count: number;
  meanMs: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** Nearest-rank percentile (p in 0..100) of an ascending array. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function summarizeLatencies(samplesMs: readonly number[]): LatencySummary {
  const sorted = Float64Array.from(samplesMs).sort();
  const values = Array.from(sorted);
  const sum = values.reduce((a, b) => a + b, 0);
  return {
    count: values.length,
    meanMs: values.length ? sum / values.length : Number.NaN,
    p50Ms: percentile(values, 50),
    p90Ms: percentile(values, 90),
    p99Ms: percentile(values, 99),
    maxMs: values.length ? values[values.length - 1]! : Number.NaN,
  };
}

/** Rounds for printing and JSON: sub-microsecond digits are noise here. */
export function round(value: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Median of a non-empty list (the mean of the middle two for an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Writes a benchmark's record as bench/results/<name>-<timestamp>.{json,md}; returns the path without extension. */
export function writeRecord(repo: string, name: string, startedAt: Date, record: unknown, markdown: readonly string[]): string {
  const dir = path.join(repo, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const base = path.join(dir, `${name}-${startedAt.toISOString().replace(/[:.]/g, '-')}`);
  writeFileSync(`${base}.json`, `${JSON.stringify(record, null, 2)}\n`);
  writeFileSync(`${base}.md`, markdown.join('\n'));
  return path.relative(repo, base);
}
