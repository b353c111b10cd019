// Owns the process-level lifecycle of `serve`: listen with sane timeouts,
// load the model on the worker pool (the HTTP server is up first so liveness
// answers during loading), warm up, turn ready, and on SIGTERM/SIGINT drain:
// readiness false, new inference answered 503, queued and in-flight work
// finished within the grace period (what is left then is answered 503), then exit.
import { access } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { AggregatorRegistry } from 'prom-client';
import type { Logger } from '../../common/src/logger.ts';
import { createApp } from './app.ts';
import { createInferenceCore, type InferenceCore } from './core.ts';
import { startGrpc } from './grpc/server.ts';
import { primaryQueueTimeoutMs, type ServeConfig } from './config.ts';
import type { Fallback } from './fallback/fallback.ts';
import { InputPolicy } from './policy/input-policy.ts';
import { startFallback } from './fallback/start.ts';
import { InferenceEngine } from './inference/engine.ts';
import { readWarmupFile, warmupPlan } from './inference/warmup.ts';
import { DriftMonitor } from './drift/monitor.ts';
import { checkProfileFitsModel, loadProfile, profilePathFor } from './profile/load.ts';
import type { Profile } from './profile/profile.ts';
import { UnavailableError } from './errors.ts';
import { createMetricsListener, type MetricsSource } from './metrics-listener.ts';
import { createRestServer, listen } from './http-server.ts';
import { BodyBudget } from './admission/body-budget.ts';
import { FrontendPool } from './frontend/pool.ts';
import { failureOf } from './frontend/remote.ts';
import type { Tracer } from './tracing/types.ts';
import type { PayloadLogger } from './logging/payload-logger.ts';
import { createPayloadLogger } from './logging/payload-logger.ts';
import { Mirror } from './mirror/mirror.ts';
import { GrpcRelay } from './grpc-relay/relay.ts';
import { variantForwarder } from './variants/forward.ts';
import { RuntimeMetrics } from './metrics.ts';
import { modelSpecOf } from './model/metadata.ts';
import { resolveModelFile } from './model/model-file.ts';
import { RuntimeState } from './state.ts';
import { WorkerPool } from './workers/pool.ts';
import { DEFAULT_SUPERVISION } from './workers/supervision.ts';

export interface RunningServer {
  /** The REST server; undefined with front-end threads (each has its own). */
  readonly server: Server | undefined;
  readonly port: number;
  /** The gRPC port (h2c), serving inference.GRPCInferenceService and grpc.health.v1.Health. */
  readonly grpcPort: number;
  /** Where GET /metrics is served (its own port, see metrics-listener.ts). */
  readonly metricsPort: number;
  readonly state: RuntimeState;
  /** Resolves once the model is loaded and warmed up (rejects when loading failed). */
  readonly ready: Promise<void>;
  /**
   * Resolves (never rejects) when the runtime can no longer serve: the model
   * failed to load, or no inference worker could be restarted within
   * --worker-recovery-seconds. main.ts then reports it and exits.
   */
  readonly fatal: Promise<Error>;
  /** Drains and closes; resolves true when everything finished within the grace period. */
  shutdown(): Promise<boolean>;
}

/**
 * The training profile: --profile-path (which must exist), else
 * `<model>.profile.json` beside the model file when present. A malformed
 * profile stops the start with the loader's error naming the field.
 */
async function servingProfile(configured: string | undefined, modelFile: string): Promise<Profile | undefined> {
  if (configured !== undefined) return loadProfile(configured);
  const beside = profilePathFor(modelFile);
  const present = await access(beside).then(() => true, () => false);
  return present ? loadProfile(beside) : undefined;
}

/** Seams for tests; production passes none. */
export interface ServerOptions {
  /** The inference worker script (test/runtime/support/fault-worker.ts wraps the real one with injected faults). */
  readonly workerUrl?: URL;
  /** The front-end thread script (test/runtime/support/fault-frontend.ts wraps the real one). */
  readonly frontendUrl?: URL;
}

