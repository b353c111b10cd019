// How many CPUs this container may use: the cgroup CPU quota when one is set
// (Kubernetes CPU limits), otherwise the CPUs the process can run on. Worker
// and thread defaults derive from it, so a pod limited to 2 CPUs does not
// start 64 threads because the node has 64 cores.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';

/** Parses cgroup v2 `cpu.max` ("max 100000" or "200000 100000"); undefined when unlimited or unreadable. */
export function parseCpuMax(text: string): number | undefined {
  const [quota, period] = text.trim().split(/\s+/);
  if (quota === undefined || quota === 'max' || period === undefined) return undefined;
  const q = Number(quota);
  const p = Number(period);
  if (!(q > 0) || !(p > 0)) return undefined;
  return q / p;
}

/** Parses cgroup v1 `cpu.cfs_quota_us` and `cpu.cfs_period_us`; quota -1 means unlimited. */
export function parseCfs(quotaText: string, periodText: string): number | undefined {
  const q = Number(quotaText.trim());
  const p = Number(periodText.trim());
  if (!(q > 0) || !(p > 0)) return undefined;
  return q / p;
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Whole CPUs available: min(cgroup quota rounded up, schedulable CPUs), at least 1.
 * `root` is where the cgroup filesystem is mounted; tests point it at fixture trees.
 */
export function detectCpuLimit(root = '/sys/fs/cgroup', cpus = availableParallelism()): number {
  const v2 = read(join(root, 'cpu.max'));
  let quota = v2 === undefined ? undefined : parseCpuMax(v2);
  if (quota === undefined && v2 === undefined) {
    const q = read(join(root, 'cpu', 'cpu.cfs_quota_us'));
    const p = read(join(root, 'cpu', 'cpu.cfs_period_us'));
    if (q !== undefined && p !== undefined) quota = parseCfs(q, p);
  }
  return Math.max(1, Math.min(cpus, quota === undefined ? cpus : Math.ceil(quota)));
}

export interface ThreadPlan {
  readonly workers: number;
  readonly intraOpThreads: number;
  readonly interOpThreads: number;
}

/**
 * Default threads for `cpus` CPUs. The main thread needs part of a core for
 * HTTP and JSON, so workers get about half the CPUs (at most 4: beyond that,
 * more intra-op threads per session beat more sessions), and each session's
 * intra-op pool shares what is left. Sessions run sequentially, so one
 * inter-op thread is enough.
 */
export function defaultThreads(cpus: number, workers?: number): ThreadPlan {
  const w = workers ?? Math.max(1, Math.min(4, Math.floor(cpus / 2)));
  return { workers: w, intraOpThreads: Math.max(1, Math.floor((cpus - 1) / w)), interOpThreads: 1 };
}
