// `serve` and `fetch` share one binary (main.ts imports the fetch command):
// the fetch's storage SDKs load only when a fetch needs that store, so the
// command costs the model server nothing at start-up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const script = `
import { registerHooks } from 'node:module';
const seen = [];
registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context); seen.push(r.url); return r; } });
await import(${JSON.stringify(new URL('./command.ts', import.meta.url).href)});
console.log(JSON.stringify(seen.filter((u) => /@aws-sdk|@google-cloud|google-auth-library/.test(u))));
`;

test('importing the fetch command loads no storage SDK', () => {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: fileURLToPath(new URL('../../../', import.meta.url)), encoding: 'utf8', timeout: 60_000 });
  assert.deepEqual(JSON.parse(out.trim().split('\n').pop()!), []);
});
