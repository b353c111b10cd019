// The protocol-neutral core of an inference call, shared by every front end
// (REST in app.ts, gRPC in grpc/service.ts): which engine serves a model
// reference (404 / 503 otherwise), in-flight accounting for draining, request
// metrics, the access log, and how any thrown value becomes a status and a
// message a client may see. Front ends only decode, encode and answer.
import type { Logger } from '../../common/src/logger.ts';
import { NotFoundError, RejectedInputError, RuntimeError, UnavailableError } from './errors.ts';
import type { Engine } from './inference/engine.ts';
import type { Protocol, RuntimeMetrics } from './metrics.ts';
import type { RuntimeState } from './state.ts';
import type { Carrier, RequestTrace, Tracer } from './tracing/types.ts';
import type { PayloadLogger } from './logging/payload-logger.ts';
import type { Answered } from './fallback/fallback.ts';
import type { InferRequest } from './protocol/types.ts';
import { OUT_OF_RANGE_HEADER } from './policy/input-policy.ts';

export interface CoreDeps {
  readonly modelName: string;
  readonly modelVersion: string | undefined;
  readonly accessLog: boolean;
  readonly logger: Logger;
  readonly metrics: RuntimeMetrics;
  readonly state: RuntimeState;
  /** Tracing (tracing/otel.ts), absent when off. */
  readonly tracer?: Tracer | undefined;
  /** Payload logging (logging/), absent when off; front ends log their decoded requests and responses. */
  readonly payloadLogger?: PayloadLogger | undefined;
  /**
   * Where validated requests are answered. Absent: here (input policy,
   * fallback, engine). A front-end thread (frontend/thread.ts) passes the
   * main thread's answer, which runs all three there.
   */
  readonly answer?: ((engine: Engine, request: InferRequest, trace: RequestTrace | undefined, gone?: AbortSignal) => Promise<Answered>) | undefined;
}

/** A model as a request names it; an empty or absent version means "the served one". */
export interface ModelRef {
  readonly name?: string | undefined;
  readonly version?: string | undefined;
}

/** What a client is told about a failure: an HTTP-family status (front ends map it), a message, a retry hint. */
export interface Outcome {
  readonly status: number;
  readonly message: string;
  readonly retryAfter?: number | undefined;
}

/** Access-log fields of one call (the REST method and path, or the gRPC method). */
export interface CallInfo {
  readonly method: string | undefined;
  readonly path: string | undefined;
  /** Request headers (or gRPC metadata) a W3C traceparent is read from when tracing is on. */
  readonly carrier?: Carrier | undefined;
}

/** What a handler gets besides the engine: the call's trace (undefined when tracing is off or the call is not sampled). */
export interface CallContext {
  readonly trace: RequestTrace | undefined;
}

/** Marks a fallback answer: the response header (REST) and trailing metadata key (gRPC). */
export const FALLBACK_HEADER = 'x-modelship-fallback';

/** The response parameters and marker headers (REST headers, gRPC trailing metadata) of an answer. */
export function answerMarks(answered: Answered): { parameters: Record<string, boolean | string[]> | undefined; headers: Record<string, string> } {
  const parameters: Record<string, boolean | string[]> = {};
  const headers: Record<string, string> = {};
  if (answered.fallback !== undefined) {
    parameters.fallback = true;
    headers[FALLBACK_HEADER] = 'true';
  }
  if (answered.outOfRange !== undefined && answered.outOfRange.length > 0) {
    // Feature names go in the body only: they may hold characters a header cannot.
    parameters.out_of_range = [...answered.outOfRange];
    headers[OUT_OF_RANGE_HEADER] = 'true';
  }
  return { parameters: Object.keys(parameters).length === 0 ? undefined : parameters, headers };
}

export interface InferenceCore {
  readonly payloadLogger: PayloadLogger | undefined;
  readonly modelName: string;
  readonly modelVersion: string | undefined;
  /** The engine for a model reference, or NotFoundError (unknown model or version) / UnavailableError (not ready, draining). */
  engineFor(ref: ModelRef): Engine;
  /**
   * Runs a validated request on the engine; when a fallback is configured and
   * the engine fails in a way it covers, the fallback answers (`fallback` says why).
   */
  infer(engine: Engine, request: InferRequest, trace: RequestTrace | undefined, gone?: AbortSignal): Promise<Answered>;
  /** Maps any thrown value to what a client may see; unknown errors are logged and stay generic. */
  describe(error: unknown): Outcome;
  /**
   * Runs one inference call: `handle` decodes, infers and answers; a throw
   * goes to `fail` with its outcome. `ref` may be a function when the model is
   * named inside the payload (gRPC): its throw is the call's failure too. Counts the call in flight (draining waits
   * for it), observes the request metrics and writes the access log line.
   */
  call(protocol: Protocol, ref: ModelRef | (() => ModelRef), info: CallInfo, handle: (engine: Engine, context: CallContext) => Promise<void>, fail: (outcome: Outcome, error: unknown) => number): Promise<void>;
}

