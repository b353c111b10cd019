// The images run compiled JavaScript (dist/, from `tsc -p tsconfig.build.json`
// in their build stage), not the .ts sources the tests use. Without a Docker
// engine here, this builds that same output and runs the images' entrypoints
// from it: the operator must load its whole module graph, the runtime must
// load a model in its worker threads and answer an inference request, and its
// fetch command (the init container) must load.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
// Inside the checkout so that node_modules resolves as it does in /app of the image.
const out = join(root, 'dist', `.smoke-${process.pid}`);
const entry = (file: string): string => {
  const dockerfile = readFileSync(join(root, 'images', file), 'utf8');
  const argv = JSON.parse(/^ENTRYPOINT\s+(.*)$/m.exec(dockerfile)![1]!) as string[];
  return join(out, argv[1]!.replace(/^dist\//, ''));
};

before(() => {
  mkdirSync(out, { recursive: true });
  const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json'), '--outDir', out], { encoding: 'utf8', timeout: 240_000 });
  assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr);
});

after(() => rmSync(out, { recursive: true, force: true }));

test('operator image entrypoint: the compiled operator loads and validates its configuration', () => {
  const r = spawnSync(process.execPath, [entry('operator.Dockerfile'), '--log-level', 'loud'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /invalid operator configuration/);
  assert.match(r.stderr, /--log-level/);
});

/** Every .js file under a folder, relative to it. */
function compiled(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return compiled(path, base);
    return e.name.endsWith('.js') ? [relative(base, path)] : [];
  });
}

test('dist/ holds product code only: every compiled module is loaded from an image entrypoint', () => {
  // Test-only modules (fake client, fake clock, simulators, fixtures) live under
  // test/; one left in a src/ folder would ship in the images unreachable.
  const files = compiled(out);
  assert.ok(files.length > 50, `only ${files.length} compiled modules under ${out}`);
  const outside = files.filter((f) => !/^(operator|runtime|common)\/src\//.test(f));
  assert.deepEqual(outside, [], 'compiled modules outside the product source folders');
  const entrypoints = ['operator.Dockerfile', 'runtime.Dockerfile'].map((d) => relative(out, entry(d)));
  // The worker pool starts its thread by URL, not by import.
  const reached = new Set<string>();
  const pending = [...entrypoints];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (reached.has(file)) continue;
    reached.add(file);
    const source = readFileSync(join(out, file), 'utf8');
    const specifiers = [...source.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|new URL\(\s*[^,]*?)["'](\.{1,2}\/[^"']+\.js)["']/g)].map((m) => m[1]!);
    for (const s of specifiers) pending.push(relative(out, resolve(out, dirname(file), s)));
  }
  // Type-only modules compile to an empty module that nothing loads; the CRD
  // generator (make gen-operator) stays beside the schema it renders.
  const typeOnly = (f: string): boolean => readFileSync(join(out, f), 'utf8').replace(/^\s*\/\/.*$/gm, '').trim() === 'export {};';
  const buildTools = new Set(['operator/src/api/generate.js']);
  const unreached = files.filter((f) => !reached.has(f) && !typeOnly(f) && !buildTools.has(f));
  assert.deepEqual(unreached.sort(), [], 'compiled modules no entrypoint loads (test-only code under src/?)');
});

test('the operator never loads @kubernetes/client-node at run time (its types only)', () => {
  // A resolve hook that refuses the package: the compiled operator must still load its whole
  // module graph and reach its configuration check. Product code uses client-node's model
  // types only; a value import would pull in its HTTP stack and models (megabytes of heap).
  const hook = join(out, 'refuse-client-node.mjs');
  writeFileSync(hook, [
    "import { registerHooks } from 'node:module';",
    'registerHooks({ resolve(specifier, context, next) {',
    "  if (specifier === '@kubernetes/client-node' || specifier.startsWith('@kubernetes/client-node/')) throw new Error('refused: ' + specifier + ' from ' + context.parentURL);",
    '  return next(specifier, context);',
    '} });',
  ].join('\n'));
  const r = spawnSync(process.execPath, ['--import', hook, entry('operator.Dockerfile'), '--log-level', 'loud'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /invalid operator configuration/);
  const probe = spawnSync(process.execPath, ['--import', hook, '-e', "await import('@kubernetes/client-node')"], { encoding: 'utf8', timeout: 30_000 });
  assert.match(probe.stderr, /refused: @kubernetes\/client-node/, 'the hook refuses the package when something does load it');
  const mentions = compiled(out).filter((f) => /^(operator|common)\//.test(f) && /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)["']@kubernetes\/client-node/.test(readFileSync(join(out, f), 'utf8')));
  assert.deepEqual(mentions, [], 'compiled operator modules that still reference client-node');
});

test('runtime image: the compiled init-container command (fetch) loads', () => {
  const r = spawnSync(process.execPath, [entry('runtime.Dockerfile'), 'fetch', '--help'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout + r.stderr, /--source/);
  const bad = spawnSync(process.execPath, [entry('runtime.Dockerfile'), 'fetch', '--source', 'ftp://example/model.onnx', '--dest', join(out, 'model')], { encoding: 'utf8', timeout: 30_000 });
  assert.notEqual(bad.status, 0, 'an unsupported source scheme must fail the init container');
});

async function freePort(): Promise<number> {
  return await new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

// With two front-end threads too: their thread script is started by URL from the compiled module,
// which a .ts URL would miss in the image (the default above 3 CPUs, runtime/README.md).
for (const threads of [1, 2]) test(`runtime image entrypoint: the compiled runtime serves iris over v2 with ${threads} front-end thread(s) and drains on SIGTERM`, async () => {
  for (const file of ['runtime.Dockerfile', 'runtime-gpu.Dockerfile']) assert.equal(entry(file), entry('runtime.Dockerfile'));
  const port = await freePort();
  const child = spawn(process.execPath, [entry('runtime.Dockerfile'), 'serve', '--model-name', 'iris', '--model-path', join(root, 'examples/models/iris.onnx'), '--host', '127.0.0.1', '--port', String(port), '--grpc-port', '0', '--metrics-port', '0', '--workers', '1', '--frontend-threads', String(threads)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    const base = `http://127.0.0.1:${port}`;
    let ready = 0;
    for (let i = 0; i < 150 && ready !== 200; i++) {
      ready = await fetch(`${base}/v2/health/ready`).then((r) => r.status, () => 0);
      if (ready !== 200) await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(ready, 200, `not ready:\n${output}`);
    const reference = JSON.parse(readFileSync(join(root, 'examples/models/iris.reference.json'), 'utf8')) as { inputs: unknown[]; outputs: { name: string; data: number[] }[] };
    const res = await fetch(`${base}/v2/models/iris/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs: reference.inputs }) });
    assert.equal(res.status, 200, await res.clone().text());
    const body = (await res.json()) as { outputs: { name: string; data: number[] }[] };
    const label = body.outputs.find((o) => o.name === 'label');
    assert.deepEqual(label?.data, reference.outputs.find((o) => o.name === 'label')!.data);
  } finally {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const code = await exited;
    clearTimeout(timer);
    assert.equal(code, 0, `runtime exit code ${code}:\n${output.slice(-3000)}`);
  }
});
