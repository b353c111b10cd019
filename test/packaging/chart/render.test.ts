// The Helm chart without a cluster: lint, rendering, security settings, that
// the settings it passes are ones the operator accepts, that the copies of
// generated files match their sources, and that values.schema.json refuses
// bad values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as yaml from 'js-yaml';
import { drift } from '../../../scripts/packaging/sync-chart.ts';
import { loadConfig } from '../../../operator/src/config.ts';
import { IN_FLIGHT_METRIC, QUEUE_LENGTH_METRIC } from '../../../operator/src/resources/hpa.ts';
import { buildDeployment, METRICS_PORT, RUNTIME_PORT } from '../../../operator/src/resources/deployment.ts';
import { DEFAULT_BUILD_CONFIG } from '../../../operator/src/settings.ts';
import { RUNTIME_MONITORING_DEFAULTS } from '../../../operator/src/api/defaults.ts';
import { defaulted } from '../../operator/unit-support/fixtures.ts';
import { MANAGED_BY } from '../../../operator/src/resources/labels.ts';
import { CHART, ROOT, find, ok, run, template, type Manifest } from './tools.ts';

type Container = { name: string; env?: { name: string; value?: string; valueFrom?: unknown }[]; [k: string]: unknown };
type PodSpec = { containers: Container[]; securityContext: Record<string, unknown>; serviceAccountName: string; [k: string]: unknown };
const podSpec = (d: Manifest): PodSpec => (d as unknown as { spec: { template: { spec: PodSpec } } }).spec.template.spec;

test('chart copies of crds/ match their sources', () => {
  assert.deepEqual(drift(ROOT), [], 'refresh them with `make docs` (node scripts/packaging/sync-chart.ts)');
});

test('the chart grants exactly the rules of config/rbac/ (ClusterRole and leader-election Role)', () => {
  const source = (file: string) => (yaml.load(readFileSync(`${ROOT}config/rbac/${file}`, 'utf8')) as { rules: unknown[] }).rules;
  const manifests = template();
  assert.deepEqual((find(manifests, 'ClusterRole') as unknown as { rules: unknown[] }).rules, source('role.yaml'));
  assert.deepEqual((find(manifests, 'Role') as unknown as { rules: unknown[] }).rules, source('leader_election_role.yaml'));
});

test('helm lint --strict passes', () => {
  const out = ok('helm', ['lint', '--strict', CHART]);
  assert.match(out, /1 chart\(s\) linted, 0 chart\(s\) failed/);
});

test('default render: the kinds a least-privilege operator install needs, nothing else', () => {
  const kinds = template().map((m) => `${m.kind}/${m.metadata.name}`).sort();
  assert.deepEqual(kinds, [
    'ClusterRole/modelship',
    'ClusterRoleBinding/modelship',
    'ConfigMap/modelship-prometheus-adapter-rules',
    'Deployment/modelship',
    'NetworkPolicy/modelship',
    'PodDisruptionBudget/modelship',
    'Role/modelship-leader-election',
    'RoleBinding/modelship-leader-election',
    'Service/modelship-metrics',
    'ServiceAccount/modelship',
  ]);
});

test('operator Deployment: replicas, hardened pod, probes on /healthz and /readyz', () => {
  const deployment = find(template(), 'Deployment');
  assert.equal((deployment as unknown as { spec: { replicas: number } }).spec.replicas, 2);
  const pod = podSpec(deployment);
  assert.equal(pod.serviceAccountName, 'modelship');
  assert.deepEqual(pod.securityContext, { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } });
  const c = pod.containers[0]! as Container & Record<string, any>;
  assert.equal(c.image, 'ghcr.io/modelship/operator:0.1.0');
  assert.deepEqual(c.securityContext, {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  });
  assert.equal(c.livenessProbe.httpGet.path, '/healthz');
  assert.equal(c.readinessProbe.httpGet.path, '/readyz');
  assert.ok(c.resources.requests.cpu && c.resources.limits.memory);
});

/** The MODELSHIP_OPERATOR_* environment of the rendered operator container. */
function operatorEnv(manifests: Manifest[]): Record<string, string> {
  const env: Record<string, string> = { POD_NAME: 'modelship-abc', POD_NAMESPACE: 'modelship-system' };
  for (const e of podSpec(find(manifests, 'Deployment')).containers[0]!.env ?? []) if (e.value !== undefined) env[e.name] = e.value;
  return env;
}

