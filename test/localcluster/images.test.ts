import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_BUILD_CONFIG } from '../../operator/src/settings.ts';
import { defaultImageTable, imageRepository, resolveImage, runtimeRunner } from './images.ts';

test('image repository drops tag and digest but keeps a registry port', () => {
  assert.equal(imageRepository('ghcr.io/modelship/runtime:0.1.0'), 'ghcr.io/modelship/runtime');
  assert.equal(imageRepository('ghcr.io/modelship/runtime@sha256:abc'), 'ghcr.io/modelship/runtime');
  assert.equal(imageRepository('localhost:5000/x:1@sha256:abc'), 'localhost:5000/x');
  assert.equal(imageRepository('busybox'), 'busybox');
});

test('the operator runtime image runs the checkout runtime on the pod IP', () => {
  const table = defaultImageTable('/repo');
  const r = resolveImage(table, { name: 'model-server', image: DEFAULT_BUILD_CONFIG.runtimeImage });
  assert.ok(r.ok);
  const cmd = r.runner({ name: 'model-server' }, ['serve', '--host', '0.0.0.0', '--port', '8080'], '127.9.0.3');
  assert.deepEqual(cmd.args, ['/repo/runtime/src/main.ts', 'serve', '--host', '127.9.0.3', '--port', '8080']);
});

test('--host=, a missing --host on serve, and other subcommands', () => {
  const run = runtimeRunner('/repo', '/bin/node');
  assert.deepEqual(run({ name: 'c' }, ['serve', '--host=0.0.0.0'], '127.9.0.4').args.slice(1), ['serve', '--host=127.9.0.4']);
  assert.deepEqual(run({ name: 'c' }, ['serve'], '127.9.0.4').args.slice(1), ['serve', '--host', '127.9.0.4']);
  assert.deepEqual(run({ name: 'c' }, ['fetch', '--dest', '/d'], '127.9.0.4').args.slice(1), ['fetch', '--dest', '/d']);
});

test('other images and entrypoint overrides are unsupported, with a reason', () => {
  const table = defaultImageTable('/repo');
  const other = resolveImage(table, { name: 'web', image: 'nginx:1.27' });
  assert.ok(!other.ok);
  assert.equal(other.reason, 'UnsupportedImage');
  assert.match(other.message, /nginx:1\.27 cannot run here/);
  const cmd = resolveImage(table, { name: 'x', image: DEFAULT_BUILD_CONFIG.runtimeImage, command: ['sh'] });
  assert.ok(!cmd.ok);
  assert.equal(cmd.reason, 'UnsupportedCommand');
});
