// The chart's Grafana dashboard: shipped in a ConfigMap only when enabled,
// well formed, every panel query (and every variable's selector) accepted by
// a real Prometheus's parser, and every metric it names one the runtime
// really exports (read from the runtime's own registry, as docs/metrics.md is).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { RuntimeMetrics } from '../../../runtime/src/metrics.ts';
import { startPrometheus, type LocalPrometheus } from '../../monitoring/prometheus.ts';
import { CHART, find, template, type Manifest } from './tools.ts';

const FILE = `${CHART}/files/dashboards/modelship-model-servers.json`;
interface Target { expr: string; refId: string; datasource?: { type: string } }
interface Panel { id: number; type: string; title: string; datasource?: { type: string; uid: string }; targets?: Target[]; panels?: Panel[]; gridPos: { x: number; y: number; w: number; h: number } }
interface Dashboard { uid: string; title: string; panels: Panel[]; templating: { list: Array<{ name: string; type: string; query?: { query: string } | string }> } }

const dashboard = JSON.parse(readFileSync(FILE, 'utf8')) as Dashboard;
const panels = (list: Panel[]): Panel[] => list.flatMap((p) => [p, ...panels(p.panels ?? [])]);
const queryPanels = panels(dashboard.panels).filter((p) => p.type !== 'row');

/** Grafana's variables, replaced by values Prometheus can parse (as Grafana does before sending). */
function substitute(expr: string): string {
  return expr.replaceAll('$__rate_interval', '1m').replaceAll('$__interval', '1m').replaceAll('$namespace', 'ml').replaceAll('$model', 'iris');
}

/** Every query the dashboard sends: panel targets, and the series selector inside each label_values() variable. */
function queries(): Array<{ where: string; expr: string }> {
  const out = queryPanels.flatMap((p) => (p.targets ?? []).map((t) => ({ where: `panel "${p.title}" ${t.refId}`, expr: t.expr })));
  for (const v of dashboard.templating.list.filter((x) => x.type === 'query')) {
    const q = typeof v.query === 'string' ? v.query : v.query?.query ?? '';
    const m = /^label_values\((.+),\s*[a-zA-Z_]+\)$/.exec(q);
    assert.ok(m, `variable ${v.name}: expected label_values(<selector>, <label>), got ${q}`);
    out.push({ where: `variable ${v.name}`, expr: m[1]! });
  }
  return out;
}

/** Series names the runtime exposes: its registry's metrics, histograms with their _bucket/_sum/_count series. */
async function exportedSeries(): Promise<Set<string>> {
  const names = new Set<string>();
  for (const m of new RuntimeMetrics('model').registry.getMetricsAsArray() as unknown as Array<{ get(): Promise<{ name: string; type: unknown }> }>) {
    const { name, type } = await m.get();
    names.add(name);
    if (String(type) === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(name + s);
  }
  return names;
}

let prometheus: LocalPrometheus;
before(async () => {
  prometheus = await startPrometheus({ targets: [] });
});
after(async () => {
  await prometheus?.stop();
});

test('the dashboard ConfigMap only when enabled, labelled for the Grafana sidecar, holding the file', () => {
  assert.ok(!template().some((m) => m.kind === 'ConfigMap' && m.metadata.name.endsWith('-dashboard')));
  const cm = find(template(['monitoring.dashboard.enabled=true']).filter((m) => m.metadata.name === 'modelship-dashboard'), 'ConfigMap') as Manifest & { data: Record<string, string>; metadata: { labels: Record<string, string> } };
  assert.equal(cm.metadata.labels['grafana_dashboard'], '1');
  assert.deepEqual(JSON.parse(cm.data['modelship-model-servers.json']!), dashboard);
});

test('the dashboard is well formed: unique panel ids, every panel on Prometheus with a query, the panels the docs describe', () => {
  const ids = panels(dashboard.panels).map((p) => p.id);
  assert.equal(new Set(ids).size, ids.length, 'panel ids are unique');
  for (const p of queryPanels) {
    assert.equal(p.datasource?.type, 'prometheus', p.title);
    assert.ok((p.targets ?? []).length > 0 && p.targets!.every((t) => t.expr.trim() !== ''), `${p.title} has queries`);
    assert.ok(p.gridPos.w > 0 && p.gridPos.h > 0 && p.gridPos.x + p.gridPos.w <= 24, `${p.title} fits the grid`);
  }
  const titles = queryPanels.map((p) => p.title);
  for (const want of ['Requests per second', 'Errors per second by status code', 'Request latency percentiles', 'Queue length per pod', 'Batch size', 'Feature drift (PSI)']) {
    assert.ok(titles.includes(want), `panel ${want}`);
  }
});

test('every query parses on a real Prometheus and names only series the runtime exports', async () => {
  const exported = await exportedSeries();
  assert.ok(exported.has('modelship_requests_total') && exported.has('modelship_request_duration_seconds_bucket'), 'the registry was read');
  const problems: string[] = [];
  for (const { where, expr } of queries()) {
    const r = await fetch(`${prometheus.url}/api/v1/format_query?query=${encodeURIComponent(substitute(expr))}`);
    const body = (await r.json()) as { status: string; data?: string; error?: string };
    if (body.status !== 'success') {
      problems.push(`${where}: ${body.error}`);
      continue;
    }
    // Prometheus's own rendering of the parsed query: every series selector is <name>{...}.
    const selectors = [...body.data!.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\{/g)].map((m) => m[1]!);
    if (selectors.length === 0) problems.push(`${where}: no series selector in ${body.data}`);
    for (const name of selectors) if (!exported.has(name)) problems.push(`${where}: ${name} is not a series the runtime exports`);
  }
  assert.deepEqual(problems, []);
});

test('the checks above do fail: a typo in a query and an unknown metric are caught', async () => {
  const exported = await exportedSeries();
  const r = await fetch(`${prometheus.url}/api/v1/format_query?query=${encodeURIComponent('sum(rate(modelship_requests_total[1m])')}`);
  assert.equal(((await r.json()) as { status: string }).status, 'error');
  assert.equal(exported.has('modelship_request_total'), false);
});