test('every setting the chart passes is accepted by the operator, with the chart values', () => {
  const config = loadConfig([], operatorEnv(template(['workers=7', 'logLevel=debug', 'images.runtime.tag=9.9.9', 'gpu.nodeSelector.pool=gpu'])));
  assert.equal(config.workers, 7);
  assert.equal(config.logLevel, 'debug');
  assert.equal(config.runtimeImage, 'ghcr.io/modelship/runtime:9.9.9');
  assert.equal(config.gpuRuntimeImage, 'ghcr.io/modelship/runtime-gpu:0.1.0');
  assert.deepEqual({ ...config.placement.gpuNodeSelector }, { 'nvidia.com/gpu.present': 'true', pool: 'gpu' });
  assert.equal(config.leaderElection.enabled, true);
  assert.equal(config.leaderElection.namespace, 'modelship-system');
  assert.equal(config.leaderElection.identity, 'modelship-abc');
  assert.equal(config.port, 8081);
  assert.deepEqual({ ...config.traffic, istioGateways: [...config.traffic.istioGateways], installed: undefined }, {
    mode: 'auto', gatewayName: 'modelship-gateway', gatewayNamespace: 'modelship-system', ingressDomain: 'example.com',
    hostnameTemplate: '{name}.{namespace}.{domain}', allowModeAnnotation: false,
    istioGateways: [], maxApportionedReplicas: 10, installed: undefined,
  });
  // The chart's tenant policy is the operator's default one.
  assert.deepEqual(JSON.parse(JSON.stringify(config.tenantPolicy)), JSON.parse(JSON.stringify(loadConfig([], {}).tenantPolicy)));
  const open = loadConfig([], operatorEnv(template([
    'tenantPolicy.allowedServiceAccounts={ml/reader,storage}', 'tenantPolicy.allowedNodeSelectorKeys={pool}', 'traffic.allowModeAnnotation=true',
  ], ['--set-json', 'traffic.hostnameTemplate="{name}-{namespace}.{domain}"', '--set-json', 'tenantPolicy.reservedEnvPrefixes=[]'])));
  assert.deepEqual([[...open.tenantPolicy.reservedEnvPrefixes], [...open.tenantPolicy.allowedServiceAccounts], [...open.tenantPolicy.allowedNodeSelectorKeys]], [[], ['ml/reader', 'storage'], ['pool']]);
  assert.deepEqual([open.traffic.allowModeAnnotation, open.traffic.hostnameTemplate], [true, '{name}-{namespace}.{domain}']);
  const istio = loadConfig([], operatorEnv(template(['traffic.mode=istio', 'traffic.istioGateways={istio-system/ingress,web/public}', 'traffic.gateway.namespace=gw'])));
  assert.equal(istio.traffic.mode, 'istio');
  assert.deepEqual([...istio.traffic.istioGateways], ['istio-system/ingress', 'web/public']);
  assert.equal(istio.traffic.gatewayNamespace, 'gw');
});

test('batching and autoscaling defaults reach the operator config; null ones are not passed', () => {
  const none = loadConfig([], operatorEnv(template()));
  assert.deepEqual({ ...none.specDefaults, batching: { ...none.specDefaults.batching }, monitoring: { ...none.specDefaults.monitoring } }, {
    batching: { maxBatchSize: undefined, maxQueueDelayMs: undefined, maxQueueSize: undefined },
    scaleMetric: 'queueLength', scaleTarget: undefined, scaleUpStabilizationSeconds: undefined, scaleDownStabilizationSeconds: undefined,
    tracing: { endpoint: undefined, samplingRatio: undefined },
    monitoring: { driftThreshold: 0.2, window: 1000, inputPolicy: 'off' },
  });
  assert.deepEqual(Object.keys(operatorEnv(template())).filter((k) => /_DEFAULT_(MAX|SCALE)_/.test(k)), ['MODELSHIP_OPERATOR_DEFAULT_SCALE_METRIC']);
  const set = loadConfig([], operatorEnv(template([
    'defaults.batching.maxBatchSize=16', 'defaults.batching.maxQueueDelayMs=0', 'defaults.batching.maxQueueSize=100000',
    'defaults.autoscaling.scaleMetric=concurrency', 'defaults.autoscaling.scaleTarget=1000000',
    'defaults.autoscaling.scaleUpStabilizationSeconds=0', 'defaults.autoscaling.scaleDownStabilizationSeconds=900',
  ])));
  assert.deepEqual({ ...set.specDefaults, batching: { ...set.specDefaults.batching }, monitoring: { ...set.specDefaults.monitoring } }, {
    batching: { maxBatchSize: 16, maxQueueDelayMs: 0, maxQueueSize: 100000 },
    scaleMetric: 'concurrency', scaleTarget: 1000000, scaleUpStabilizationSeconds: 0, scaleDownStabilizationSeconds: 900,
    tracing: { endpoint: undefined, samplingRatio: undefined },
    monitoring: { driftThreshold: 0.2, window: 1000, inputPolicy: 'off' },
  });
});

