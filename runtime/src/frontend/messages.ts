// Messages between the main thread (frontend/pool.ts) and front-end threads
// (frontend/thread.ts). Front ends parse and validate; the main thread owns
// the model, its one batching queue, the workers, drift, fallback, drain and
// the metrics port. Input tensor buffers travel as transferables (moved, not
// copied); FP16 tensors as Uint16Array views (workers/messages.ts).
import type { LogLevel } from '../../../common/src/logger.ts';
import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import type { RejectReason } from '../errors.ts';
import type { FallbackTrigger } from '../fallback/fallback.ts';
import type { InferRequest, ModelSpec, Tensor } from '../protocol/types.ts';
import type { Phase } from '../state.ts';

/** A front-end thread's settings (its workerData). */
export interface FrontendOptions {
  /** This thread's index, 0..n-1: the `thread` label of modelship_frontend_requests_total. */
  readonly index: number;
  readonly host: string;
  /** The inference port; every thread listens on it with SO_REUSEPORT. */
  readonly port: number;
  readonly modelName: string;
  readonly modelVersion: string | undefined;
  readonly maxBodyBytes: number;
  readonly maxBodyBytesInFlight: number;
  /** The body budget's counter, shared by every front-end thread: one --max-body-bytes-in-flight for them all. */
  readonly bodyBytesInFlight: SharedArrayBuffer;
  readonly accessLog: boolean;
  readonly logLevel: LogLevel;
  /** The revision and variant labels of every series (metrics.ts). */
  readonly constLabels: Readonly<Record<string, string>>;
}

/** What a front end needs to know of the main thread's state to route and answer health and metadata. */
export interface Snapshot {
  readonly phase: Phase;
  /** Set once the model is loaded. */
  readonly model: ModelSpec | undefined;
}

/** A failure on the main thread as the front end must answer it (core.describe's outcome). */
export interface Failure {
  readonly status: number;
  readonly message: string;
  readonly retryAfter?: number | undefined;
  /** Set for 400s counted in modelship_input_rejected_total. */
  readonly reason?: RejectReason | undefined;
}

export type ToFrontend =
  | { readonly kind: 'state'; readonly snapshot: Snapshot }
  | { readonly kind: 'answered'; readonly id: number; readonly outputs: Tensor[]; readonly fallback: FallbackTrigger | undefined; readonly outOfRange: readonly string[] | undefined }
  | { readonly kind: 'failed'; readonly id: number; readonly failure: Failure }
  | { readonly kind: 'drift-report'; readonly id: number; readonly report: object | undefined }
  /** Requests from the main thread, answered with the same kind and id. */
  | { readonly kind: 'collect' | 'quiet' | 'close'; readonly id: number };

export type FromFrontend =
  | { readonly kind: 'listening'; readonly port: number }
  | { readonly kind: 'infer'; readonly id: number; readonly request: InferRequest }
  /** The client of request `id` went away: drop it if still queued. */
  | { readonly kind: 'gone'; readonly id: number }
  | { readonly kind: 'drift-report'; readonly id: number }
  | { readonly kind: 'collect'; readonly id: number; readonly metrics: MetricObjectWithValues<MetricValue<string>>[] }
  | { readonly kind: 'quiet' | 'close'; readonly id: number };
