// Renders docs/metrics.md from the metric registries the operator and the
// runtime really create, so the reference lists exactly what /metrics serves.
// `node scripts/packaging/metrics-reference.ts` writes it; `--check` exits 1 on drift.
import { fileURLToPath } from 'node:url';
import { writeOrCheck } from './generated.ts';
import type { Registry } from 'prom-client';
import { createMetrics } from '../../operator/src/metrics.ts';
import { RuntimeMetrics } from '../../runtime/src/metrics.ts';

interface Described { name: string; type: string; labels: string[]; help: string }

async function describe(registry: Registry): Promise<Described[]> {
  const out: Described[] = [];
  // prom-client types the array loosely; each entry is a Counter/Gauge/Histogram.
  for (const metric of registry.getMetricsAsArray() as unknown as { get(): Promise<{ name: string; help: string; type: unknown }>; labelNames?: string[] }[]) {
    const { name, help, type } = await metric.get();
    const labels = metric.labelNames ?? [];
    out.push({ name, type: String(type), labels: [...labels], help });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

function table(metrics: Described[]): string[] {
  return [
    '| Metric | Type | Labels | Meaning |',
    '| --- | --- | --- | --- |',
    ...metrics.map((m) => `| \`${m.name}\` | ${m.type} | ${m.labels.map((l) => `\`${l}\``).join(', ')} | ${m.help.replaceAll('|', '\\|')} |`),
  ];
}

export async function renderMetricsReference(): Promise<string> {
  const operator = await describe(createMetrics().registry);
  const runtime = await describe(new RuntimeMetrics('model', { processMetrics: false }).registry);
  return [
    '# Metrics reference',
    '',
    '<!-- Generated from the operator and runtime metric registries by `node scripts/packaging/metrics-reference.ts`; do not edit. A test fails when it drifts. -->',
    '',
    '## Runtime (`GET /metrics` on the model server metrics port, 8082 by default: `--metrics-port`)',
    '',
    'Every runtime also exports prom-client\'s standard Node.js process metrics (`process_*`, `nodejs_*`).',
    '`modelship_queue_length` is the gauge queue-length autoscaling targets (see the prometheus-adapter rule in the Helm chart).',
    '',
    ...table(runtime),
    '',
    '## Operator (`GET /metrics` on the operator port, Service `<release>-metrics`)',
    '',
    ...table(operator),
    '',
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeOrCheck(fileURLToPath(new URL('../../docs/metrics.md', import.meta.url)), await renderMetricsReference(), 'node scripts/packaging/metrics-reference.ts');
}