test('tracing values reach the operator config; an empty endpoint is not passed', () => {
  assert.equal(Object.keys(operatorEnv(template())).filter((k) => k.includes('TRACING')).length, 0);
  const set = loadConfig([], operatorEnv(template(['tracing.endpoint=http://otel.observability:4318/v1/traces', 'tracing.samplingRatio=0.25'])));
  assert.deepEqual({ ...set.specDefaults.tracing }, { endpoint: 'http://otel.observability:4318/v1/traces', samplingRatio: 0.25 });
});

test('monitoring values reach the operator config; the defaults are the runtime\'s own, so no InferenceService changes', () => {
  const none = loadConfig([], operatorEnv(template()));
  assert.deepEqual({ ...none.specDefaults.monitoring }, { ...RUNTIME_MONITORING_DEFAULTS });
  assert.equal(none.drift.checkSeconds, 60);
  assert.equal(none.autoscaling.prometheusUrl, 'http://prometheus-operated.monitoring.svc:9090');
  const set = loadConfig([], operatorEnv(template([
    'monitoring.driftThreshold=0.35', 'monitoring.window=250', 'monitoring.inputPolicy=reject', 'monitoring.driftCheckSeconds=0', 'prometheus.url=http://prom.obs:9090',
  ])));
  assert.deepEqual({ ...set.specDefaults.monitoring }, { driftThreshold: 0.35, window: 250, inputPolicy: 'reject' });
  assert.equal(set.drift.checkSeconds, 0);
  assert.equal(set.autoscaling.prometheusUrl, 'http://prom.obs:9090');
});

test('defaults.batching.maxBatchSize above maxQueueSize is refused at install, not in a crash loop', () => {
  const r = run('helm', ['template', 'modelship', CHART, '--set', 'defaults.batching.maxBatchSize=64', '--set', 'defaults.batching.maxQueueSize=32']);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /defaults.batching.maxBatchSize must not exceed defaults.batching.maxQueueSize/);
});

test('leader election: a namespaced Role on Leases only, bound to the chart ServiceAccount', () => {
  const manifests = template();
  const role = find(manifests, 'Role') as unknown as { metadata: { namespace: string }; rules: unknown[] };
  assert.equal(role.metadata.namespace, 'modelship-system');
  assert.deepEqual(role.rules, [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] }]);
  const binding = find(manifests, 'RoleBinding') as unknown as { subjects: unknown[]; roleRef: { kind: string; name: string } };
  assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: 'modelship', namespace: 'modelship-system' }]);
  assert.deepEqual(binding.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'modelship-leader-election' });
  const off = template(['leaderElection.enabled=false', 'replicaCount=1']);
  assert.ok(!off.some((m) => m.kind === 'Role'));
  assert.equal(operatorEnv(off)['MODELSHIP_OPERATOR_LEADER_ELECT'], 'false');
});

type Policy = Manifest & { spec: { podSelector: { matchLabels: Record<string, string> }; policyTypes: string[]; ingress: { from: unknown[]; ports: { port: number }[] }[] } };
const policies = (manifests: Manifest[]): Policy[] => manifests.filter((m) => m.kind === 'NetworkPolicy') as Policy[];
const fromMonitoring = (ns: string) => [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } } }];

