import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ConfigError, envName, parseServeConfig, SERVE_FLAGS, primaryQueueTimeoutMs } from './config.ts';

const required = ['--model-name', 'iris', '--model-path', 'examples/models/iris.onnx'];

function errorsOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error.errors;
    throw error;
  }
  assert.fail('expected a ConfigError');
}

describe('serve configuration', () => {
  it('applies the documented defaults', () => {
    const config = parseServeConfig(required, {}, 8);
    assert.deepEqual(
      { ...config },
      {
        modelName: 'iris',
        modelPath: 'examples/models/iris.onnx',
        modelVersion: undefined,
        host: '0.0.0.0',
        port: 8080,
        grpcPort: 8081,
        grpcMaxMessageBytes: 64 * 1024 * 1024,
        metricsPort: 8082,
        maxBatchSize: 8,
        maxQueueDelayMs: 2,
        maxQueueSize: 256,
        queueTimeoutMs: 30_000,
        executionProviders: ['cpu'],
        workers: 4,
        frontendThreads: 4,
        intraOpThreads: 1,
        interOpThreads: 1,
        maxBodyBytes: 64 * 1024 * 1024,
        maxBodyBytesInFlight: 128 * 1024 * 1024,
        maxDimension: 16 * 1024 * 1024,
        maxRows: 65_536,
        logLevel: 'info',
        accessLog: true,
        shutdownGraceSeconds: 25,
        maxRunSeconds: 60,
        workerRecoverySeconds: 60,
        terminationLogPath: '/dev/termination-log',
        warmupPath: undefined,
        fallback: undefined,
        inputPolicy: 'off',
        profilePath: undefined,
        observability: {
          identity: { inferenceService: 'iris', namespace: 'default', component: 'predictor', revision: 'iris' },
          logger: undefined,
          tracing: undefined,
        },
        drift: { window: 1000, slices: 4, threshold: 0.2 },
      },
    );
    assert.ok(Object.isFrozen(config));
  });

  it('reads the gRPC routes and shadow target of Service mode, refusing what is not host:port', () => {
    const config = parseServeConfig([...required, '--variant', 'main', '--variant-grpc-routes', 'b=iris-b.ml.svc.cluster.local:8081', '--mirror-grpc-target', '127.0.0.1:9000'], {}, 4);
    assert.deepEqual([...(config.grpcRoutes ?? [])], [['b', 'iris-b.ml.svc.cluster.local:8081']]);
    assert.equal(config.grpcMirror?.url, '127.0.0.1:9000');
    assert.equal(config.mirror, undefined, 'REST copies stay off without --mirror-url');
    assert.throws(() => parseServeConfig([...required, '--variant-grpc-routes', 'b=http://x:1'], {}, 4), /variant-grpc-routes/);
    assert.throws(() => parseServeConfig([...required, '--mirror-grpc-target', 'x:99999'], {}, 4), /mirror-grpc-target/);
  });

  it('refuses a drift window with more slices than requests', () => {
    assert.throws(() => parseServeConfig([...required, '--drift-window', '3', '--drift-slices', '4'], {}, 4), /--drift-slices 4 is more than --drift-window 3/);
    assert.deepEqual(parseServeConfig([...required, '--drift-window', '500', '--drift-slices', '5', '--drift-threshold', '0.1'], {}, 4).drift, { window: 500, slices: 5, threshold: 0.1 });
  });

  it('sizes the body budget after the memory limit, else the body limit, and never below one body', () => {
    const budget = (flags: string[], memory?: number) => parseServeConfig([...required, '--max-body-bytes', '1000', ...flags], {}, 2, memory).maxBodyBytesInFlight;
    assert.equal(budget([]), 2000);
    assert.equal(budget([], 2 ** 31), 2 ** 27);
    assert.equal(budget([], 4000), 1000);
    assert.equal(budget(['--max-body-bytes-in-flight', '1500'], 2 ** 31), 1500);
    assert.deepEqual(errorsOf(() => budget(['--max-body-bytes-in-flight', '999'])), [
      '--max-body-bytes-in-flight 999 is less than --max-body-bytes 1000: a body of the largest size could never be admitted',
    ]);
  });

  it('sizes the gRPC message limit after the REST body limit unless told', () => {
    assert.equal(parseServeConfig([...required, '--max-body-bytes', '1000'], {}, 2).grpcMaxMessageBytes, 1000);
    assert.equal(parseServeConfig([...required, '--max-body-bytes', '1000', '--grpc-max-message-bytes', '50'], {}, 2).grpcMaxMessageBytes, 50);
    assert.equal(parseServeConfig(required, { MODELSHIP_GRPC_PORT: '9001' }, 2).grpcPort, 9001);
  });

  it('reads MODELSHIP_* variables, and flags win over them', () => {
    const env = { MODELSHIP_MODEL_NAME: 'from-env', MODELSHIP_MODEL_PATH: '/m.onnx', MODELSHIP_PORT: '9000', MODELSHIP_ACCESS_LOG: 'false' };
    const config = parseServeConfig(['--port=9100', '--max-queue-delay-ms', '0.5', '--execution-providers', 'cuda'], env, 2);
    assert.equal(config.modelName, 'from-env');
    assert.equal(config.port, 9100);
    assert.equal(config.maxQueueDelayMs, 0.5);
    assert.equal(config.accessLog, false);
    assert.deepEqual(config.executionProviders, ['cuda', 'cpu']);
  });

  it('accepts a bare boolean flag', () => {
    assert.equal(parseServeConfig([...required, '--access-log'], { MODELSHIP_ACCESS_LOG: 'false' }, 2).accessLog, true);
    assert.equal(parseServeConfig(['--access-log', 'false', ...required], {}, 2).accessLog, false);
  });

  it('sizes workers and threads from the CPU limit unless told', () => {
    assert.deepEqual(pick(parseServeConfig(required, {}, 1)), [1, 1, 1]);
    assert.deepEqual(pick(parseServeConfig(required, {}, 2)), [1, 1, 1]);
    assert.deepEqual(pick(parseServeConfig(required, {}, 4)), [2, 1, 1]);
    assert.deepEqual(pick(parseServeConfig(required, {}, 32)), [4, 7, 1]);
    assert.deepEqual(pick(parseServeConfig([...required, '--workers', '2'], {}, 8)), [2, 3, 1]);
    assert.deepEqual(pick(parseServeConfig([...required, '--intra-op-threads', '6', '--inter-op-threads=2'], {}, 8)), [4, 6, 2]);
  });

  it('sizes front-end threads from the CPU limit; features of the main-thread front end keep it at 1', () => {
    assert.deepEqual([1, 2, 3, 4, 6, 16, 64].map((cpus) => parseServeConfig(required, {}, cpus).frontendThreads), [1, 1, 1, 2, 3, 8, 8]);
    assert.equal(parseServeConfig([...required, '--frontend-threads', '3'], {}, 1).frontendThreads, 3);
    assert.equal(parseServeConfig(required, { MODELSHIP_FRONTEND_THREADS: '2' }, 1).frontendThreads, 2);
    // Defaulted: quietly 1 with payload logging, tracing, mirroring or variants; asked for: an error naming them.
    assert.equal(parseServeConfig([...required, '--tracing-endpoint', 'http://127.0.0.1:4318/v1/traces'], {}, 16).frontendThreads, 1);
    assert.equal(parseServeConfig([...required, '--variant', 'main', '--frontend-threads', '1'], {}, 16).frontendThreads, 1);
    const errors = errorsOf(() => parseServeConfig([...required, '--frontend-threads', '2', '--logger-url', 'http://127.0.0.1:9/', '--mirror-url', 'http://127.0.0.1:9/'], {}, 16));
    assert.equal(errors.length, 1);
    assert.match(errors[0]!, /--frontend-threads 2 cannot be combined with --logger-url \(payload logging\), --mirror-url \(mirroring\)/);
    assert.deepEqual(errorsOf(() => parseServeConfig([...required, '--frontend-threads', '0'], {}, 4)).length, 1);
  });

  it('parses a fallback; the primary queue times out at the fallback deadline when it is shorter', () => {
    const config = parseServeConfig([...required, '--fallback-response', '{"outputs":[]}', '--fallback-deadline-ms', '250', '--fallback-on', 'deadline,queueFull'], {}, 2);
    assert.deepEqual(config.fallback, { modelPath: undefined, response: '{"outputs":[]}', deadlineMs: 250, on: ['deadline', 'queueFull'] });
    assert.equal(primaryQueueTimeoutMs(config), 250);
    assert.equal(primaryQueueTimeoutMs({ queueTimeoutMs: 100, fallback: config.fallback }), 100);
    assert.equal(primaryQueueTimeoutMs({ queueTimeoutMs: 0, fallback: config.fallback }), 250);
    assert.equal(primaryQueueTimeoutMs({ queueTimeoutMs: 30_000, fallback: { ...config.fallback!, on: ['error'] } }), 30_000);
    assert.deepEqual(parseServeConfig([...required, '--fallback-model-path', 'small.onnx'], {}, 2).fallback?.on, ['queueFull', 'deadline', 'error']);
    assert.deepEqual(errorsOf(() => parseServeConfig([...required, '--fallback-model-path', 'a.onnx', '--fallback-response', '{}'], {}, 2)), ['--fallback-model-path and --fallback-response are exclusive: give one fallback']);
    assert.deepEqual(errorsOf(() => parseServeConfig([...required, '--fallback-deadline-ms', '5'], {}, 2)), ['--fallback-deadline-ms needs a fallback (--fallback-model-path or --fallback-response)']);
    assert.deepEqual(errorsOf(() => parseServeConfig([...required, '--fallback-response', '{}', '--fallback-on', 'error,timeout'], {}, 2)), [
      '--fallback-on must be a comma list of queueFull, deadline, error (got error,timeout)',
    ]);
  });

  it('reports every error at once', () => {
    const errors = errorsOf(() =>
      parseServeConfig(['--port', '70000', '--max-batch-size', '0', '--execution-providers', 'tpu', '--log-level', 'loud', '--bogus', 'x', 'stray', '--workers'], {}, 2),
    );
    assert.deepEqual(errors, [
      'unknown flag --bogus',
      'unexpected argument "x"',
      'unexpected argument "stray"',
      '--workers needs a value',
      '--model-name (or MODELSHIP_MODEL_NAME) is required',
      '--model-path (or MODELSHIP_MODEL_PATH) is required',
      '--port must be an integer in [0, 65535]',
      '--max-batch-size must be an integer in [1, 4096]',
      '--execution-providers must be a comma list of cuda, cpu (got tpu)',
      '--log-level must be one of error, warn, info, debug',
    ]);
  });

  it('parses the variant and the shadow mirror; rejects a bad variant name or percent', () => {
    const c = parseServeConfig([...required, '--revision', 'iris-predictor-1a2b', '--variant', 'b', '--mirror-url', 'http://iris-predictor-ffff.ml.svc.cluster.local', '--mirror-percent', '25'], {}, 2);
    assert.equal(c.observability.identity.variant, 'b');
    assert.deepEqual(c.mirror, { url: 'http://iris-predictor-ffff.ml.svc.cluster.local', percent: 25, queueSize: 1000, queueBytes: 64 * 1024 * 1024, concurrency: 16, timeoutMs: 10000 });
    assert.equal(parseServeConfig(required, {}, 2).mirror, undefined);
    assert.throws(() => parseServeConfig([...required, '--variant', 'B_1'], {}, 2), /--variant.*DNS label/s);
    assert.throws(() => parseServeConfig([...required, '--mirror-url', 'http://x', '--mirror-percent', '101'], {}, 2), /--mirror-percent/);
    assert.throws(() => parseServeConfig([...required, '--mirror-url', 'ftp://x'], {}, 2), /--mirror-url/);
  });

  it('parses payload logging and tracing; either sink turns the logger on', () => {
    const c = parseServeConfig([
      ...required, '--inference-service', 'iris', '--namespace', 'ml', '--revision', 'iris-predictor-1a2b',
      '--logger-url', 'http://sink:8080/events', '--logger-mode', 'request', '--logger-metadata-headers', 'X-User, x-tenant,X-User',
      '--logger-sample-rate', '0.1', '--tracing-endpoint', 'http://otel:4318/v1/traces', '--tracing-sampling-ratio=0.5',
    ], {}, 2).observability;
    assert.deepEqual(c.identity, { inferenceService: 'iris', namespace: 'ml', component: 'predictor', revision: 'iris-predictor-1a2b' });
    assert.deepEqual({ ...c.logger, metadataHeaders: [...c.logger!.metadataHeaders] }, {
      url: 'http://sink:8080/events', storageUri: undefined, mode: 'request', metadataHeaders: ['x-user', 'x-tenant'], sampleRate: 0.1,
      queueSize: 10000, flushIntervalMs: 5000, flushBytes: 8 * 1024 * 1024, s3Endpoint: undefined, s3Region: 'us-east-1',
    });
    assert.deepEqual(c.tracing, { endpoint: 'http://otel:4318/v1/traces', samplingRatio: 0.5 });
    const blob = parseServeConfig(required, { MODELSHIP_LOGGER_STORAGE_URI: 's3://logs/iris', AWS_ENDPOINT_URL: 'http://127.0.0.1:9000', AWS_REGION: 'eu-west-1' }, 2).observability.logger;
    assert.deepEqual([blob?.s3Endpoint, blob?.s3Region], ['http://127.0.0.1:9000', 'eu-west-1']);
    assert.equal(blob?.storageUri, 's3://logs/iris');
    assert.equal(blob?.url, undefined);
    assert.deepEqual(
      errorsOf(() => parseServeConfig([...required, '--logger-url', 'ftp://x', '--logger-mode', 'both', '--logger-sample-rate', '1.5', '--logger-storage-uri', 'https://b/p', '--tracing-endpoint', 'otel:4318', '--logger-metadata-headers', 'a b'], {}, 2)),
      [
        '--logger-url must be an http:// or https:// URL',
        '--logger-storage-uri must be s3://bucket[/prefix], gs://bucket[/prefix] or file:///path',
        '--logger-mode must be one of all, request, response',
        '--logger-metadata-headers must be a comma list of header names (bad: a b)',
        '--logger-sample-rate must be a number in [0, 1]',
        '--tracing-endpoint must be an http:// or https:// URL',
      ],
    );
  });

  it('names each environment variable after its flag', () => {
    assert.equal(envName('max-queue-delay-ms'), 'MODELSHIP_MAX_QUEUE_DELAY_MS');
  });

  it('is documented flag by flag in runtime/README.md', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    for (const flag of SERVE_FLAGS) {
      assert.ok(readme.includes(`\`--${flag}\``), `runtime/README.md documents --${flag}`);
      assert.ok(readme.includes(`\`${envName(flag)}\``), `runtime/README.md documents ${envName(flag)}`);
    }
  });
});

function pick(c: { workers: number; intraOpThreads: number; interOpThreads: number }): number[] {
  return [c.workers, c.intraOpThreads, c.interOpThreads];
}
