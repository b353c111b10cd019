// What the benchmarks that compare server configurations side by side share
// (bench/observe, bench/drift): the BENCH_* settings every one of them reads,
// and the per-configuration medians of their interleaved rounds.
import { median, round } from './stats.ts';

export interface VariantBenchConfig {
  readonly durationS: number;
  readonly warmupS: number;
  readonly rounds: number;
  readonly concurrency: number;
  readonly maxBatchSize: number;
  readonly workers: number;
  readonly strict: boolean;
}

/** BENCH_DURATION_S, BENCH_WARMUP_S, BENCH_ROUNDS, BENCH_CONCURRENCY, BENCH_MAX_BATCH_SIZE, BENCH_WORKERS, BENCH_STRICT. */
export function variantBenchConfig(env: NodeJS.ProcessEnv): VariantBenchConfig {
  const num = (name: string, fallback: number) => (env[name] ? Number(env[name]) : fallback);
  return {
    durationS: num('BENCH_DURATION_S', 10),
    warmupS: num('BENCH_WARMUP_S', 2),
    rounds: num('BENCH_ROUNDS', 3),
    concurrency: num('BENCH_CONCURRENCY', 64),
    maxBatchSize: num('BENCH_MAX_BATCH_SIZE', 32),
    workers: num('BENCH_WORKERS', 1),
    strict: env.BENCH_STRICT === '1',
  };
}

export interface VariantSample {
  readonly variant: string;
  readonly throughputRps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Server CPU cores used during the run, when measurable. */
  readonly serverCores: number | undefined;
  /** The same for the server's main thread alone. */
  readonly serverMainCores?: number | undefined;
}

export interface VariantSummary {
  throughputRps: number;
  p50Ms: number;
  p99Ms: number;
  cpuMsPerRequest: number | undefined;
  /** The server's main thread's CPU per request (request handling, batching, tracing and logging hooks; not the inference threads). */
  mainCpuMsPerRequest: number | undefined;
}

/** Medians per configuration over its rounds, with the server's CPU milliseconds per request. */
export function summarizeVariants<V extends string>(variants: readonly V[], samples: readonly VariantSample[]): Record<V, VariantSummary> {
  return Object.fromEntries(variants.map((v) => {
    const of = samples.filter((s) => s.variant === v);
    // Server CPU per request: on a shared machine throughput moves with the neighbours' load, the CPU each request costs the runtime much less.
    const perRequest = (cores: (s: VariantSample) => number | undefined) => {
      const ms = of.flatMap((s) => (cores(s) === undefined || s.throughputRps === 0 ? [] : [((cores(s) as number) * 1000) / s.throughputRps]));
      return ms.length > 0 ? round(median(ms), 3) : undefined;
    };
    return [v, {
      throughputRps: round(median(of.map((s) => s.throughputRps)), 1),
      p50Ms: round(median(of.map((s) => s.p50Ms))),
      p99Ms: round(median(of.map((s) => s.p99Ms))),
      cpuMsPerRequest: perRequest((s) => s.serverCores),
      mainCpuMsPerRequest: perRequest((s) => s.serverMainCores),
    }];
  })) as Record<V, VariantSummary>;
}
