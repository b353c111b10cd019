import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from './config.ts';

test('defaults, flags and environment; flags win', () => {
  const c = loadConfig(['--workers', '8', '--gpu-node-selector=pool=gpu,tier=a'], { MODELSHIP_OPERATOR_WORKERS: '2', MODELSHIP_OPERATOR_RUNTIME_IMAGE: 'r:1', POD_NAMESPACE: 'ops' });
  assert.equal(c.workers, 8);
  assert.equal(c.runtimeImage, 'r:1');
  assert.deepEqual(c.placement.gpuNodeSelector, { pool: 'gpu', tier: 'a' });
  assert.equal(c.leaderElection.namespace, 'ops');
  assert.equal(c.leaderElection.enabled, true);
  assert.ok(Object.isFrozen(c) && Object.isFrozen(c.placement));
});

test('every problem is reported at once, flags and environment alike', () => {
  try {
    loadConfig(['--workers', '0', '--bogus', 'x', '--leader-elect', 'maybe', '--lease-duration-seconds', '5', '--renew-deadline-seconds', '6'], { MODELSHIP_OPERATOR_WORKRES: '4', MODELSHIP_OPERATOR_PORT: 'http' });
    assert.fail('expected a ConfigError');
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    assert.deepEqual(err.errors, [
      'unknown flag --bogus',
      'unexpected argument "x"',
      'unknown environment variable MODELSHIP_OPERATOR_WORKRES',
      '--workers must be an integer in [1, 256]',
      '--port must be an integer in [0, 65535]',
      '--leader-elect must be true or false',
      '--renew-deadline-seconds must be less than --lease-duration-seconds',
    ]);
    assert.match(err.message, /^invalid operator configuration:/);
  }
});

test('a bare boolean flag means true; the pod\'s name and namespace are the lease defaults', () => {
  const c = loadConfig(['--leader-elect', '--workers', '3'], { MODELSHIP_OPERATOR_LEADER_ELECT: 'false', POD_NAME: 'op-0', POD_NAMESPACE: 'ops' });
  assert.equal(c.leaderElection.enabled, true);
  assert.equal(c.workers, 3);
  assert.deepEqual([c.leaderElection.identity, c.leaderElection.namespace], ['op-0', 'ops']);
  assert.deepEqual(loadConfig(['--istio-gateways', 'a/g, b/g,', '--gpu-node-selector', 'pool=gpu=x'], {}).traffic.istioGateways, ['a/g', 'b/g']);
  assert.deepEqual(loadConfig(['--gpu-node-selector', 'pool=gpu=x'], {}).placement.gpuNodeSelector, { pool: 'gpu=x' });
  assert.throws(() => loadConfig(['--gpu-node-selector', 'pool'], {}), /--gpu-node-selector must be k=v\[,k=v\]/);
});

test('spec defaults: unset leaves them to the runtime and the built-in HPA values; flags and environment set them', () => {
  const none = loadConfig([], {});
  assert.deepEqual(none.specDefaults, {
    batching: { maxBatchSize: undefined, maxQueueDelayMs: undefined, maxQueueSize: undefined },
    scaleMetric: 'queueLength', scaleTarget: undefined, scaleUpStabilizationSeconds: undefined, scaleDownStabilizationSeconds: undefined,
    tracing: { endpoint: undefined, samplingRatio: undefined },
    monitoring: { driftThreshold: 0.2, window: 1000, inputPolicy: 'off' },
  });
  const set = loadConfig(
    ['--default-max-batch-size', '16', '--default-max-queue-delay-ms=0', '--default-scale-metric', 'cpu', '--default-scale-target', '70'],
    { MODELSHIP_OPERATOR_DEFAULT_MAX_QUEUE_SIZE: '128', MODELSHIP_OPERATOR_DEFAULT_SCALE_UP_STABILIZATION_SECONDS: '0', MODELSHIP_OPERATOR_DEFAULT_SCALE_DOWN_STABILIZATION_SECONDS: '900' },
  );
  assert.deepEqual(set.specDefaults, {
    batching: { maxBatchSize: 16, maxQueueDelayMs: 0, maxQueueSize: 128 },
    scaleMetric: 'cpu', scaleTarget: 70, scaleUpStabilizationSeconds: 0, scaleDownStabilizationSeconds: 900,
    tracing: { endpoint: undefined, samplingRatio: undefined },
    monitoring: { driftThreshold: 0.2, window: 1000, inputPolicy: 'off' },
  });
  assert.ok(Object.isFrozen(set.specDefaults.batching));
});

