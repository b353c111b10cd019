// Runs validated requests on the model: through the batching scheduler when
// the model's batch dimension is dynamic, on the worker pool, then picks each
// request's requested outputs from its share of the batch.
import { Batcher, type BatcherOptions } from '../batching/batcher.ts';
import { batchSignature, concatInputs, splitOutputs } from '../batching/assemble.ts';
import { InferenceError } from '../errors.ts';
import type { InferRequest, ModelSpec, RequestedOutput, Tensor } from '../protocol/types.ts';
import type { RuntimeMetrics } from '../metrics.ts';
import { WorkerLostError, type RunResult } from '../workers/pool.ts';
import { copyTensors } from '../protocol/copy.ts';
import type { BatchMember, RequestTrace, Tracer } from '../tracing/types.ts';

/** What the engine needs from the worker pool (tests substitute a fake). */
export interface Runner {
  readonly size: number;
  run(inputs: readonly Tensor[]): Promise<RunResult>;
}

interface Job {
  readonly trace: RequestTrace | undefined;
  readonly queuedAt: number;
  readonly signature: string | undefined;
  readonly rows: number;
  readonly inputs: readonly Tensor[];
  readonly outputs: readonly RequestedOutput[];
}

function pick(outputs: readonly Tensor[], requested: readonly RequestedOutput[]): Tensor[] {
  return requested.map((r) => {
    const tensor = outputs.find((t) => t.name === r.name);
    if (!tensor) throw new InferenceError(`the model produced no output '${r.name}'`);
    return tensor;
  });
}

/**
 * What the core and the front ends use of an engine: the main thread's
 * InferenceEngine, or a front-end thread's stand-in that sends requests to it
 * (frontend/remote-engine.ts).
 */
export type Engine = Pick<InferenceEngine, 'model' | 'queued' | 'infer' | 'idle' | 'abort'>;

export class InferenceEngine {
  readonly model: ModelSpec;
  readonly #runner: Runner;
  readonly #batcher: Batcher<Job, Tensor[] | Error>;
  readonly #metrics: RuntimeMetrics;
  readonly #tracer: Tracer | undefined;

  constructor(model: ModelSpec, runner: Runner, options: Omit<BatcherOptions, 'concurrency'>, metrics: RuntimeMetrics, tracer?: Tracer) {
    this.model = model;
    this.#runner = runner;
    this.#metrics = metrics;
    this.#tracer = tracer;
    this.#batcher = new Batcher<Job, Tensor[] | Error>(
      { ...options, concurrency: runner.size },
      (jobs) => this.#runBatch(jobs),
      {
        onDispatch: (rows, waits) => {
          metrics.batchSize.observe(rows);
          for (const w of waits) metrics.queueWait.observe(w);
        },
        onDrop: (reason) => metrics.queueDropped(reason),
      },
    );
  }

  get queued(): number {
    return this.#batcher.queued;
  }

  /**
   * `trace`: the call's span, when traced; its queue wait and the batch run it joins become child spans.
   * `gone` aborts when the client disconnected: a request still queued then is dropped, not run.
   */
  async infer(request: InferRequest, trace?: RequestTrace, gone?: AbortSignal): Promise<Tensor[]> {
    const batchable = this.model.batchable;
    const result = await this.#batcher.submit({
      trace,
      queuedAt: trace === undefined ? 0 : performance.now(),
      signature: batchable ? batchSignature(request.inputs) : undefined,
      rows: batchable ? (request.inputs[0]?.shape[0] ?? 1) : 1,
      inputs: request.inputs,
      outputs: request.outputs,
    }, gone);
    if (result instanceof Error) throw result;
    return result;
  }

  /**
   * Runs each warm-up request once on every worker, so each session's
   * first-run cost is paid before readiness (see warmup.ts). Resolves with
   * the first failure's message, never rejects: a graph may refuse a guessed
   * sample that real traffic never sends.
   */
  async warmUp(requests: readonly InferRequest[]): Promise<string | undefined> {
    for (const request of requests) {
      const runs = await Promise.allSettled(Array.from({ length: this.#runner.size }, () => this.#runner.run(copyTensors(request.inputs))));
      const failed = runs.find((r) => r.status === 'rejected');
      if (failed !== undefined) return failed.reason instanceof Error ? failed.reason.message : String(failed.reason);
    }
    return undefined;
  }

  /** Resolves when nothing is queued or running. */
  idle(): Promise<void> {
    return this.#batcher.idle();
  }

  /** Answers every queued and running request with `error` (see Batcher.abort). */
  abort(error: Error): void {
    this.#batcher.abort(error);
  }

  async #run(jobs: Job[]): Promise<Tensor[][]> {
    const traced = this.#tracer === undefined ? [] : jobs.filter((j) => j.trace !== undefined);
    const startedAt = traced.length > 0 ? performance.now() : 0;
    let result: RunResult;
    try {
      result = await this.#runner.run(concatInputs(jobs.map((j) => j.inputs)));
    } catch (error) {
      if (traced.length > 0) this.#traceBatch(jobs, traced, startedAt, undefined, error instanceof Error ? error.message : String(error));
      throw error;
    }
    if (traced.length > 0) this.#traceBatch(jobs, traced, startedAt, result, undefined);
    this.#metrics.compute.observe(result.computeSeconds);
    const shares = splitOutputs(result.outputs, jobs.map((j) => j.rows));
    return jobs.map((job, i) => pick(shares[i] ?? [], job.outputs));
  }

  #traceBatch(jobs: readonly Job[], traced: readonly Job[], startedAt: number, result: RunResult | undefined, error: string | undefined): void {
    const members: BatchMember[] = traced.map((j) => ({ trace: j.trace as RequestTrace, queuedAt: j.queuedAt }));
    this.#tracer?.batch(members, {
      size: jobs.length,
      rows: jobs.reduce((sum, j) => sum + j.rows, 0),
      worker: result?.worker,
      startedAt,
      endedAt: performance.now(),
      computeSeconds: result?.computeSeconds,
      error,
    });
  }

  /**
   * Runs a batch; when a run of several requests fails, runs each alone, so
   * one request the model rejects (say, an index out of range in its data)
   * fails only itself. Their inputs are intact: only the merged copy moved to
   * the worker.
   */
  async #runBatch(jobs: Job[]): Promise<(Tensor[] | Error)[]> {
    try {
      return await this.#run(jobs);
    } catch (error) {
      // A dead or hung worker says nothing about any one request; rerunning each alone could only hang or crash again.
      if (jobs.length === 1 || error instanceof WorkerLostError) throw error;
      return Promise.all(
        jobs.map((job) =>
          this.#run([job]).then(
            ([outputs]) => outputs ?? new InferenceError('the model returned no outputs'),
            (e: unknown) => (e instanceof Error ? e : new InferenceError(String(e))),
          ),
        ),
      );
    }
  }
}
