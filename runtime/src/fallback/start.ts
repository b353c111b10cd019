// Builds the configured fallback once the primary model is loaded (its
// outputs are what a static response or fallback model is checked against).
// A fallback model gets one worker and its own queue and metrics registry, so
// its runs never count as the primary's compute, batches or queue waits.
import { readFile } from 'node:fs/promises';
import type { Logger } from '../../../common/src/logger.ts';
import type { FallbackConfig } from '../config.ts';
import { InferenceEngine } from '../inference/engine.ts';
import { warmupPlan } from '../inference/warmup.ts';
import { RuntimeMetrics } from '../metrics.ts';
import { modelSpecOf } from '../model/metadata.ts';
import { resolveModelFile } from '../model/model-file.ts';
import type { ModelSpec } from '../protocol/types.ts';
import type { Tracer } from '../tracing/types.ts';
import { WorkerPool } from '../workers/pool.ts';
import type { WorkerOptions } from '../workers/messages.ts';
import { Fallback, type Answerer } from './fallback.ts';
import { checkFallbackModel, modelAnswerer } from './model.ts';
import { FallbackConfigError, parseStaticResponse, staticAnswerer } from './static.ts';

export interface FallbackDeps {
  readonly logger: Logger;
  /** The primary's metrics: fallback answers are counted there. */
  readonly metrics: RuntimeMetrics;
  readonly tracer: Tracer | undefined;
  /** The primary's worker options; the fallback model replaces the path and runs on one thread. */
  readonly workerOptions: WorkerOptions;
  readonly batching: { readonly maxBatchSize: number; readonly maxQueueDelayMs: number; readonly maxQueueSize: number; readonly queueTimeoutMs: number };
}

async function responseText(value: string): Promise<string> {
  if (value.trimStart().startsWith('{')) return value;
  try {
    return await readFile(value, 'utf8');
  } catch (error) {
    throw new FallbackConfigError(`cannot read --fallback-response file ${value}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

async function staticFallback(value: string, primary: ModelSpec): Promise<Answerer> {
  const text = await responseText(value);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new FallbackConfigError(`--fallback-response is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  return staticAnswerer(parseStaticResponse(parsed, primary), primary);
}

async function modelFallback(path: string, primary: ModelSpec, deps: FallbackDeps): Promise<Answerer> {
  const modelPath = await resolveModelFile(path);
  const { pool, loaded } = await WorkerPool.start(1, { ...deps.workerOptions, modelPath, intraOpThreads: 1, interOpThreads: 1 }, deps.logger);
  try {
    const spec = modelSpecOf({ name: primary.name, version: primary.version, executionProvider: loaded.provider }, loaded.inputs, loaded.outputs, primary.limits);
    checkFallbackModel(primary, spec);
    const engine = new InferenceEngine(spec, pool, deps.batching, new RuntimeMetrics(`${primary.name}-fallback`, { processMetrics: false }), deps.tracer);
    const failure = await engine.warmUp(warmupPlan(spec, {}).requests);
    if (failure !== undefined) deps.logger.warn('the fallback model failed its warm-up run; keeping it', { error: failure });
    return modelAnswerer(engine, () => pool.close());
  } catch (error) {
    await pool.close();
    throw error;
  }
}

export async function startFallback(config: FallbackConfig, primary: ModelSpec, deps: FallbackDeps): Promise<Fallback> {
  const answerer = config.modelPath !== undefined ? await modelFallback(config.modelPath, primary, deps) : await staticFallback(config.response ?? '', primary);
  return new Fallback(
    new Set(config.on),
    answerer,
    {
      answered: (trigger) => deps.metrics.fallbackAnswered(trigger),
      failed: (trigger, error) => deps.logger.warn('the fallback failed too; answering with the primary error', { trigger, error: error instanceof Error ? error.message : String(error) }),
    },
    config.modelPath !== undefined,
  );
}
