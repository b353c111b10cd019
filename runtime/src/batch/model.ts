// The model for a batch run: the same worker threads, session options and
// model metadata as `serve` (workers/, model/), so batch and online run one
// artifact the same way; only the HTTP front and the request batcher are left
// out. Runs of one shard go to --workers sessions; the main thread reads and
// encodes the next batch meanwhile.
import type { Logger } from '../../../common/src/logger.ts';
import { defaultThreads } from '../cpu-limit.ts';
import { modelSpecOf } from '../model/metadata.ts';
import { resolveModelFile } from '../model/model-file.ts';
import type { ModelSpec, Tensor } from '../protocol/types.ts';
import { WorkerPool } from '../workers/pool.ts';
import { DEFAULT_SUPERVISION } from '../workers/supervision.ts';
import type { BatchConfig } from './config.ts';

export interface BatchModel {
  readonly spec: ModelSpec;
  readonly intraOpThreads: number;
  run(inputs: readonly Tensor[]): Promise<Tensor[]>;
  close(): Promise<void>;
}

export async function loadBatchModel(config: BatchConfig, cpus: number, logger: Logger): Promise<BatchModel> {
  const modelPath = await resolveModelFile(config.modelPath);
  // The main thread decodes while sessions run: leave it a core when there is more than one.
  const intraOpThreads = config.intraOpThreads ?? defaultThreads(cpus, config.workers).intraOpThreads;
  const { pool, loaded } = await WorkerPool.start(
    config.workers,
    { modelPath, executionProviders: config.executionProviders, intraOpThreads, interOpThreads: config.interOpThreads, ortLogSeverity: config.logLevel === 'debug' ? 2 : 4 },
    logger,
    // A batch run has no client to answer: a lost worker fails the shard, and the Job retries it.
    { policy: { ...DEFAULT_SUPERVISION, maxRunMs: 0, giveUpMs: 0 } },
  );
  if (loaded.fallbackReason) logger.warn('CUDA is not available; running on CPU', { reason: loaded.fallbackReason });
  const spec = modelSpecOf({ name: 'batch', version: undefined, executionProvider: loaded.provider }, loaded.inputs, loaded.outputs);
  return {
    spec,
    intraOpThreads,
    async run(inputs) {
      return (await pool.run(inputs)).outputs;
    },
    close: () => pool.close(),
  };
}