test('NetworkPolicies: the operator port and model server metrics admit only the monitoring namespace, inference the whole cluster', () => {
  // Without a watch namespace the chart knows no model namespace: the operator's policy only.
  const all = policies(template());
  assert.deepEqual(all.map((p) => `${p.metadata.namespace}/${p.metadata.name}`), ['modelship-system/modelship']);
  assert.deepEqual(all[0]!.spec.ingress, [{ from: fromMonitoring('monitoring'), ports: [{ port: 8081, protocol: 'TCP' }] }]);
  assert.deepEqual(all[0]!.spec.policyTypes, ['Ingress']);

  const scoped = policies(template(['watchNamespace=team-a', 'networkPolicy.monitoringNamespace=prom', 'networkPolicy.modelNamespaces={team-b,team-a}']));
  assert.deepEqual(scoped.map((p) => `${p.metadata.namespace}/${p.metadata.name}`).sort(), ['modelship-system/modelship', 'team-a/modelship-model-servers', 'team-b/modelship-model-servers']);
  const model = scoped.find((p) => p.metadata.namespace === 'team-a')!;
  // Selects the pods the operator builds (labels from the operator's own code), on the ports it gives them.
  assert.deepEqual(model.spec.podSelector.matchLabels, { 'app.kubernetes.io/managed-by': MANAGED_BY, 'serving.modelship.io/component': 'predictor' });
  assert.deepEqual(model.spec.ingress, [
    { from: [{ namespaceSelector: {} }], ports: [{ port: RUNTIME_PORT, protocol: 'TCP' }, { port: 8081, protocol: 'TCP' }] },
    { from: fromMonitoring('prom'), ports: [{ port: METRICS_PORT, protocol: 'TCP' }] },
  ]);
  assert.deepEqual(policies(template(['watchNamespace=team-a', 'networkPolicy.enabled=false'])), []);
});

test('watchNamespace: the ClusterRole is bound in that namespace only (a RoleBinding, no ClusterRoleBinding)', () => {
  type Binding = Manifest & { roleRef: { kind: string; name: string }; subjects: unknown[] };
  const scoped = template(['watchNamespace=team-a']);
  assert.ok(!scoped.some((m) => m.kind === 'ClusterRoleBinding'));
  const binding = scoped.find((m) => m.kind === 'RoleBinding' && m.metadata.name === 'modelship') as Binding;
  assert.equal(binding.metadata.namespace, 'team-a');
  assert.deepEqual(binding.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'modelship' });
  assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: 'modelship', namespace: 'modelship-system' }]);
  assert.equal(operatorEnv(scoped)['MODELSHIP_OPERATOR_WATCH_NAMESPACE'], 'team-a');
  const clusterWide = template();
  assert.ok(clusterWide.some((m) => m.kind === 'ClusterRoleBinding'));
  assert.ok(!clusterWide.some((m) => m.kind === 'RoleBinding' && m.metadata.name === 'modelship'));
});

test('PodDisruptionBudget only with two or more replicas', () => {
  assert.ok(!template(['replicaCount=1']).some((m) => m.kind === 'PodDisruptionBudget'));
  const pdb = find(template(['replicaCount=3']), 'PodDisruptionBudget') as unknown as { spec: { minAvailable: number } };
  assert.equal(pdb.spec.minAvailable, 1);
});

test('ServiceMonitor only when enabled and the cluster serves monitoring.coreos.com/v1', () => {
  assert.ok(!template(['metrics.serviceMonitor.enabled=true']).some((m) => m.kind === 'ServiceMonitor'));
  assert.ok(!template([], ['--api-versions', 'monitoring.coreos.com/v1/ServiceMonitor']).some((m) => m.kind === 'ServiceMonitor'));
  const sm = find(template(['metrics.serviceMonitor.enabled=true'], ['--api-versions', 'monitoring.coreos.com/v1/ServiceMonitor']), 'ServiceMonitor');
  assert.deepEqual((sm as any).spec.endpoints, [{ port: 'metrics', path: '/metrics', interval: '30s' }]);
});

