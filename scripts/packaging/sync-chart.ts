// Keeps the Helm chart's copies of operator artefacts identical to their
// sources: the CRDs (crds/ -> charts/modelship/crds/) and the operator's RBAC
// rules (config/rbac/*.yaml `rules:` -> charts/modelship/files/*-rules.yaml,
// which the chart's ClusterRole and Role templates include verbatim).
// `node scripts/packaging/sync-chart.ts` writes them; `--check` exits 1 on drift.
import { mkdirSync, readFileSync, readdirSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as yaml from 'js-yaml';

const HEADER = '# Copied from ../../../crds/ by scripts/packaging/sync-chart.ts; do not edit here.\n';

/** RBAC manifest in config/rbac/ -> the chart file holding its rules. */
const RBAC_RULES: Record<string, string> = {
  'role.yaml': 'charts/modelship/files/clusterrole-rules.yaml',
  'leader_election_role.yaml': 'charts/modelship/files/leader-election-rules.yaml',
};

/**
 * The `rules:` block of an RBAC manifest, comments kept, dedented to the top
 * level; checked to parse to exactly the manifest's rules.
 */
export function rulesBlock(manifest: string, source: string): string {
  const lines = manifest.split('\n');
  const start = lines.findIndex((l) => l === 'rules:');
  if (start < 0) throw new Error(`${source}: no top-level rules:`);
  const body = lines.slice(start + 1);
  const end = body.findIndex((l) => l !== '' && !l.startsWith('  '));
  const block = (end < 0 ? body : body.slice(0, end)).map((l) => l.slice(2)).join('\n').trimEnd() + '\n';
  const expected = (yaml.load(manifest) as { rules: unknown }).rules;
  if (JSON.stringify(yaml.load(block)) !== JSON.stringify(expected)) throw new Error(`${source}: could not extract the rules block faithfully`);
  return `# Copied from config/rbac/${source} by scripts/packaging/sync-chart.ts; do not edit here.\n${block}`;
}

/** Relative path -> content the chart must hold. */
export function chartCopies(root: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const file of readdirSync(join(root, 'crds')).filter((f) => f.endsWith('.yaml')).sort()) {
    out.set(join('charts/modelship/crds', file), HEADER + readFileSync(join(root, 'crds', file), 'utf8'));
  }
  for (const [source, target] of Object.entries(RBAC_RULES)) {
    out.set(target, rulesBlock(readFileSync(join(root, 'config/rbac', source), 'utf8'), source));
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
