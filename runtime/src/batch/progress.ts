// Progress of a shard: a cli-progress bar (rows, rows/s, ETA) on a terminal,
// JSON lines through the logger (one per interval) otherwise, as in a pod.
import cliProgress from 'cli-progress';
import type { Logger } from '../../../common/src/logger.ts';
import type { ProgressMode } from './config.ts';

export interface Progress {
  /** `done` rows read so far (scored or failed), `failed` of them failed. */
  update(done: number, failed: number): void;
  stop(): void;
}

export interface ProgressOptions {
  readonly mode: ProgressMode;
  readonly isTty: boolean;
  /** Rows the shard will read when known up front (Parquet), else undefined. */
  readonly total: number | undefined;
  readonly intervalMs: number;
  readonly logger: Logger;
  readonly shard: number;
  readonly stream?: NodeJS.WritableStream;
  readonly now?: () => number;
}

export function createProgress(options: ProgressOptions): Progress {
  const mode = options.mode === 'auto' ? (options.isTty ? 'bar' : 'json') : options.mode;
  const now = options.now ?? (() => performance.now());
  const started = now();
  if (mode === 'off') return { update() {}, stop() {} };
  if (mode === 'bar') {
    const total = options.total;
    const bar = new cliProgress.SingleBar(
      {
        format: total === undefined ? 'shard {shard} | {value} rows | {speed} rows/s | {failed} failed' : 'shard {shard} [{bar}] {percentage}% | {value}/{total} rows | {speed} rows/s | ETA {eta_formatted} | {failed} failed',
        stream: options.stream ?? process.stderr,
        etaBuffer: 50,
        fps: 5,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total ?? 0, 0, { shard: options.shard, speed: 0, failed: 0 });
    return {
      update(done, failed) {
        const seconds = (now() - started) / 1000;
        bar.update(done, { shard: options.shard, speed: seconds > 0 ? Math.round(done / seconds) : 0, failed });
      },
      stop() {
        bar.stop();
      },
    };
  }
  let last = started;
  let lastDone = 0;
  return {
    update(done, failed) {
      const t = now();
      if (t - last < options.intervalMs) return;
      const seconds = (t - started) / 1000;
      const rate = seconds > 0 ? done / seconds : 0;
      const total = options.total;
      options.logger.info('progress', {
        shard: options.shard,
        rows: done,
        failed,
        ...(total === undefined ? {} : { total, percent: Math.round((done * 1000) / Math.max(1, total)) / 10, etaSeconds: rate > 0 ? Math.round((total - done) / rate) : null }),
        rowsPerSecond: Math.round(rate),
        recentRowsPerSecond: Math.round(((done - lastDone) * 1000) / Math.max(1, t - last)),
      });
      last = t;
      lastDone = done;
    },
    stop() {},
  };
}
