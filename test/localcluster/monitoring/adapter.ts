// prometheus-adapter for the local cluster: the rule that serves the
// runtime's gauges as pods custom metrics, and how the API server reaches the
// adapter. The aggregator (kube-apiserver) normally dials an APIService's
// Service by its ClusterIP, or with --enable-aggregator-routing by an
// EndpointSlice address; neither may be used here (ClusterIPs are never
// dialled, and EndpointSlices refuse loopback addresses). Without aggregator
// routing, an ExternalName Service is resolved to `externalName:port`
// (k8s.io/apiserver pkg/util/proxy ResolveCluster), so the APIService points
// at an ExternalName Service `localhost` and the adapter listens on 127.0.0.1.
// In a real cluster the APIService points at the adapter's ClusterIP Service.
import { execFileSync } from 'node:child_process';
import { load } from 'js-yaml';
import type { V1Service } from '@kubernetes/client-node';
import { IN_FLIGHT_METRIC, QUEUE_LENGTH_METRIC } from '../../../operator/src/resources/hpa.ts';

export const CUSTOM_METRICS_GROUP = 'custom.metrics.k8s.io';
export const CUSTOM_METRICS_VERSION = 'v1beta1';
export const ADAPTER_NAMESPACE = 'modelship-monitoring';
export const ADAPTER_SERVICE = 'prometheus-adapter';

/**
 * The adapter rules the Helm chart ships (charts/modelship, template
 * prometheus-adapter-rules.yaml), rendered by helm with a test-length
 * averaging window: the local cluster proves the rule users install.
 */
export function chartAdapterRules(helm: string, chartDir: string, windowSeconds: number): string {
  const rendered = execFileSync(helm, [
    'template', 'modelship', chartDir,
    '--set', `prometheusAdapter.rules.window=${windowSeconds}s`,
    '--show-only', 'templates/prometheus-adapter-rules.yaml',
  ], { encoding: 'utf8' });
  return adapterRulesFromConfigMap(rendered);
}

/** The `config.yaml` of the rendered rules ConfigMap, checked to serve both runtime gauges. */
export function adapterRulesFromConfigMap(rendered: string): string {
  const configMap = load(rendered) as { data?: Record<string, string> } | undefined;
  const config = configMap?.data?.['config.yaml'];
  if (config === undefined) throw new Error('the chart rendered no prometheus-adapter rules ConfigMap with config.yaml');
  const names = ((load(config) as { rules?: Array<{ name?: { as?: string } }> }).rules ?? []).map((r) => r.name?.as);
  for (const metric of [QUEUE_LENGTH_METRIC, IN_FLIGHT_METRIC]) {
    if (!names.includes(metric)) throw new Error(`the chart's prometheus-adapter rules do not serve ${metric}`);
  }
  return config;
}

export function adapterService(port: number): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: ADAPTER_SERVICE, namespace: ADAPTER_NAMESPACE },
    spec: { type: 'ExternalName', externalName: 'localhost', ports: [{ name: 'https', port, protocol: 'TCP' }] },
  };
}

export function customMetricsApiService(port: number): object {
  return {
    apiVersion: 'apiregistration.k8s.io/v1',
    kind: 'APIService',
    metadata: { name: `${CUSTOM_METRICS_VERSION}.${CUSTOM_METRICS_GROUP}` },
    spec: {
      group: CUSTOM_METRICS_GROUP,
      version: CUSTOM_METRICS_VERSION,
      service: { namespace: ADAPTER_NAMESPACE, name: ADAPTER_SERVICE, port },
      // The adapter serves a self-signed certificate for localhost; the connection never leaves loopback.
      insecureSkipTLSVerify: true,
      groupPriorityMinimum: 100,
      versionPriority: 100,
    },
  };
}

/** API server flags the ExternalName route needs (the harness turns aggregator routing on by default). */
export const AGGREGATOR_API_SERVER_ARGS = ['--enable-aggregator-routing=false'];
