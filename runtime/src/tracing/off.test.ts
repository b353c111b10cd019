// "Off costs nothing": with tracing unconfigured no OpenTelemetry module may
// be loaded. The runtime's static import graph (from main.ts, following
// relative value imports; `import type` is erased and `import()` is only
// taken when tracing is configured) must not reach any @opentelemetry package.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));
// Static value imports and re-exports; `import type` / `export type` are skipped.
const STATIC = /^\s*(?:import|export)\s+(?!type\b)(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]/gm;

function staticGraph(entry: string): { files: Set<string>; packages: Map<string, string> } {
  const files = new Set<string>();
  const packages = new Map<string, string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (files.has(file)) continue;
    files.add(file);
    for (const [, spec] of readFileSync(file, 'utf8').matchAll(STATIC)) {
      if (spec!.startsWith('.')) queue.push(resolve(dirname(file), spec!));
      else packages.set(spec!, file);
    }
  }
  return { files, packages };
}

test('the runtime loads no OpenTelemetry code unless tracing is configured', () => {
  const { files, packages } = staticGraph(MAIN);
  assert.ok(files.has(fileURLToPath(new URL('../server.ts', import.meta.url))), 'the graph reaches server.ts');
  assert.ok(packages.has('cloudevents'), 'the scan sees package imports');
  const otel = [...packages].filter(([spec]) => spec.startsWith('@opentelemetry/'));
  assert.deepEqual(otel, [], 'statically imported OpenTelemetry packages (and by which file)');
  assert.equal(files.has(fileURLToPath(new URL('./otel.ts', import.meta.url))), false, 'otel.ts is imported dynamically only');
});
