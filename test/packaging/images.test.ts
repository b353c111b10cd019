// Static checks of images/*.Dockerfile that hadolint cannot know about: the
// Node version is the one the repo pins, the final stage runs as a numeric
// non-root user, and the entrypoint is exec-form and points at compiled output
// of a source file that exists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('../../', import.meta.url).pathname;
const nodeVersion = readFileSync(join(root, '.node-version'), 'utf8').trim();
const dockerfiles = readdirSync(join(root, 'images')).filter((f) => f.endsWith('.Dockerfile')).sort();

interface Stage { from: string; lines: string[] }

function stages(text: string): Stage[] {
  const out: Stage[] = [];
  // Join backslash continuations so each instruction is one line.
  for (const line of text.replace(/\\\n/g, ' ').split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const from = /^FROM\s+(\S+)/i.exec(trimmed);
    if (from) out.push({ from: from[1]!, lines: [] });
    else out.at(-1)?.lines.push(trimmed);
  }
  return out;
}

test('the three images exist', () => {
  assert.deepEqual(dockerfiles, ['operator.Dockerfile', 'runtime-gpu.Dockerfile', 'runtime.Dockerfile']);
});

for (const file of dockerfiles) {
  const text = readFileSync(join(root, 'images', file), 'utf8');
  const all = stages(text);
  const final = all.at(-1)!;

  test(`${file}: every node base image is the pinned Node ${nodeVersion}`, () => {
    const nodeRefs = [...text.matchAll(/(?:FROM|--from=)\s*node:(\S+)/gi)].map((m) => m[1]!);
    assert.ok(nodeRefs.length > 0, 'no node: base image');
    for (const tag of nodeRefs) assert.ok(tag.startsWith(`${nodeVersion}-`), `node:${tag} is not Node ${nodeVersion}`);
  });

  test(`${file}: every base image is pinned by a version tag`, () => {
    for (const stage of all) {
      const tag = stage.from.split(':')[1] ?? '';
      assert.match(tag, /^\d+\.\d+\.\d+-/, `${stage.from} is not pinned to a version tag`);
    }
  });

  test(`${file}: multi-stage, final stage non-root numeric USER and exec-form ENTRYPOINT`, () => {
    assert.ok(all.length >= 3, 'expected build, deps and final stages');
    const users = final.lines.filter((l) => /^USER\s/i.test(l));
    assert.equal(users.length, 1);
    const [uid, gid] = users[0]!.split(/\s+/)[1]!.split(':');
    assert.match(uid!, /^[1-9]\d*$/, 'USER must be a numeric non-zero uid so runAsNonRoot can verify it');
    assert.match(gid ?? '1', /^[1-9]\d*$/);
    const entry = final.lines.find((l) => /^ENTRYPOINT\s/i.test(l));
    assert.ok(entry, 'no ENTRYPOINT');
    const argv = JSON.parse(entry.replace(/^ENTRYPOINT\s+/i, '')) as string[];
    assert.equal(argv[0], 'node');
    // dist/<area>/src/main.js is compiled from <area>/src/main.ts.
    const source = argv[1]!.replace(/^dist\//, '').replace(/\.js$/, '.ts');
    assert.ok(existsSync(join(root, source)), `${argv[1]} has no source ${source}`);
  });

  test(`${file}: the build stage compiles with tsconfig.build.json and production installs omit dev deps`, () => {
    assert.match(text, /npx tsc -p tsconfig\.build\.json/);
    assert.match(text, /npm ci --omit=dev/);
  });
}

test('runtime-gpu installs the CUDA execution provider at build time', () => {
  const text = readFileSync(join(root, 'images', 'runtime-gpu.Dockerfile'), 'utf8');
  assert.match(text, /ONNXRUNTIME_NODE_INSTALL=cuda12/);
  assert.match(text, /FROM nvidia\/cuda:12\.[\d.]+-cudnn-runtime/);
  assert.match(text, /COPY --from=node \/usr\/local\/bin\/node/);
});

test('.dockerignore keeps node_modules and tests out of the build context', () => {
  const text = readFileSync(join(root, '.dockerignore'), 'utf8');
  assert.match(text, /^\*\*$/m);
  assert.match(text, /^\*\*\/node_modules$/m);
  assert.match(text, /^\*\*\/\*\.test\.ts$/m);
});

test('the operator image may drop onnxruntime: no operator or common module imports it', () => {
  const text = readFileSync(join(root, 'images', 'operator.Dockerfile'), 'utf8');
  assert.match(text, /rm -rf node_modules\/onnxruntime-node/);
  const offenders: string[] = [];
  for (const dir of ['operator/src', 'common/src']) {
    for (const file of readdirSync(join(root, dir), { recursive: true }) as string[]) {
      if (file.endsWith('.ts') && /(from|import\(|require\()\s*['"]onnxruntime/.test(readFileSync(join(root, dir, file), 'utf8'))) offenders.push(`${dir}/${file}`);
    }
  }
  assert.deepEqual(offenders, []);
});

test('every package the product code imports is a production dependency (the images install with --omit=dev)', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  const missing = new Set<string>();
  for (const dir of ['runtime/src', 'operator/src', 'common/src']) {
    for (const file of readdirSync(join(root, dir), { recursive: true }) as string[]) {
      if (!file.endsWith('.ts') || file.endsWith('.test.ts')) continue;
      const text = readFileSync(join(root, dir, file), 'utf8');
      // Value imports only: `import type` and `export type` are erased by the compiler.
      for (const m of text.matchAll(/^\s*(?:import|export)\s+(?!type\s)(?:[^'"]*?\sfrom\s+)?['"]([^'"]+)['"]/gm)) {
        const spec = m[1]!;
        if (spec.startsWith('.') || spec.startsWith('node:')) continue;
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
        if (!(name in pkg.dependencies)) missing.add(`${name} (${dir}/${file})`);
      }
    }
  }
  assert.deepEqual([...missing], []);
});

test('EXPOSE matches the ports the operator and its model servers really listen on', async () => {
  const { RUNTIME_PORT } = await import('../../operator/src/resources/deployment.ts');
  const { loadConfig } = await import('../../operator/src/config.ts');
  const exposed = (file: string) => /^EXPOSE\s+(.+)$/m.exec(readFileSync(join(root, 'images', file), 'utf8'))![1]!.trim();
  assert.equal(exposed('operator.Dockerfile'), String(loadConfig([], {}).port));
  assert.equal(exposed('runtime.Dockerfile'), String(RUNTIME_PORT));
  assert.equal(exposed('runtime-gpu.Dockerfile'), String(RUNTIME_PORT));
});
