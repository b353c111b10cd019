// What the request path sees of tracing: our own small interfaces, no
// OpenTelemetry import, so with tracing off (the default) no SDK code is
// loaded at all (server.ts imports otel.ts only when an endpoint is set).
// Times are performance.now() milliseconds.

/** Headers or gRPC metadata a W3C traceparent/tracestate is read from. */
export type Carrier = Readonly<Record<string, string | string[] | undefined>>;

/** The span of one inference call, and the children it owns. */
export interface RequestTrace {
  readonly traceId: string;
  readonly spanId: string;
  /** W3C traceparent naming this request's span (for the CloudEvent and downstream calls). */
  readonly traceparent: string;
  /** Runs the response encoding inside an `encode` span. */
  encode<T>(fn: () => T): T;
  /** Ends the request span with the call's status (>= 500 marks it an error). */
  end(status: number): void;
}

/** One request's part in a batch run: its trace and when it was queued. */
export interface BatchMember {
  readonly trace: RequestTrace;
  readonly queuedAt: number;
}

export interface BatchRun {
  /** Requests in the run, and rows along the batch dimension. */
  readonly size: number;
  readonly rows: number;
  /** Worker thread the run went to. */
  readonly worker: number | undefined;
  readonly startedAt: number;
  readonly endedAt: number;
  /** Seconds onnxruntime spent, measured in the worker (the compute span ends with the run). */
  readonly computeSeconds: number | undefined;
  readonly error: string | undefined;
}

export interface Tracer {
  /** Starts the span of an inference call under the caller's traceparent; undefined when it is not sampled. */
  startRequest(carrier: Carrier | undefined, attributes: { protocol: string; method: string | undefined; path: string | undefined }): RequestTrace | undefined;
  /** Records a batch run: each member's queue span, one batch span linked to every member, and its compute span. */
  batch(members: readonly BatchMember[], run: BatchRun): void;
  /** Exports what is buffered; called on SIGTERM. */
  shutdown(): Promise<void>;
}
