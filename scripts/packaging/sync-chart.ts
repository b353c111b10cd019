// Keeps the Helm chart's copies of generated operator artefacts identical to
// their sources: the CRDs (crds/ -> charts/modelship/crds/) and the
// operator's ClusterRole rules (-> charts/modelship/files/clusterrole-rules.yaml).
// `node scripts/packaging/sync-chart.ts` writes them; `--check` exits 1 on drift.
import { mkdirSync, readFileSync, readdirSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HEADER = '# Copied from ../../../crds/ by scripts/packaging/sync-chart.ts; do not edit here.\n';

/** Relative path -> content the chart must hold. */
export function chartCopies(root: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const file of readdirSync(join(root, 'crds')).filter((f) => f.endsWith('.yaml')).sort()) {
    out.set(join('charts/modelship/crds', file), HEADER + readFileSync(join(root, 'crds', file), 'utf8'));
  }
  return out;
}

/** Files in the chart's crds/ that no longer have a source. */
function stale(root: string, wanted: Map<string, string>): string[] {
  const dir = join(root, 'charts/modelship/crds');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).map((f) => join('charts/modelship/crds', f)).filter((p) => !wanted.has(p));
}

export function drift(root: string): string[] {
  const wanted = chartCopies(root);
  const problems = stale(root, wanted).map((p) => `${p} has no source in crds/`);
  for (const [path, content] of wanted) {
    const full = join(root, path);
    if (!existsSync(full)) problems.push(`${path} is missing`);
    else if (readFileSync(full, 'utf8') !== content) problems.push(`${path} differs from its source`);
  }
  return problems;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  if (process.argv.includes('--check')) {
    const problems = drift(root);
    for (const p of problems) console.error(p);
    if (problems.length > 0) {
      console.error('run: node scripts/packaging/sync-chart.ts');
      process.exit(1);
    }
  } else {
    const wanted = chartCopies(root);
    for (const p of stale(root, wanted)) rmSync(join(root, p));
    for (const [path, content] of wanted) {
      mkdirSync(join(root, path, '..'), { recursive: true });
      writeFileSync(join(root, path), content);
    }
    console.log(`synced ${wanted.size} file(s) into charts/modelship`);
  }
}
