// The chart's PrometheusRule: rendered only when enabled and served, valid to
// promtool, and behaving as documented under `promtool test rules`
// (alerts.promtool.yaml: each alert fires on its case, with its labels and
// annotations, and stays quiet just under its threshold). The rules checked
// are the ones helm renders, not a copy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { requirePrometheus } from '../../monitoring/prometheus.ts';
import { find, template, type Manifest } from './tools.ts';

const SERVED = ['--api-versions', 'monitoring.coreos.com/v1/PrometheusRule'];
type Rule = { alert: string; expr: string; for: string; labels: Record<string, string>; annotations: Record<string, string> };
type PrometheusRule = Manifest & { spec: { groups: Array<{ name: string; rules: Rule[] }> } };

const rules = (sets: string[] = []) => find(template(['monitoring.prometheusRule.enabled=true', ...sets], SERVED), 'PrometheusRule') as PrometheusRule;

function promtool(args: string[], cwd: string): { status: number; out: string } {
  const r = spawnSync('promtool', args, { cwd, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

/** Writes the rendered groups as a rule file next to the promtool test file, in a fresh folder. */
function ruleDir(rule: PrometheusRule): string {
  const dir = mkdtempSync(join(tmpdir(), 'modelship-alerts-'));
  writeFileSync(join(dir, 'rules.yaml'), yaml.dump(rule.spec, { lineWidth: -1 }));
  copyFileSync(new URL('./alerts.promtool.yaml', import.meta.url), join(dir, 'alerts.promtool.yaml'));
  return dir;
}

test('PrometheusRule only when enabled and served by the cluster', () => {
  assert.ok(!template(['monitoring.prometheusRule.enabled=true']).some((m) => m.kind === 'PrometheusRule'), 'not served: not rendered');
  assert.ok(!template([], SERVED).some((m) => m.kind === 'PrometheusRule'), 'served but not enabled');
  const r = rules(['monitoring.prometheusRule.labels.release=kube-prometheus-stack']);
  assert.equal(r.metadata.namespace, 'modelship-system');
  assert.equal((r.metadata as unknown as { labels: Record<string, string> }).labels['release'], 'kube-prometheus-stack', 'the label a Prometheus ruleSelector picks');
  assert.deepEqual(r.spec.groups.flatMap((g) => g.rules.map((x) => x.alert)), [
    'ModelshipFeatureDrift', 'ModelshipInputsOutOfRange', 'ModelshipInputsRejected', 'ModelshipHighErrorRate', 'ModelshipQueueSaturated',
  ]);
});

test('promtool: the rendered rules are valid and each alert fires on its case and not under its threshold', () => {
  requirePrometheus();
  const dir = ruleDir(rules());
  try {
    const check = promtool(['check', 'rules', 'rules.yaml'], dir);
    assert.equal(check.status, 0, check.out);
    assert.match(check.out, /SUCCESS: 5 rules found/);
    const unit = promtool(['test', 'rules', 'alerts.promtool.yaml'], dir);
    assert.equal(unit.status, 0, unit.out);
    assert.match(unit.out, /SUCCESS/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('thresholds come from the values: a higher chart-wide drift threshold quiets the case of a server exporting none', () => {
  requirePrometheus();
  const r = rules(['monitoring.driftThreshold=0.7', 'monitoring.prometheusRule.errorRatio=0.2', 'monitoring.prometheusRule.queueLength=64', 'monitoring.prometheusRule.driftFor=2m']);
  const byName = new Map(r.spec.groups.flatMap((g) => g.rules).map((x) => [x.alert, x]));
  assert.match(byName.get('ModelshipFeatureDrift')!.expr, /\* 0 \+ 0\.7\n/, 'the chart-wide threshold, for servers that export none');
  assert.equal(byName.get('ModelshipFeatureDrift')!.for, '2m');
  assert.match(byName.get('ModelshipHighErrorRate')!.expr, /> 0\.2\s*$/);
  assert.match(byName.get('ModelshipQueueSaturated')!.expr, /> 64\b/);
  const dir = ruleDir(r);
  try {
    const unit = promtool(['test', 'rules', 'alerts.promtool.yaml'], dir);
    assert.notEqual(unit.status, 0, 'the default-value expectations no longer hold');
    assert.match(unit.out, /ModelshipFeatureDrift/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