test('monitoring defaults and the drift check: the runtime\'s own by default; flags and environment set them; bad ones refused', () => {
  const none = loadConfig([], {});
  assert.deepEqual(none.drift, { checkSeconds: 60 });
  const set = loadConfig(['--default-drift-threshold', '0.35', '--default-input-policy=reject', '--drift-check-seconds', '0'], { MODELSHIP_OPERATOR_DEFAULT_DRIFT_WINDOW: '250' });
  assert.deepEqual(set.specDefaults.monitoring, { driftThreshold: 0.35, window: 250, inputPolicy: 'reject' });
  assert.equal(set.drift.checkSeconds, 0);
  const cases: Array<[string[], RegExp]> = [
    [['--default-drift-threshold', '0'], /--default-drift-threshold must be a number above 0 and at most 10/],
    [['--default-drift-threshold', '10.01'], /--default-drift-threshold must be a number above 0/],
    [['--default-drift-threshold', 'high'], /--default-drift-threshold must be a number above 0/],
    [['--default-drift-threshold', ''], /--default-drift-threshold must be a number above 0/],
    [['--default-drift-window', '9'], /--default-drift-window must be an integer in \[10, 1000000\]/],
    [['--default-input-policy', 'clip'], /--default-input-policy must be one of reject, flag, off/],
    [['--drift-check-seconds', '-1'], /--drift-check-seconds must be an integer in \[0, 86400\]/],
  ];
  for (const [argv, message] of cases) assert.throws(() => loadConfig(argv, {}), message, argv.join(' '));
});

test('spec defaults: bad values are all reported', () => {
  const cases: Array<[string[], RegExp]> = [
    [['--default-max-batch-size', '0'], /--default-max-batch-size must be an integer in \[1, 1024\]/],
    [['--default-max-queue-delay-ms', '-1'], /--default-max-queue-delay-ms must be an integer in \[0, 60000\]/],
    [['--default-max-queue-size', 'many'], /--default-max-queue-size must be an integer in \[1, 100000\]/],
    [['--default-max-batch-size', '64', '--default-max-queue-size', '32'], /--default-max-batch-size must not exceed --default-max-queue-size/],
    [['--default-scale-metric', 'rps'], /--default-scale-metric must be one of queueLength, concurrency, cpu, memory/],
    [['--default-scale-target', '0'], /--default-scale-target must be an integer in \[1, 1000000\]/],
    [['--default-scale-up-stabilization-seconds', '3601'], /--default-scale-up-stabilization-seconds must be an integer in \[0, 3600\]/],
    [['--default-scale-down-stabilization-seconds', '1.5'], /--default-scale-down-stabilization-seconds must be an integer in \[0, 3600\]/],
  ];
  for (const [argv, message] of cases) assert.throws(() => loadConfig(argv, {}), message, argv.join(' '));
  assert.throws(() => loadConfig(['--default-max-batch-size', '0', '--default-scale-metric', 'rps'], {}), (err: unknown) => err instanceof ConfigError && err.errors.length === 2);
});

test('autoscaler class and Prometheus URL: defaults, flags, and a bad class refused', () => {
  const d = loadConfig([], {});
  assert.deepEqual(d.autoscaling, { autoscalerClass: 'hpa', prometheusUrl: 'http://prometheus-operated.monitoring.svc:9090', kedaInstalled: false });
  const c = loadConfig(['--autoscaler-class', 'keda', '--prometheus-url=http://p:9090'], {});
  assert.equal(c.autoscaling.autoscalerClass, 'keda');
  assert.equal(c.autoscaling.prometheusUrl, 'http://p:9090');
  assert.throws(() => loadConfig(['--autoscaler-class', 'kpa'], {}), /--autoscaler-class must be one of hpa, keda/);
});

test('tracing defaults: an OTLP/HTTP endpoint and a ratio; bad ones refused', () => {
  const c = loadConfig(['--tracing-endpoint', 'http://otel.observability:4318/v1/traces'], { MODELSHIP_OPERATOR_TRACING_SAMPLING_RATIO: '0.25' });
  assert.deepEqual(c.specDefaults.tracing, { endpoint: 'http://otel.observability:4318/v1/traces', samplingRatio: 0.25 });
  assert.deepEqual(loadConfig(['--tracing-endpoint='], {}).specDefaults.tracing, { endpoint: undefined, samplingRatio: undefined }, 'empty means off (the chart default)');
  assert.throws(() => loadConfig(['--tracing-endpoint', 'otel:4318'], {}), /--tracing-endpoint must be an http:\/\/ or https:\/\/ URL/);
  assert.throws(() => loadConfig(['--tracing-sampling-ratio', '1.5'], {}), /--tracing-sampling-ratio must be a number in \[0, 1\]/);
  assert.throws(() => loadConfig(['--tracing-sampling-ratio', ''], {}), /--tracing-sampling-ratio must be a number in \[0, 1\]/);
});

