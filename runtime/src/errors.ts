// The closed family of errors the runtime answers with. Every failure a client
// can cause maps to one of these; anything else is a bug and becomes a logged,
// generic 500 in the error middleware (app.ts).

export abstract class RuntimeError extends Error {
  abstract readonly status: number;
}

/** 400: the request is malformed or does not fit the model. */
export class InvalidInputError extends RuntimeError {
  readonly status = 400;
}

/** 404: unknown model, version or route. */
export class NotFoundError extends RuntimeError {
  readonly status = 404;
}

/** 413: the body is larger than --max-body-bytes. */
export class PayloadTooLargeError extends RuntimeError {
  readonly status = 413;
}

/** 415: a content type or encoding the runtime does not speak. */
export class UnsupportedMediaTypeError extends RuntimeError {
  readonly status = 415;
}

/** 503: not ready yet, draining, queue full or queue timeout; clients should retry. */
export class UnavailableError extends RuntimeError {
  readonly status = 503;
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds = 1, options?: ErrorOptions) {
    super(message, options);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/**
 * 499 (nginx's "client closed request"): the client went away while its
 * request waited in the queue, so it was dropped, not run. Nobody reads the
 * answer; the status shows in metrics and the access log.
 */
export class ClientClosedError extends RuntimeError {
  readonly status = 499;
}

/** 503: the batching queue is full (a fallback may answer: --fallback-on queueFull). */
export class QueueFullError extends UnavailableError {}

/** 503: the request waited in the queue past its timeout or fallback deadline (--fallback-on deadline). */
export class QueueTimeoutError extends UnavailableError {}

/** 500: the model failed on input that passed validation. */
export class InferenceError extends RuntimeError {
  readonly status = 500;
}

/**
 * Why a request's values were refused (a bounded set: the label of
 * modelship_input_rejected_total). `non_finite`: NaN or +-Inf; `overflow`: a
 * number the declared datatype cannot hold (1e39 for FP32, 300 for INT8);
 * `out_of_range`: outside the training profile's range (--input-policy reject).
 */
export type RejectReason = 'non_finite' | 'overflow' | 'out_of_range';

export const REJECT_REASONS: readonly RejectReason[] = ['non_finite', 'overflow', 'out_of_range'];

/** 400 for values the model must not see; the core counts them by reason. */
export class RejectedInputError extends InvalidInputError {
  readonly reason: RejectReason;
  constructor(reason: RejectReason, message: string) {
    super(message);
    this.reason = reason;
  }
}