/** The REST front end as the lifecycle sees it: on the main thread, or on front-end threads (frontend/). */
interface RestFrontEnd {
  readonly port: number;
  readonly server: Server | undefined;
  /** Where GET /metrics reads: the main registry, plus every front-end thread's summed in. */
  readonly metrics: MetricsSource;
  /** Draining began: idle keep-alive connections go now. */
  draining(): void;
  /** Resolves when no REST inference request is in flight. */
  quiet(): Promise<void>;
  /** Requests front-end threads handed to this thread, not yet answered (for the drain log; 0 without threads: state counts them). */
  handedOver(): number;
  close(): Promise<void>;
}

interface RestDeps {
  readonly config: ServeConfig;
  readonly logger: Logger;
  readonly metrics: RuntimeMetrics;
  readonly state: RuntimeState;
  /** The main thread's core (gRPC uses it too). */
  readonly core: InferenceCore;
  readonly tracer: Tracer | undefined;
  readonly payloadLogger: PayloadLogger | undefined;
  readonly mirror: Mirror | undefined;
  readonly frontendUrl: URL | undefined;
}

/** REST on the main thread, as before front-end threads existed (--frontend-threads 1). */
async function startMainThreadRest({ config, logger, metrics, state, tracer, payloadLogger, mirror }: RestDeps): Promise<RestFrontEnd> {
  const app = createApp({
    modelName: config.modelName,
    modelVersion: config.modelVersion,
    maxBodyBytes: config.maxBodyBytes,
    maxBodyBytesInFlight: config.maxBodyBytesInFlight,
    accessLog: config.accessLog,
    logger,
    metrics,
    state,
    payloadLogger,
    tracer,
    mirror,
  });
  // With variants, a request pinned to another variant is forwarded before the app sees it.
  const forward = config.variantRouting === undefined ? undefined : variantForwarder(config.variantRouting, logger);
  const server = createRestServer(forward === undefined ? app : (req, res) => {
    if (!forward(req, res)) app(req, res);
  });
  const port = await listen(server, config.host, config.port);
  return {
    port,
    server,
    metrics: metrics.registry,
    draining: () => server.closeIdleConnections(),
    // The app's requests are counted in the shared state, with gRPC's.
    quiet: () => state.quiet(),
    handedOver: () => 0,
    close: async () => {
      server.close();
      server.closeAllConnections();
    },
  };
}

/**
 * REST on --frontend-threads threads sharing the port (frontend/): they parse
 * and validate; requests are answered here, through the one engine.
 */
async function startFrontendThreads({ config, logger, metrics, state, core, frontendUrl }: RestDeps): Promise<RestFrontEnd> {
  const threads = config.frontendThreads;
  const { identity } = config.observability;
  const pool = await FrontendPool.start(
    threads,
    {
      host: config.host,
      port: config.port,
      modelName: config.modelName,
      modelVersion: config.modelVersion,
      maxBodyBytes: config.maxBodyBytes,
      maxBodyBytesInFlight: config.maxBodyBytesInFlight,
      // One budget for all the threads: its counter lives in shared memory.
      bodyBytesInFlight: new BodyBudget(config.maxBodyBytesInFlight).shared,
      accessLog: config.accessLog,
      logLevel: config.logLevel,
      constLabels: identity.variant === undefined ? {} : { revision: identity.revision, variant: identity.variant },
      silent: logger.silent,
    },
    {
      snapshot: () => ({ phase: state.phase, model: state.engine?.model }),
      answer: (request, gone) => {
        const engine = core.engineFor({ name: config.modelName });
        return core.infer(state.drift?.observing(engine) ?? engine, request, undefined, gone);
      },
      describe: (error) => failureOf(error, core.describe),
      driftReport: () => state.drift?.report,
      threadFailed: () => metrics.frontendThreadFailed(),
    },
    logger,
    frontendUrl,
  );
  state.onPhase(() => pool.broadcast());
  return {
    port: pool.port,
    server: undefined,
    metrics: {
      contentType: metrics.registry.contentType,
      // Each request was counted once, by the thread that parsed it; prom-client sums the threads' series.
      metrics: async () => AggregatorRegistry.aggregate([await metrics.registry.getMetricsAsJSON(), ...(await pool.collect())]).metrics(),
    },
    draining: () => pool.broadcast(),
    quiet: () => pool.quiet(),
    handedOver: () => pool.inFlight,
    close: () => pool.close(),
  };
}

