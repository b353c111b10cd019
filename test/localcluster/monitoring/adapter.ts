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
import { dump } from 'js-yaml';
import type { V1Service } from '@kubernetes/client-node';
import { IN_FLIGHT_METRIC, QUEUE_LENGTH_METRIC } from '../../../operator/src/resources/hpa.ts';

export const CUSTOM_METRICS_GROUP = 'custom.metrics.k8s.io';
export const CUSTOM_METRICS_VERSION = 'v1beta1';
export const ADAPTER_NAMESPACE = 'modelship-monitoring';
export const ADAPTER_SERVICE = 'prometheus-adapter';

/**
 * The runtime's gauges per pod, averaged over a short window: the queue
 * length is sampled at scrape time and swings between batches, and an
 * average keeps the HPA from chasing single samples.
 */
export function adapterRules(windowSeconds: number): string {
  const rule = (metric: string) => ({
    seriesQuery: `${metric}{namespace!="",pod!=""}`,
    resources: { overrides: { namespace: { resource: 'namespace' }, pod: { resource: 'pod' } } },
    name: { matches: `^${metric}$`, as: metric },
    metricsQuery: `sum(avg_over_time(<<.Series>>{<<.LabelMatchers>>}[${windowSeconds}s])) by (<<.GroupBy>>)`,
  });
  return dump({ rules: [rule(QUEUE_LENGTH_METRIC), rule(IN_FLIGHT_METRIC)] }, { lineWidth: -1 });
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
