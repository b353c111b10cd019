// The shard's outputs and its marker, by name below --output. The marker is
// written last, after the part (and errors) file is committed whole: its
// presence means the shard is done, and a retried shard that finds it exits
// at once with the marker's verdict instead of scoring again. It holds the
// summary the operator also reads from the termination log.
import type { Format } from './config.ts';

export const EXTENSIONS: Record<Format, string> = { jsonl: 'jsonl', csv: 'csv', parquet: 'parquet' };

export function partName(index: number, format: Format): string {
  return `part-${index}.${EXTENSIONS[format]}`;
}

export function markerName(index: number): string {
  return `_markers/part-${index}.json`;
}

export function errorsName(index: number): string {
  return `errors/part-${index}.jsonl`;
}

export interface ShardSummary {
  readonly shardIndex: number;
  readonly shardCount: number;
  readonly rowsScored: number;
  readonly rowsFailed: number;
  readonly seconds: number;
  /** rowsFailed over all rows read, in percent. */
  readonly failedPercent: number;
  /** Whether the failed rows stayed within --max-failed-rows-percent. */
  readonly withinLimit: boolean;
  /** The part file, below --output. */
  readonly part: string;
  /** True when this run found the marker and scored nothing. */
  readonly skipped?: boolean;
}

export function failedPercent(scored: number, failed: number): number {
  const total = scored + failed;
  return total === 0 ? 0 : (failed * 100) / total;
}

export function summarize(index: number, count: number, scored: number, failed: number, seconds: number, limit: number, part: string): ShardSummary {
  const percent = failedPercent(scored, failed);
  return { shardIndex: index, shardCount: count, rowsScored: scored, rowsFailed: failed, seconds: Math.round(seconds * 1000) / 1000, failedPercent: percent, withinLimit: percent <= limit, part };
}

/** Parses a marker; undefined when it is not one (a torn or foreign file is not trusted). */
export function parseMarker(text: string): ShardSummary | undefined {
  try {
    const value = JSON.parse(text) as Partial<ShardSummary>;
    if (typeof value.rowsScored !== 'number' || typeof value.rowsFailed !== 'number' || typeof value.seconds !== 'number') return undefined;
    return value as ShardSummary;
  } catch {
    return undefined;
  }
}
