// Writes crds/ and operator/src/api/types.gen.ts from the API schema
// (`make gen-operator`). With --check it only reports drift and exits 1.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CRD_FILE, TYPES_FILE, renderCrdYaml, renderTypes } from '../src/api/generate.ts';

const root = resolve(import.meta.dirname, '..', '..');
const check = process.argv.includes('--check');
let drift = false;
for (const [file, content] of [[CRD_FILE, renderCrdYaml()], [TYPES_FILE, renderTypes()]] as const) {
  const path = resolve(root, file);
  let current = '';
  try { current = readFileSync(path, 'utf8'); } catch { /* missing counts as drift */ }
  if (current === content) continue;
  if (check) {
    console.error(`${file} is out of date with operator/src/api/schema.ts; run make gen-operator`);
    drift = true;
  } else {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
    console.log(`wrote ${file}`);
  }
}
process.exit(drift ? 1 : 0);