export async function startServer(config: ServeConfig, logger: Logger, options: ServerOptions = {}): Promise<RunningServer> {
  const state = new RuntimeState();
  let reportFatal: (error: Error) => void = () => {};
  const fatal = new Promise<Error>((resolve) => (reportFatal = resolve));
  const { observability } = config;
  const { identity } = observability;
  const metrics = new RuntimeMetrics(config.modelName, identity.variant === undefined ? {} : { constLabels: { revision: identity.revision, variant: identity.variant } });
  const mirror = config.mirror === undefined ? undefined : new Mirror(config.mirror, { logger, count: (outcome) => metrics.mirrored(outcome) });
  // gRPC pinning and copies in Service mode (grpc-relay/): copies share the REST copies' counter and queue gauge.
  const grpcMirror = config.grpcMirror === undefined ? undefined : new Mirror(config.grpcMirror, { logger, count: (outcome) => metrics.mirrored(outcome), send: GrpcRelay.sender(config.grpcMirror.url) });
  const relay = config.variantRouting === undefined && grpcMirror === undefined
    ? undefined
    : new GrpcRelay(config.variantRouting === undefined ? undefined : { header: config.variantRouting.header, self: config.variantRouting.self, routes: config.grpcRoutes ?? new Map() }, grpcMirror, logger);
  if (mirror !== undefined || grpcMirror !== undefined) metrics.sampleMirrorQueue(() => (mirror?.queued ?? 0) + (grpcMirror?.queued ?? 0));
  const payloadLogger = observability.logger === undefined
    ? undefined
    : createPayloadLogger(observability.logger, observability.identity, { logger, count: (sink, outcome, n) => metrics.loggerEvents(sink, outcome, n) });
  if (payloadLogger !== undefined) metrics.sampleLoggerQueue((sink) => payloadLogger.queued(sink));
  // Loaded only when configured: with tracing off no OpenTelemetry code is in the process.
  const tracer = observability.tracing === undefined
    ? undefined
    : (await import('./tracing/otel.ts')).createOtelTracer(observability.tracing, observability.identity);
  const core = createInferenceCore({ modelName: config.modelName, modelVersion: config.modelVersion, accessLog: config.accessLog, logger, metrics, state, tracer, payloadLogger });
  const restDeps: RestDeps = { config, logger, metrics, state, core, tracer, payloadLogger, mirror, frontendUrl: options.frontendUrl };
  const rest = await (config.frontendThreads > 1 ? startFrontendThreads(restDeps) : startMainThreadRest(restDeps));
  const port = rest.port;
  const grpc = await startGrpc(core, state, { host: config.host, port: config.grpcPort, maxMessageBytes: config.grpcMaxMessageBytes, ...(relay !== undefined ? { wrap: (service) => relay.wrap(service) } : {}) }).catch(async (error: unknown) => {
    await rest.close();
    throw error;
  });
  const metricsServer = createServer({ headersTimeout: 10_000, requestTimeout: 30_000 }, createMetricsListener(rest.metrics));
  let metricsPort: number;
  try {
    metricsPort = await listen(metricsServer, config.host, config.metricsPort);
  } catch (error) {
    await rest.close();
    await grpc.close(0);
    throw error;
  }
  logger.info('listening', { host: config.host, port, grpcPort: grpc.port, metricsPort, frontendThreads: config.frontendThreads });

  let pool: WorkerPool | undefined;
  let fallback: Fallback | undefined;
  const ready = (async () => {
    const started = performance.now();
    const modelFile = await resolveModelFile(config.modelPath);
    const profile = await servingProfile(config.profilePath, modelFile);
    const workerOptions = {
      modelPath: modelFile,
      executionProviders: config.executionProviders,
      intraOpThreads: config.intraOpThreads,
      interOpThreads: config.interOpThreads,
      ortLogSeverity: config.logLevel === 'debug' ? 2 : 4,
    } as const;
    const { pool: loadedPool, loaded } = await WorkerPool.start(config.workers, workerOptions, logger, {
      policy: { ...DEFAULT_SUPERVISION, maxRunMs: config.maxRunSeconds * 1000, giveUpMs: config.workerRecoverySeconds * 1000 },
      hooks: {
        onAlive: (count) => {
          state.workersAlive(count);
          metrics.workersAlive(count);
        },
        onFailure: (reason) => metrics.workerFailed(reason),
        onExhausted: (error) => {
          state.fail();
          logger.error('no inference worker is left; giving up', { error: error.message });
          reportFatal(error);
        },
      },
      workerUrl: options.workerUrl,
    });
    pool = loadedPool;
    if (state.phase === 'draining') {
      // SIGTERM arrived while loading: shutdown() found no pool to close.
      await pool.close();
      return;
    }
    if (loaded.fallbackReason) logger.warn('CUDA is not available; running on CPU', { reason: loaded.fallbackReason });
    const model = modelSpecOf({ name: config.modelName, version: config.modelVersion, executionProvider: loaded.provider }, loaded.inputs, loaded.outputs, {
      maxDimension: config.maxDimension,
      maxRows: config.maxRows,
    });
    const engine = new InferenceEngine(
      model,
      pool,
      { maxBatchSize: config.maxBatchSize, maxQueueDelayMs: config.maxQueueDelayMs, maxQueueSize: config.maxQueueSize, queueTimeoutMs: primaryQueueTimeoutMs(config) },
      metrics,
      tracer,
    );
    if (profile !== undefined) checkProfileFitsModel(profile, model);
    if (config.fallback !== undefined) {
      fallback = await startFallback(config.fallback, model, {
        logger,
        metrics,
        tracer,
        workerOptions,
        batching: { maxBatchSize: config.maxBatchSize, maxQueueDelayMs: config.maxQueueDelayMs, maxQueueSize: config.maxQueueSize, queueTimeoutMs: config.queueTimeoutMs },
      });
      logger.info('fallback ready', { kind: config.fallback.modelPath === undefined ? 'response' : 'model', on: config.fallback.on, deadlineMs: config.fallback.deadlineMs });
    }
    const warmup = warmupPlan(model, {
      file: config.warmupPath === undefined ? undefined : await readWarmupFile(config.warmupPath, model),
      profile: profile?.warmup,
    });
    const warmupFailure = await engine.warmUp(warmup.requests);
    if (warmupFailure !== undefined) {
      logger.warn('the warm-up run failed; serving anyway (pass real samples with --warmup-path or in the profile)', { source: warmup.source, error: warmupFailure });
    }
    if (profile !== undefined) {
      // Under --input-policy flag the policy counts every out-of-range value; the window's sampled count would repeat them.
      const counting = { outOfRange: config.inputPolicy !== 'flag' };
      state.drift = new DriftMonitor(profile, { size: config.drift.window, slices: config.drift.slices, threshold: config.drift.threshold }, metrics.drift, logger, counting);
    }
    if (config.inputPolicy !== 'off') {
      if (profile === undefined) logger.warn('--input-policy needs a training profile for its ranges; without one nothing is checked', { inputPolicy: config.inputPolicy });
      else state.inputPolicy = new InputPolicy(config.inputPolicy, profile, metrics.drift.outOfRange, config.modelName);
    }
    const seconds = (performance.now() - started) / 1000;
    metrics.loaded(seconds, loaded.provider);
    state.engine = engine;
    state.fallback = fallback;
    if (state.phase === 'loading') state.phase = 'ready';
    logger.info('model ready', {
      model: config.modelName,
      path: config.modelPath,
      provider: loaded.provider,
      workers: config.workers,
      intraOpThreads: config.intraOpThreads,
      batchable: model.batchable,
      driftMonitoring: profile !== undefined,
      loadSeconds: Math.round(seconds * 1000) / 1000,
    });
  })();
  ready.catch((error: unknown) => {
    if (state.phase === 'loading') state.phase = 'failed';
    logger.error('loading the model failed', { path: config.modelPath, error: error instanceof Error ? error.message : String(error) });
    reportFatal(error instanceof Error ? error : new Error(String(error)));
  });

  let shuttingDown: Promise<boolean> | undefined;
  const shutdown = (): Promise<boolean> => {
    shuttingDown ??= (async () => {
      state.phase = 'draining';
      logger.info('draining', { inFlight: state.inFlight + rest.handedOver(), queued: state.engine?.queued ?? 0, graceSeconds: config.shutdownGraceSeconds });
      // Keep accepting until drained, so late requests (endpoints update slowly) get a clean 503
      // with Connection: close instead of a refused connection; idle keep-alive sockets go now.
      rest.draining();
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), config.shutdownGraceSeconds * 1000);
      });
      const work = Promise.all([state.quiet(), rest.quiet(), state.engine?.idle()]).then(() => true as const);
      const started = performance.now();
      const finished = await Promise.race([work, grace]);
      clearTimeout(timer);
      if (!finished) {
        // Requests still queued or running get a 503 they can retry elsewhere
        // rather than a reset connection; the writes get a moment to leave.
        const unfinished = state.inFlight + rest.handedOver();
        state.engine?.abort(new UnavailableError(`the server shut down before this request finished (grace period of ${config.shutdownGraceSeconds} s ended); retry on another replica`));
        await Promise.race([Promise.all([state.quiet(), rest.quiet()]), new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
        logger.error('the grace period ended with requests still in flight; answered them 503', { inFlight: unfinished, unanswered: state.inFlight + rest.handedOver() });
        // A worker stopped inside onnxruntime's run aborts the whole process
        // (Napi::Error in a dead environment), so the runs already on a worker
        // finish first, their results dropped: at most one run per worker.
        await state.engine?.idle();
      }
      await rest.close();
      // Inference calls are done; what is left on gRPC is health Watch streams.
      await grpc.close(1000);
      // Logged payloads and buffered spans get what is left of the grace period (at least a second) to reach their sinks.
      const flushBy = Math.max(performance.now() + 1000, started + config.shutdownGraceSeconds * 1000);
      await Promise.all([
        payloadLogger?.close(flushBy),
        mirror?.close(Math.max(0, flushBy - performance.now())),
        Promise.resolve(grpcMirror?.close(Math.max(0, flushBy - performance.now()))).finally(() => relay?.close()),
        tracer === undefined
          ? undefined
          : Promise.race([tracer.shutdown(), new Promise((resolve) => setTimeout(resolve, Math.max(0, flushBy - performance.now())).unref())]).catch((error: unknown) => {
              logger.warn('exporting the last spans failed', { error: error instanceof Error ? error.message : String(error) });
            }),
      ]);
      // Metrics are served through the drain, so the last scrape sees it.
      metricsServer.close();
      metricsServer.closeAllConnections();
      await pool?.close();
      await fallback?.close();
      if (finished) logger.info('drained; exiting');
      return finished;
    })();
    return shuttingDown;
  };

  return { server: rest.server, port, grpcPort: grpc.port, metricsPort, state, ready, fatal, shutdown };
}
