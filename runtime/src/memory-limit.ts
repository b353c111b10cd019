// The container's memory limit (Kubernetes memory limits become the cgroup's
// memory.max), so memory-bound defaults follow the pod's size; undefined when
// unlimited or unreadable.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** cgroup v1 reports "no limit" as a page-rounded 2^63-1; anything this large is no limit. */
const UNLIMITED = 2 ** 60;

/** Parses cgroup v2 `memory.max` or v1 `memory.limit_in_bytes`: bytes, or undefined for `max`/huge/garbage. */
export function parseMemoryLimit(text: string): number | undefined {
  const value = Number(text.trim());
  return Number.isFinite(value) && value > 0 && value < UNLIMITED ? value : undefined;
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** `root` is where the cgroup filesystem is mounted; tests point it at fixture trees. */
export function detectMemoryLimit(root = '/sys/fs/cgroup'): number | undefined {
  const v2 = read(join(root, 'memory.max'));
  if (v2 !== undefined) return parseMemoryLimit(v2);
  const v1 = read(join(root, 'memory', 'memory.limit_in_bytes'));
  return v1 === undefined ? undefined : parseMemoryLimit(v1);
}
