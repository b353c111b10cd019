// A front-end thread's view of the main thread's engine and errors: the
// model's spec (for validation and metadata) and a way to send it requests,
// and failures rebuilt as the runtime's error family so core.ts answers and
// counts them exactly as on the main thread.
import { RejectedInputError, RuntimeError, UnavailableError } from '../errors.ts';
import type { Answered } from '../fallback/fallback.ts';
import type { Engine } from '../inference/engine.ts';
import type { InferRequest, ModelSpec, Tensor } from '../protocol/types.ts';
import type { Failure } from './messages.ts';

/** Stands in for the InferenceEngine on the main thread; its queue lives there, so `queued` here is 0. */
export class RemoteEngine implements Engine {
  readonly model: ModelSpec;
  readonly queued = 0;
  readonly #answer: (request: InferRequest, gone?: AbortSignal) => Promise<Answered>;

  constructor(model: ModelSpec, answer: (request: InferRequest, gone?: AbortSignal) => Promise<Answered>) {
    this.model = model;
    this.#answer = answer;
  }

  async infer(request: InferRequest, _trace?: unknown, gone?: AbortSignal): Promise<Tensor[]> {
    return (await this.#answer(request, gone)).outputs;
  }

  /** Draining waits on the main thread's queue, not here. */
  idle(): Promise<void> {
    return Promise.resolve();
  }

  abort(): void {}
}

/** A failure the main thread described, with the status it chose (404, 500, 499, ...). */
export class RelayedError extends RuntimeError {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** What `describe` on the main thread said, as an error the front end's core maps back to the same answer. */
export function revive(failure: Failure): RuntimeError {
  if (failure.reason !== undefined) return new RejectedInputError(failure.reason, failure.message);
  if (failure.status === 503) return new UnavailableError(failure.message, failure.retryAfter ?? 1);
  return new RelayedError(failure.status, failure.message);
}

/** The main thread's side of `revive`. */
export function failureOf(error: unknown, describe: (error: unknown) => { status: number; message: string; retryAfter?: number | undefined }): Failure {
  const { status, message, retryAfter } = describe(error);
  return { status, message, retryAfter, reason: error instanceof RejectedInputError ? error.reason : undefined };
}
