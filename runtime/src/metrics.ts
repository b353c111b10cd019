// Prometheus metrics of one runtime, on a registry of its own (so tests can
// build many apps in one process). Label children for the single served model
// are bound once: the hot path only increments and observes.
//
// Node process metrics keep prom-client's standard names (process_*, nodejs_*)
// rather than a modelship_ prefix: those names are what existing dashboards
// and alerts for Node services query, and they are not ours to rename.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { REJECT_REASONS, type RejectReason } from './errors.ts';
import { createDriftMetrics, type DriftMetrics } from './drift/metrics.ts';
import { FALLBACK_REASON_LABEL, type FallbackTrigger } from './fallback/fallback.ts';

export type WorkerFailure = 'exited' | 'hung' | 'load_failed';

export type Protocol = 'v1' | 'v2' | 'grpc';

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Resolution of the nodejs_eventloop_lag_* histogram (prom-client's default is 10 ms). */
export const EVENT_LOOP_SAMPLE_MS = 100;

export class RuntimeMetrics {
  readonly registry = new Registry();
  readonly #requests: Counter<'model' | 'protocol' | 'code'>;
  readonly #requestChildren = new Map<string, { inc(): void }>();
  readonly #duration: Histogram<'model' | 'protocol'>;
  readonly #durationChildren: Record<Protocol, { observe(v: number): void }>;
  readonly compute: { observe(seconds: number): void };
  readonly queueWait: { observe(seconds: number): void };
  readonly batchSize: { observe(rows: number): void };
  /** Read at scrape time, so the hot path never touches the two gauges. */
  #gauges: { queueLength(): number; inFlight(): number } = { queueLength: () => 0, inFlight: () => 0 };
  readonly #loadDuration: Gauge<'model'>;
  readonly #provider: Gauge<'model' | 'provider'>;
  readonly #workers: Gauge<'model'>;
  readonly #queueDropped: Counter<'model' | 'reason'>;
  readonly #workerFailures: Counter<'model' | 'reason'>;
  readonly #model: string;
  readonly #loggerEvents: Counter<'model' | 'sink' | 'outcome'>;
  readonly #inputRejected: Counter<'model' | 'reason'>;
  readonly #fallback: Counter<'model' | 'reason'>;
  #loggerQueue: (sink: 'http' | 'blob') => number = () => 0;
  /** Drift gauges and the out-of-range counter (drift/metrics.ts), set by drift/monitor.ts. */
  readonly drift: DriftMetrics;

  readonly #mirror: Counter<'model' | 'outcome'>;
  readonly #frontendRequests: Counter<'model' | 'thread'>;
  readonly #frontendFailures: Counter<'model'>;
  #mirrorQueue: () => number = () => 0;

  /**
   * `constLabels`: the revision and variant this pod serves (--revision,
   * --variant), on every series, so one PromQL query compares A/B variants;
   * one value per pod, so cardinality stays that of the pods.
   */
  constructor(model: string, options: { processMetrics?: boolean; constLabels?: Readonly<Record<string, string>> } = {}) {
    this.#model = model;
    const registers = [this.registry];
    if (options.constLabels !== undefined && Object.keys(options.constLabels).length > 0) this.registry.setDefaultLabels({ ...options.constLabels });
    this.drift = createDriftMetrics(registers, model);
    this.#requests = new Counter({ name: 'modelship_requests_total', help: 'Inference requests by protocol and HTTP status code.', labelNames: ['model', 'protocol', 'code'], registers });
    this.#duration = new Histogram({
      name: 'modelship_request_duration_seconds',
      help: 'Inference request latency, from the first byte read to the response written.',
      labelNames: ['model', 'protocol'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.#durationChildren = {
      v1: this.#duration.labels({ model, protocol: 'v1' }),
      v2: this.#duration.labels({ model, protocol: 'v2' }),
      grpc: this.#duration.labels({ model, protocol: 'grpc' }),
    };
    this.compute = new Histogram({
      name: 'modelship_inference_compute_duration_seconds',
      help: 'Time onnxruntime spent running one (possibly batched) inference.',
      labelNames: ['model'],
      buckets: LATENCY_BUCKETS,
      registers,
    }).labels({ model });
    this.queueWait = new Histogram({
      name: 'modelship_queue_wait_duration_seconds',
      help: 'Time a request waited in the batching queue before its run started.',
      labelNames: ['model'],
      buckets: LATENCY_BUCKETS,
      registers,
    }).labels({ model });
    this.batchSize = new Histogram({
      name: 'modelship_batch_size',
      help: 'Rows along the batch dimension per inference run.',
      labelNames: ['model'],
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
      registers,
    }).labels({ model });
    const gauges = (): { queueLength(): number; inFlight(): number } => this.#gauges;
    new Gauge({
      name: 'modelship_queue_length',
      help: 'Requests waiting in the batching queue.',
      labelNames: ['model'],
      registers,
      collect() {
        this.set({ model }, gauges().queueLength());
      },
    });
    new Gauge({
      name: 'modelship_requests_in_flight',
      help: 'Inference requests being handled.',
      labelNames: ['model'],
      registers,
      collect() {
        this.set({ model }, gauges().inFlight());
      },
    });
    this.#loadDuration = new Gauge({ name: 'modelship_model_load_duration_seconds', help: 'Seconds spent loading the model and running the warm-up.', labelNames: ['model'], registers });
    this.#provider = new Gauge({ name: 'modelship_execution_provider_info', help: 'The execution provider the model runs on (value is always 1).', labelNames: ['model', 'provider'], registers });
    this.#queueDropped = new Counter({
      name: 'modelship_queue_dropped_total',
      help: 'Requests taken out of the batching queue without running, by reason: timeout (waited past --queue-timeout-ms, answered 503), client_closed (the client disconnected).',
      labelNames: ['model', 'reason'],
      registers,
    });
    this.#workers = new Gauge({ name: 'modelship_inference_workers', help: 'Inference worker threads with the model loaded (0: unready until a replacement loads).', labelNames: ['model'], registers });
    this.#workerFailures = new Counter({
      name: 'modelship_inference_worker_failures_total',
      help: 'Inference worker failures by reason: exited (died during or between runs), hung (a run passed --max-run-seconds), load_failed (a replacement could not load the model).',
      labelNames: ['model', 'reason'],
      registers,
    });
    this.#loggerEvents = new Counter({
      name: 'modelship_logger_events_total',
      help: 'Payload-logger events by sink (http, blob) and outcome: sent, dropped (queue full or shutting down) or failed (the sink refused them after retries).',
      labelNames: ['model', 'sink', 'outcome'],
      registers,
    });
    this.#inputRejected = new Counter({
      name: 'modelship_input_rejected_total',
      help: 'Requests refused with 400 for their values, by reason: non_finite (NaN, +-Inf), overflow (a number the datatype cannot hold), out_of_range (outside the training profile, --input-policy reject).',
      labelNames: ['model', 'reason'],
      registers,
    });
    // Every reason from the start, so rate() and alerts see 0 rather than no series.
    for (const reason of REJECT_REASONS) this.#inputRejected.inc({ model, reason }, 0);
    this.#fallback = new Counter({
      name: 'modelship_fallback_total',
      help: 'Requests the fallback (--fallback-model-path or --fallback-response) answered instead of the primary model, by reason: queue_full, deadline (queued past --fallback-deadline-ms), error (the primary run failed).',
      labelNames: ['model', 'reason'],
      registers,
    });
    for (const reason of Object.values(FALLBACK_REASON_LABEL)) this.#fallback.inc({ model, reason }, 0);
    const loggerQueue = (sink: 'http' | 'blob'): number => this.#loggerQueue(sink);
    new Gauge({
      name: 'modelship_logger_queue_length',
      help: 'Payload-logger events waiting for their sink.',
      labelNames: ['model', 'sink'],
      registers,
      collect() {
        for (const sink of ['http', 'blob'] as const) this.set({ model, sink }, loggerQueue(sink));
      },
    });
    this.#mirror = new Counter({
      name: 'modelship_mirror_requests_total',
      help: 'Copies of live requests for the shadow (--mirror-url) by outcome: sent (it answered), failed (error, timeout or a non-2xx answer) or dropped (the bounded queue was full or the server is shutting down).',
      labelNames: ['model', 'outcome'],
      registers,
    });
    for (const outcome of ['sent', 'failed', 'dropped'] as const) this.#mirror.inc({ model, outcome }, 0);
    const mirrorQueue = (): number => this.#mirrorQueue();
    new Gauge({
      name: 'modelship_mirror_queue_length',
      help: 'Request copies waiting to be sent to the shadow.',
      labelNames: ['model'],
      registers,
      collect() {
        this.set({ model }, mirrorQueue());
      },
    });
    this.#frontendRequests = new Counter({
      name: 'modelship_frontend_requests_total',
      help: 'HTTP requests (every route) by the front-end thread that parsed them (--frontend-threads above 1; thread is its index), to see the kernel spread connections.',
      labelNames: ['model', 'thread'],
      registers,
    });
    this.#frontendFailures = new Counter({
      name: 'modelship_frontend_thread_failures_total',
      help: 'Front-end threads that died (each is replaced; the connections it held are lost).',
      labelNames: ['model'],
      registers,
    });
    this.#frontendFailures.inc({ model }, 0);
    // The event-loop lag histogram samples on a timer; prom-client's default
    // (every 10 ms) alone kept an idle server at ~0.7% of a core (make
    // bench-cpu). Ten samples a second still catch any stall a scrape would.
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
  }

  /** A front-end thread's counter child, bound once (frontend/thread.ts). */
  frontendRequests(thread: number): { inc(): void } {
    return this.#frontendRequests.labels({ model: this.#model, thread: String(thread) });
  }

  frontendThreadFailed(): void {
    this.#frontendFailures.inc({ model: this.#model });
  }

  mirrored(outcome: 'sent' | 'failed' | 'dropped'): void {
    this.#mirror.inc({ model: this.#model, outcome });
  }

  /** Where the mirror queue gauge reads its value. */
  sampleMirrorQueue(source: () => number): void {
    this.#mirrorQueue = source;
  }

  /** Where the queue-length and in-flight gauges read their values. */
  sampleGauges(sources: { queueLength(): number; inFlight(): number }): void {
    this.#gauges = sources;
  }

  /** Where the payload-logger queue gauge reads its values. */
  sampleLoggerQueue(source: (sink: 'http' | 'blob') => number): void {
    this.#loggerQueue = source;
  }

  loggerEvents(sink: 'http' | 'blob', outcome: 'sent' | 'dropped' | 'failed', n: number): void {
    this.#loggerEvents.inc({ model: this.#model, sink, outcome }, n);
  }

  request(protocol: Protocol, code: number, seconds: number): void {
    const key = `${protocol}${code}`;
    let child = this.#requestChildren.get(key);
    if (!child) {
      child = this.#requests.labels({ model: this.#model, protocol, code: String(code) });
      this.#requestChildren.set(key, child);
    }
    child.inc();
    this.#durationChildren[protocol].observe(seconds);
  }

  queueDropped(reason: 'timeout' | 'client_closed'): void {
    this.#queueDropped.inc({ model: this.#model, reason });
  }

  fallbackAnswered(trigger: FallbackTrigger): void {
    this.#fallback.inc({ model: this.#model, reason: FALLBACK_REASON_LABEL[trigger] });
  }

  inputRejected(reason: RejectReason): void {
    this.#inputRejected.inc({ model: this.#model, reason });
  }

  workersAlive(count: number): void {
    this.#workers.set({ model: this.#model }, count);
  }

  workerFailed(reason: WorkerFailure): void {
    this.#workerFailures.inc({ model: this.#model, reason });
  }

  loaded(seconds: number, provider: string): void {
    this.#loadDuration.set({ model: this.#model }, seconds);
    this.#provider.set({ model: this.#model, provider }, 1);
  }
}
