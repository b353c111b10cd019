// The committed generated code (gen/) must be exactly what the pinned
// toolchain makes from runtime/proto today: regenerate into a temporary
// folder with the same buf.gen.yaml and compare file by file.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const RUNTIME = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(RUNTIME, '../node_modules/.bin');
const GEN = join(RUNTIME, 'src/grpc/gen');

function files(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(entry.parentPath, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (!entry.name.endsWith('.test.ts')) out.set(relative(root, path), readFileSync(path, 'utf8'));
    }
  };
  walk(root);
  return out;
}

test('runtime/src/grpc/gen matches `buf generate` of runtime/proto (run `make gen-grpc` after editing a .proto)', () => {
  const out = mkdtempSync(join(tmpdir(), 'modelship-gen-'));
  try {
    execFileSync(join(BIN, 'buf'), ['generate', '--template', 'buf.gen.yaml', '-o', out], {
      cwd: RUNTIME,
      env: { ...process.env, PATH: `${BIN}:${dirname(process.execPath)}:${process.env['PATH'] ?? ''}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const fresh = files(join(out, 'src/grpc/gen'));
    const committed = files(GEN);
    assert.ok(fresh.size > 0, 'buf generated nothing');
    assert.deepEqual([...committed.keys()].sort(), [...fresh.keys()].sort(), 'generated file list');
    for (const [name, text] of fresh) assert.equal(committed.get(name), text, `${name} differs from what runtime/proto generates`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