test('PodMonitor for the model servers only when enabled and served; it scrapes the operator-built metrics port', () => {
  const served = ['--api-versions', 'monitoring.coreos.com/v1/PodMonitor'];
  assert.ok(!template(['metrics.podMonitor.enabled=true']).some((m) => m.kind === 'PodMonitor'));
  assert.ok(!template([], served).some((m) => m.kind === 'PodMonitor'));
  type PodMonitor = Manifest & { spec: { selector: { matchLabels: Record<string, string> }; namespaceSelector: unknown; podMetricsEndpoints: unknown[] } };
  const pm = find(template(['metrics.podMonitor.enabled=true'], served), 'PodMonitor') as PodMonitor;
  assert.deepEqual(pm.spec.selector.matchLabels, { 'app.kubernetes.io/managed-by': MANAGED_BY, 'serving.modelship.io/component': 'predictor' });
  assert.deepEqual(pm.spec.namespaceSelector, { any: true });
  assert.deepEqual(pm.spec.podMetricsEndpoints, [{ port: 'metrics', path: '/metrics', interval: '15s' }]);
  // The port name is the one the operator gives the runtime's metrics port.
  const built = buildDeployment(defaulted({}), DEFAULT_BUILD_CONFIG).spec!.template.spec!.containers[0]!.ports!;
  assert.equal(built.find((p) => p.name === 'metrics')?.containerPort, METRICS_PORT);
  const scoped = find(template(['metrics.podMonitor.enabled=true', 'watchNamespace=team-a'], served), 'PodMonitor') as PodMonitor;
  assert.deepEqual(scoped.spec.namespaceSelector, { matchNames: ['team-a'] });
});

test('the prometheus-adapter rules serve the metrics the operator HPAs ask for, per pod', () => {
  const cm = find(template(['prometheusAdapter.rules.window=30s']), 'ConfigMap') as unknown as { data: { 'config.yaml': string } };
  type Rule = { seriesQuery: string; name: { matches: string; as: string }; resources: unknown; metricsQuery: string };
  const { rules } = yaml.load(cm.data['config.yaml']) as { rules: Rule[] };
  assert.deepEqual(rules.map((r) => r.name.as), [QUEUE_LENGTH_METRIC, IN_FLIGHT_METRIC]);
  for (const rule of rules) {
    assert.equal(rule.seriesQuery, `${rule.name.as}{namespace!="",pod!=""}`);
    assert.equal(rule.name.matches, `^${rule.name.as}$`);
    assert.deepEqual(rule.resources, { overrides: { namespace: { resource: 'namespace' }, pod: { resource: 'pod' } } });
    assert.equal(rule.metricsQuery, 'sum(avg_over_time(<<.Series>>{<<.LabelMatchers>>}[30s])) by (<<.GroupBy>>)');
  }
  assert.ok(!template(['prometheusAdapter.rules.enabled=false']).some((m) => m.kind === 'ConfigMap'));
});

test('the operator runs with the V8 heap flags its memory benchmark was measured with (chart and image agree)', () => {
  const env = podSpec(find(template(), 'Deployment')).containers[0]!.env ?? [];
  const nodeOptions = env.find((e) => e.name === 'NODE_OPTIONS')?.value;
  const benchArgs = /const NODE_ARGS = '([^']+)'/.exec(readFileSync(`${ROOT}bench/operator/bench.ts`, 'utf8'))?.[1];
  const imageEnv = /ENV NODE_OPTIONS="([^"]+)"/.exec(readFileSync(`${ROOT}images/operator.Dockerfile`, 'utf8'))?.[1];
  assert.ok(benchArgs !== undefined && imageEnv !== undefined);
  assert.equal(nodeOptions, benchArgs);
  assert.equal(imageEnv, benchArgs);
  const raised = podSpec(find(template(['nodeOptions=--max-old-space-size=512']), 'Deployment')).containers[0]!.env ?? [];
  assert.equal(raised.find((e) => e.name === 'NODE_OPTIONS')?.value, '--max-old-space-size=512');
});

