// Prometheus configuration for the local cluster: scrape the pods annotated
// prometheus.io/scrape=true on prometheus.io/port and prometheus.io/path, as
// the operator annotates runtime pods, with the relabelling a real cluster's
// kubernetes_sd_configs role=pod uses. The targets come from a file written
// by pod-discovery.ts (Debian's Prometheus lacks Kubernetes discovery).
// namespace and pod labels let prometheus-adapter map series to pods. Only
// loopback targets are kept: pod IPs here are 127.x.y.z by design, and
// nothing may be dialled outside 127.0.0.0/8.
import { dump } from 'js-yaml';

export interface PrometheusConfigInput {
  /** file_sd file kept up to date by pod-discovery.ts. */
  targetsFile: string;
  /** Seconds between scrapes; short so the autoscaler sees load quickly. */
  scrapeIntervalSeconds: number;
  /** Alerting rule files (e.g. the chart's, rendered by helm), evaluated every scrape interval. */
  ruleFiles?: string[];
}

export function prometheusConfig(input: PrometheusConfigInput): string {
  const interval = `${input.scrapeIntervalSeconds}s`;
  const config = {
    global: { scrape_interval: interval, evaluation_interval: interval, scrape_timeout: interval },
    ...(input.ruleFiles !== undefined && input.ruleFiles.length > 0 ? { rule_files: input.ruleFiles } : {}),
    scrape_configs: [
      {
        job_name: 'kubernetes-pods',
        file_sd_configs: [{ files: [input.targetsFile], refresh_interval: interval }],
        relabel_configs: [
          { source_labels: ['__meta_kubernetes_pod_annotation_prometheus_io_scrape'], action: 'keep', regex: 'true' },
          { source_labels: ['__meta_kubernetes_pod_phase'], action: 'keep', regex: 'Running' },
          { source_labels: ['__meta_kubernetes_pod_annotation_prometheus_io_path'], action: 'replace', target_label: '__metrics_path__', regex: '(.+)' },
          {
            source_labels: ['__address__', '__meta_kubernetes_pod_annotation_prometheus_io_port'],
            action: 'replace',
            regex: '([^:]+)(?::\\d+)?;(\\d+)',
            replacement: '$1:$2',
            target_label: '__address__',
          },
          { source_labels: ['__address__'], action: 'keep', regex: '127\\.\\d+\\.\\d+\\.\\d+:\\d+' },
          { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
          { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod' },
        ],
      },
    ],
  };
  return dump(config, { lineWidth: -1 });
}
