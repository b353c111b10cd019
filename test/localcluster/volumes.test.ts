import { test } from 'node:test';
import assert from 'node:assert/strict';
import { containerMounts, persistentVolumePath, rewritePath, volumeSource, type Mount } from './volumes.ts';

test('volume kinds: emptyDir, PVC, anything else unsupported', () => {
  assert.deepEqual(volumeSource({ name: 'a', emptyDir: {} }), { kind: 'emptyDir' });
  assert.deepEqual(volumeSource({ name: 'b', persistentVolumeClaim: { claimName: 'store' } }), { kind: 'pvc', claim: 'store' });
  assert.equal(volumeSource({ name: 'c', hostPath: { path: '/etc' } }).kind, 'unsupported');
  assert.equal(persistentVolumePath({ spec: { hostPath: { path: '/m' } } }), '/m');
  assert.equal(persistentVolumePath({ spec: { local: { path: '/l' } } }), '/l');
  assert.equal(persistentVolumePath({ spec: {} }), undefined);
});

test('mounts map container paths to volume dirs, with subPath, nested mounts first', () => {
  const dirs = new Map([['model', '/pod/model'], ['tmp', '/pod/tmp']]);
  const mounts = containerMounts({
    name: 'c',
    volumeMounts: [
      { name: 'tmp', mountPath: '/mnt' },
      { name: 'model', mountPath: '/mnt/models/', readOnly: true, subPath: 'iris' },
    ],
  }, dirs) as Mount[];
  assert.deepEqual(mounts, [
    { containerPath: '/mnt/models', hostPath: '/pod/model/iris', readOnly: true },
    { containerPath: '/mnt', hostPath: '/pod/tmp', readOnly: false },
  ]);
  assert.equal(rewritePath('/mnt/models/iris.onnx', mounts), '/pod/model/iris/iris.onnx');
  assert.equal(rewritePath('/mnt/other', mounts), '/pod/tmp/other');
  assert.equal(rewritePath('--dest=/mnt/models', mounts), '--dest=/pod/model/iris');
  assert.equal(rewritePath('/mntx', mounts), '/mntx');
  assert.equal(rewritePath('serve', mounts), 'serve');
});

test('unknown volumes and escaping subPaths are errors', () => {
  assert.deepEqual(containerMounts({ name: 'c', volumeMounts: [{ name: 'x', mountPath: '/x' }] }, new Map()), { error: 'container c mounts unknown volume x' });
  assert.ok('error' in containerMounts({ name: 'c', volumeMounts: [{ name: 'x', mountPath: '/x', subPath: '../..' }] }, new Map([['x', '/d']])));
});
