// Writes crds/ and operator/src/api/*types.gen.ts from the API schemas
// (`make gen-operator`). With --check it only reports drift and exits 1.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { APIS, renderCrdYaml, renderTypes } from '../src/api/generate.ts';

const root = resolve(import.meta.dirname, '..', '..');
const check = process.argv.includes('--check');
let drift = false;
for (const [file, content] of APIS.flatMap((api) => [[api.crdFile, renderCrdYaml(api)], [api.typesFile, renderTypes(api)]] as const)) {
  const path = resolve(root, file);
  let current = '';
  try { current = readFileSync(path, 'utf8'); } catch { /* missing counts as drift */ }
  if (current === content) continue;
  if (check) {
    console.error(`${file} is out of date with its schema (operator/src/api/); run make gen-operator`);
    drift = true;
  } else {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
    console.log(`wrote ${file}`);
  }
}
process.exit(drift ? 1 : 0);