test('model volume size limit: 10Gi by default, a flag or MODELSHIP_OPERATOR_MODEL_VOLUME_SIZE_LIMIT sets it, a non-quantity is refused', () => {
  assert.equal(loadConfig([], {}).modelVolumeSizeLimit, '10Gi');
  assert.equal(loadConfig([], { MODELSHIP_OPERATOR_MODEL_VOLUME_SIZE_LIMIT: '50Gi' }).modelVolumeSizeLimit, '50Gi');
  assert.equal(loadConfig(['--model-volume-size-limit', '2Gi'], {}).modelVolumeSizeLimit, '2Gi');
  assert.throws(() => loadConfig(['--model-volume-size-limit', 'lots'], {}), /--model-volume-size-limit must be a quantity of at least 1Mi \(e\.g\. 10Gi\), got lots/);
  assert.throws(() => loadConfig(['--model-volume-size-limit', '10'], {}), /--model-volume-size-limit must be a quantity of at least 1Mi/);
});

test('storage settings: the fetch policy defaults, flags and environment, and bad values reported', () => {
  assert.deepEqual({ ...loadConfig([], {}).storage }, { idleTimeoutSeconds: 60, maxModelBytes: 20 * 1024 ** 3, allowMetadataAddresses: false, tokenAudience: '' });
  const c = loadConfig(['--storage-idle-timeout-seconds', '5', '--storage-allow-metadata-addresses'], { MODELSHIP_OPERATOR_STORAGE_MAX_MODEL_BYTES: '1000', MODELSHIP_OPERATOR_STORAGE_TOKEN_AUDIENCE: 'sts.amazonaws.com' });
  assert.deepEqual({ ...c.storage }, { idleTimeoutSeconds: 5, maxModelBytes: 1000, allowMetadataAddresses: true, tokenAudience: 'sts.amazonaws.com' });
  assert.throws(() => loadConfig(['--storage-idle-timeout-seconds', '0', '--storage-max-model-bytes', 'lots'], {}), (e: unknown) =>
    e instanceof ConfigError && /--storage-idle-timeout-seconds/.test(e.message) && /--storage-max-model-bytes/.test(e.message));
});

test('tenant policy and route hostnames: strict defaults, lists from flags and environment, an empty value clears a list', () => {
  const d = loadConfig([], {});
  assert.deepEqual(d.tenantPolicy.reservedEnvPrefixes, ['NODE_', 'MODELSHIP_', 'LD_']);
  assert.deepEqual([d.tenantPolicy.allowedServiceAccounts, d.tenantPolicy.allowedTolerationKeys, d.tenantPolicy.allowedNodeSelectorKeys], [[], [], []]);
  assert.equal(d.traffic.allowModeAnnotation, false);
  assert.equal(d.traffic.hostnameTemplate, '{name}.{namespace}.{domain}');
  const c = loadConfig(
    ['--allowed-service-accounts', 'ml/reader, storage', '--allowed-toleration-keys=dedicated', '--allow-traffic-mode-annotation', 'true', '--hostname-template', '{name}-{namespace}.{domain}'],
    { MODELSHIP_OPERATOR_RESERVED_ENV_PREFIXES: '', MODELSHIP_OPERATOR_ALLOWED_NODE_SELECTOR_KEYS: 'pool,zone', MODELSHIP_OPERATOR_ALLOWED_POD_ANNOTATIONS: 'sidecar.istio.io/inject' },
  );
  assert.deepEqual(c.tenantPolicy.allowedServiceAccounts, ['ml/reader', 'storage']);
  assert.deepEqual(c.tenantPolicy.allowedTolerationKeys, ['dedicated']);
  assert.deepEqual(c.tenantPolicy.allowedNodeSelectorKeys, ['pool', 'zone']);
  assert.deepEqual(c.tenantPolicy.reservedEnvPrefixes, []);
  assert.deepEqual(c.tenantPolicy.allowedPodAnnotations, ['sidecar.istio.io/inject']);
  assert.equal(c.traffic.allowModeAnnotation, true);
  assert.equal(c.traffic.hostnameTemplate, '{name}-{namespace}.{domain}');
  assert.ok(Object.isFrozen(c.tenantPolicy.allowedServiceAccounts));
  assert.throws(() => loadConfig(['--hostname-template', '{name}.{domain}'], {}), /--hostname-template must contain \{namespace\}/);
});