// Each of these is a mistake a user makes; the chart must refuse it at
// template time (so at install time) instead of deploying something broken.
const BAD_VALUES: [string, RegExp][] = [
  ['replicaCount=0', /replicaCount/],
  ['replicaCount=two', /replicaCount/],
  ['logLevel=verbose', /logLevel/],
  ['workers=0', /workers/],
  ['images.operator.pullPolicy=Sometimes', /pullPolicy/],
  ['images.runtime.repository=Not A Repo', /repository/],
  ['port=70000', /port/],
  ['leaderElection.leaseDurationSeconds=0', /leaseDurationSeconds/],
  ['defaults.resources.requests.cpu=lots', /cpu/],
  ['replicaz=2', /replicaz/],
  ['gpu.tolerationKey=', /tolerationKey/],
  ['prometheusAdapter.rules.window=soon', /window/],
  ['traffic.mode=nginx', /mode/],
  ['traffic.istioGateways={ingress}', /istioGateways/],
  ['traffic.maxApportionedReplicas=1', /maxApportionedReplicas/],
  ['nodeOptions=--inspect; rm -rf /', /nodeOptions/],
  ['defaults.batching.maxBatchSize=0', /maxBatchSize/],
  ['defaults.batching.maxQueueDelayMs=60001', /maxQueueDelayMs/],
  ['defaults.batching.maxQueueSize=lots', /maxQueueSize/],
  ['defaults.batching.maxBatchSise=8', /maxBatchSise/],
  ['defaults.autoscaling.scaleMetric=rps', /scaleMetric/],
  ['defaults.autoscaling.scaleTarget=0', /scaleTarget/],
  ['defaults.autoscaling.scaleDownStabilizationSeconds=3601', /scaleDownStabilizationSeconds/],
  ['defaults.autoscaling.scaleUpStabilizationSeconds=-1', /scaleUpStabilizationSeconds/],
  ['tracing.endpoint=otel:4318', /endpoint/],
  ['tracing.samplingRatio=2', /samplingRatio/],
  ['tracing.samplingRatio=1.5', /samplingRatio/],
  ['tracing.samplingRatio=lots', /samplingRatio/],
  ['defaults.modelVolumeSizeLimit=huge', /modelVolumeSizeLimit/],
  ['networkPolicy.monitoringNamespace=Not_A_Namespace', /monitoringNamespace/],
  ['networkPolicy.modelNamespaces={team-a,team-a}', /modelNamespaces/],
  ['monitoring.driftThreshold=0', /driftThreshold/],
  ['monitoring.driftThreshold=0.0', /driftThreshold/],
  ['monitoring.driftThreshold=10.5', /driftThreshold/],
  ['monitoring.driftThreshold=11', /driftThreshold/],
  ['monitoring.window=9', /window/],
  ['monitoring.inputPolicy=clip', /inputPolicy/],
  ['monitoring.driftCheckSeconds=-1', /driftCheckSeconds/],
  ['monitoring.prometheusRule.errorRatio=2', /errorRatio/],
  ['prometheus.url=prometheus:9090', /url/],
];

for (const [set, field] of BAD_VALUES) {
  test(`values.schema.json refuses --set ${set}`, () => {
    const r = run('helm', ['template', 'modelship', CHART, '--set', set]);
    assert.notEqual(r.status, 0, `helm template accepted ${set}`);
    assert.match(r.stderr, /values don't meet the specifications of the schema/);
    assert.match(r.stderr, field);
  });
}

test('more than one replica without leader election is refused', () => {
  const twoLeaders = run('helm', ['template', 'modelship', CHART, '--set', 'leaderElection.enabled=false']);
  assert.notEqual(twoLeaders.status, 0);
  assert.match(twoLeaders.stderr, /leaderElection/);
});

test('NOTES.txt gives the next steps with this release names, and says when a ServiceMonitor was skipped', () => {
  const notes = (sets: string[]) => ok('helm', ['install', 'modelship', CHART, '--dry-run=client', '--namespace', 'modelship-system', ...sets.flatMap((s) => ['--set', s])]).split('NOTES:')[1] ?? '';
  const text = notes([]);
  assert.match(text, /kubectl -n modelship-system rollout status deployment\/modelship/);
  assert.match(text, /kubectl apply -f examples\/iris\.yaml/);
  assert.match(text, /modelship-prometheus-adapter-rules/);
  assert.doesNotMatch(text, /ServiceMonitor/);
  assert.match(notes(['metrics.serviceMonitor.enabled=true']), /does not serve\s+monitoring\.coreos\.com\/v1, so no ServiceMonitor was created/);
});

test('storage values reach the operator config (the fetch policy and the token audience)', () => {
  const d = loadConfig([], operatorEnv(template())).storage;
  assert.deepEqual({ ...d }, { idleTimeoutSeconds: 60, maxModelBytes: 21474836480, allowMetadataAddresses: false, tokenAudience: '' });
  const set = loadConfig([], operatorEnv(template([
    'storage.idleTimeoutSeconds=5', 'storage.maxModelBytes=1000000000000', 'storage.allowMetadataAddresses=true', 'storage.tokenAudience=sts.amazonaws.com',
  ]))).storage;
  assert.deepEqual({ ...set }, { idleTimeoutSeconds: 5, maxModelBytes: 1000000000000, allowMetadataAddresses: true, tokenAudience: 'sts.amazonaws.com' });
});
