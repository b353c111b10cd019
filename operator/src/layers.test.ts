// The operator's dependency direction, checked like a lint over the import
// graph of operator/src: api <- shared leaves and the kube client <- resource
// builders <- canary planner and batch builders <- controller <- composition (main, config
// parsing, probe server). A module may import its own layer or lower ones,
// never a higher one, and product code never imports test code or loads
// @kubernetes/client-node at run time (its types only).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const SRC = import.meta.dirname;

/** Top-level modules that compose the operator; every other top-level file is a shared leaf. */
const COMPOSITION = new Set(['main.ts', 'start.ts', 'config.ts', 'server.ts']);
const FOLDER_RANK: Record<string, number> = { api: 0, kube: 1, resources: 2, canary: 3, batch: 3, drift: 3, controller: 4 };
const LEAF_RANK = 1;
const COMPOSITION_RANK = 5;
const RANK_NAMES = ['api', 'shared leaves and kube', 'resources', 'canary and batch', 'controller', 'composition'];

export function rankOf(file: string): number {
  const parts = file.split('/');
  if (parts.length === 1) return COMPOSITION.has(file) ? COMPOSITION_RANK : LEAF_RANK;
  const rank = FOLDER_RANK[parts[0]!];
  if (rank === undefined) throw new Error(`operator/src/${parts[0]}/ has no layer: add it to FOLDER_RANK in layers.test.ts`);
  return rank;
}

function productFiles(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'testdata' ? [] : productFiles(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [relative(SRC, path)] : [];
  });
}

interface Import { specifier: string; typeOnly: boolean }

/** Static and dynamic imports and re-exports; `import type` and `export type` are type-only. */
export function importsOf(source: string): Import[] {
  const out: Import[] = [];
  for (const m of source.matchAll(/^\s*(import|export)\s+(type\s+)?[^'";]*?\bfrom\s+['"]([^'"]+)['"]/gm)) out.push({ specifier: m[3]!, typeOnly: m[2] !== undefined });
  for (const m of source.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) out.push({ specifier: m[1]!, typeOnly: false });
  for (const m of source.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push({ specifier: m[1]!, typeOnly: false });
  return out;
}

/** Every import of a product module that points up the layers, into test code, or at client-node's runtime. */
export function violations(files: ReadonlyMap<string, string>): string[] {
  const problems: string[] = [];
  for (const [file, source] of files) {
    for (const { specifier, typeOnly } of importsOf(source)) {
      if (specifier === '@kubernetes/client-node' && !typeOnly) problems.push(`${file}: imports @kubernetes/client-node at run time (use import type)`);
      if (!specifier.startsWith('.')) continue;
      const target = relative(SRC, resolve(SRC, dirname(file), specifier));
      if (target.startsWith('..')) {
        const fromRoot = relative(resolve(SRC, '../..'), resolve(SRC, dirname(file), specifier));
        if (!fromRoot.startsWith('common/src/')) problems.push(`${file}: imports ${fromRoot}, outside operator/src and common/src`);
        continue;
      }
      const [from, to] = [rankOf(file), rankOf(target)];
      if (to > from) problems.push(`${file} (${RANK_NAMES[from]}) imports ${target} (${RANK_NAMES[to]}), a higher layer`);
    }
  }
  return problems;
}

test('operator/src imports point down the layers only', () => {
  const files = new Map(productFiles().map((f) => [f, readFileSync(join(SRC, f), 'utf8')]));
  assert.ok(files.size > 40, `found only ${files.size} modules under ${SRC}`);
  assert.deepEqual(violations(files), []);
});

test('the check catches an upward import, a cycle partner, test code and a run-time client-node import', () => {
  const files = new Map([
    ['canary/plan.ts', "import { x } from '../controller/status.ts';"],
    ['resources/deployment.ts', "import type { OperatorConfig } from '../config.ts';"],
    ['kube/client.ts', "import { FakeKubeClient } from '../../../test/operator/fakes/fake-client.ts';"],
    ['controller/status.ts', "import { V1Pod } from '@kubernetes/client-node';\nimport type { V1Service } from '@kubernetes/client-node';"],
    ['main.ts', "import { Controller } from './controller/controller.ts';\nimport { log } from '../../common/src/logger.ts';"],
    ['names.ts', "export { a } from './api/types.ts';\nconst m = await import('./canary/plan.ts');"],
  ]);
  assert.deepEqual(violations(files), [
    'canary/plan.ts (canary and batch) imports controller/status.ts (controller), a higher layer',
    'resources/deployment.ts (resources) imports config.ts (composition), a higher layer',
    'kube/client.ts: imports test/operator/fakes/fake-client.ts, outside operator/src and common/src',
    'controller/status.ts: imports @kubernetes/client-node at run time (use import type)',
    'names.ts (shared leaves and kube) imports canary/plan.ts (canary and batch), a higher layer',
  ]);
});
