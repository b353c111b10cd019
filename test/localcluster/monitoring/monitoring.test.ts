import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dump, load } from 'js-yaml';
import { adapterRulesFromConfigMap, adapterService, customMetricsApiService } from './adapter.ts';
import { podTargets } from './pod-discovery.ts';
import { prometheusConfig } from './prometheus-config.ts';

test('prometheus reads pod targets from the discovery file and keeps only loopback targets', () => {
  const config = load(prometheusConfig({ targetsFile: '/m/pods.json', scrapeIntervalSeconds: 2 })) as {
    global: { scrape_interval: string };
    scrape_configs: Array<{ file_sd_configs: Array<{ files: string[] }>; relabel_configs: Array<{ action?: string; regex?: string; source_labels?: string[]; target_label?: string }> }>;
  };
  assert.equal(config.global.scrape_interval, '2s');
  const job = config.scrape_configs[0]!;
  assert.deepEqual(job.file_sd_configs[0]!.files, ['/m/pods.json']);
  const keepLoopback = job.relabel_configs.find((r) => r.source_labels?.[0] === '__address__' && r.action === 'keep');
  const re = new RegExp(`^(?:${keepLoopback!.regex!})$`);
  assert.ok(re.test('127.31.0.1:8080'));
  assert.ok(!re.test('10.96.0.1:8080'));
  // The port annotation rewrites the address the way the Prometheus example config does.
  const rewrite = job.relabel_configs.find((r) => r.target_label === '__address__')!;
  assert.equal('127.1.0.2:80;8080'.replace(new RegExp(`^(?:${rewrite.regex!})$`), '$1:$2'), '127.1.0.2:8080');
  assert.deepEqual(job.relabel_configs.filter((r) => r.target_label === 'namespace' || r.target_label === 'pod').map((r) => r.target_label), ['namespace', 'pod']);
});

test('the chart\'s rules ConfigMap is read and must serve both runtime gauges', () => {
  const rule = (m: string) => `  - seriesQuery: '${m}{namespace!="",pod!=""}'\n    name: {matches: "^${m}$", as: "${m}"}\n`;
  const configMap = (metrics: string[]) => dump({ apiVersion: 'v1', kind: 'ConfigMap', data: { 'config.yaml': `rules:\n${metrics.map(rule).join('')}` } });
  const config = adapterRulesFromConfigMap(configMap(['modelship_queue_length', 'modelship_requests_in_flight']));
  assert.match(config, /modelship_queue_length/);
  assert.throws(() => adapterRulesFromConfigMap(configMap(['modelship_queue_length'])), /do not serve modelship_requests_in_flight/);
  assert.throws(() => adapterRulesFromConfigMap('kind: Service\n'), /no prometheus-adapter rules ConfigMap/);
});

test('the APIService reaches the adapter through an ExternalName Service on localhost, never a ClusterIP', () => {
  const svc = adapterService(9443);
  assert.equal(svc.spec?.type, 'ExternalName');
  assert.equal(svc.spec?.externalName, 'localhost');
  assert.equal(svc.spec?.clusterIP, undefined);
  const api = customMetricsApiService(9443) as { metadata: { name: string }; spec: { service: { name: string; port: number } } };
  assert.equal(api.metadata.name, 'v1beta1.custom.metrics.k8s.io');
  assert.deepEqual(api.spec.service, { namespace: 'modelship-monitoring', name: 'prometheus-adapter', port: 9443 });
});

test('pod discovery yields what kubernetes_sd role=pod yields: a target per container port with __meta labels', () => {
  const groups = podTargets([
    {
      metadata: { name: 'p1', namespace: 'ns', labels: { 'app.kubernetes.io/name': 'x' }, annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '8080' } },
      spec: { nodeName: 'n', containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 8080 }] }] },
      status: { podIP: '127.3.0.1', phase: 'Running' },
    },
    { metadata: { name: 'no-ip', namespace: 'ns' }, spec: { containers: [{ name: 'c', ports: [{ containerPort: 1 }] }] }, status: {} },
  ]);
  assert.equal(groups.length, 1);
  assert.deepEqual(groups[0]!.targets, ['127.3.0.1:8080']);
  const l = groups[0]!.labels;
  assert.equal(l['__meta_kubernetes_namespace'], 'ns');
  assert.equal(l['__meta_kubernetes_pod_name'], 'p1');
  assert.equal(l['__meta_kubernetes_pod_phase'], 'Running');
  assert.equal(l['__meta_kubernetes_pod_annotation_prometheus_io_scrape'], 'true');
  assert.equal(l['__meta_kubernetes_pod_annotation_prometheus_io_port'], '8080');
  assert.equal(l['__meta_kubernetes_pod_label_app_kubernetes_io_name'], 'x');
  assert.equal(l['__meta_kubernetes_pod_container_port_name'], 'http');
});