/** Why inference is refused in each phase but ready and draining. */
const UNAVAILABLE: Partial<Record<RuntimeState['phase'], string>> = {
  failed: 'the model failed to load, or no inference worker could be restarted',
  recovering: 'no inference worker is running; a replacement is starting',
};

export function createInferenceCore(deps: CoreDeps): InferenceCore {
  const { logger, metrics, state } = deps;
  metrics.sampleGauges({ queueLength: () => state.engine?.queued ?? 0, inFlight: () => state.inFlight });

  function engineFor({ name, version }: ModelRef): Engine {
    if (name !== deps.modelName) throw new NotFoundError(`unknown model '${name}'; this server serves '${deps.modelName}'`);
    if (version !== undefined && version !== '' && version !== deps.modelVersion) {
      throw new NotFoundError(`model '${name}' has no version '${version}'${deps.modelVersion === undefined ? '' : `; it serves version '${deps.modelVersion}'`}`);
    }
    if (state.phase === 'draining') throw new UnavailableError('the server is shutting down; retry on another replica');
    if (state.phase !== 'ready' || !state.engine) throw new UnavailableError(UNAVAILABLE[state.phase] ?? 'the model is still loading', 5);
    return state.engine;
  }

  async function answerHere(engine: Engine, request: InferRequest, trace: RequestTrace | undefined, gone?: AbortSignal): Promise<Answered> {
    // Under reject this throws (400, counted by reason); under flag it names the features to mark.
    const outOfRange = state.inputPolicy?.check(request);
    const fallback = state.fallback;
    const answered: Answered = fallback === undefined ? { outputs: await engine.infer(request, trace, gone), fallback: undefined } : await fallback.infer(request, (r) => engine.infer(r, trace, gone), trace);
    return outOfRange === undefined || outOfRange.length === 0 ? answered : { ...answered, outOfRange };
  }

  const infer = deps.answer ?? answerHere;

  function describe(error: unknown): Outcome {
    if (error instanceof UnavailableError) return { status: error.status, message: error.message, retryAfter: error.retryAfterSeconds };
    if (error instanceof RuntimeError) return { status: error.status, message: error.message };
    // Errors express itself raises on bad requests (e.g. malformed percent-encoding) carry a 4xx status.
    const status = (error as { status?: unknown } | null)?.status;
    if (typeof status === 'number' && status >= 400 && status < 500) return { status, message: `bad request: ${(error as Error).message ?? 'rejected'}` };
    logger.error('unexpected error while handling a request', { error: error instanceof Error ? error.stack : String(error) });
    return { status: 500, message: 'internal error' };
  }

  async function call(
    protocol: Protocol,
    ref: ModelRef | (() => ModelRef),
    info: CallInfo,
    handle: (engine: Engine, context: CallContext) => Promise<void>,
    fail: (outcome: Outcome, error: unknown) => number,
  ): Promise<void> {
    const started = performance.now();
    state.requestStarted();
    const trace = deps.tracer?.startRequest(info.carrier, { protocol, method: info.method, path: info.path });
    let status = 200;
    try {
      const engine = engineFor(typeof ref === 'function' ? ref() : ref);
      // With a training profile, answered requests are also offered to the drift window (off the request path).
      await handle(state.drift?.observing(engine) ?? engine, { trace });
    } catch (error) {
      if (error instanceof RejectedInputError) metrics.inputRejected(error.reason);
      status = fail(describe(error), error);
    } finally {
      const seconds = (performance.now() - started) / 1000;
      metrics.request(protocol, status, seconds);
      state.requestFinished();
      trace?.end(status);
      if (deps.accessLog) {
        const ids = trace === undefined ? {} : { traceId: trace.traceId, spanId: trace.spanId };
        logger.info('request', { protocol, method: info.method, path: info.path, status, ms: Math.round(seconds * 1e5) / 100, ...ids });
      }
    }
  }

  return { payloadLogger: deps.payloadLogger, modelName: deps.modelName, modelVersion: deps.modelVersion, engineFor, infer, describe, call };
}
