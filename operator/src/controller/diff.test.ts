import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../kube/client.ts';
import { canonicalJson } from '../canonical-json.ts';
import { applyReason, isSubset, withDesiredHash, HASH_ANNOTATION } from './diff.ts';

test('subset ignores server-added fields and compares quantities by value', () => {
  const desired = { spec: { replicas: 1, template: { containers: [{ name: 'a', resources: { limits: { cpu: '1000m', memory: '1024Mi' } } }] } } };
  const observed = { spec: { replicas: 1, progressDeadlineSeconds: 600, template: { containers: [{ name: 'a', terminationMessagePath: '/dev/x', resources: { limits: { cpu: '1', memory: '1Gi' } } }] } } };
  assert.ok(isSubset(desired, observed));
});

test('subset detects edits, removals and extra list items', () => {
  const desired = { spec: { replicas: 1, args: ['a', 'b'], labels: { x: '1' } } };
  assert.ok(!isSubset(desired, { spec: { replicas: 2, args: ['a', 'b'], labels: { x: '1' } } }));
  assert.ok(!isSubset(desired, { spec: { replicas: 1, args: ['a'], labels: { x: '1' } } }));
  assert.ok(!isSubset(desired, { spec: { replicas: 1, args: ['a', 'b', 'c'], labels: { x: '1' } } }));
  assert.ok(!isSubset(desired, { spec: { replicas: 1, args: ['a', 'b'], labels: {} } }));
  // Quantity comparison applies only under resource maps: "1" is not 1 elsewhere.
  assert.ok(!isSubset({ a: '1' }, { a: 1 }));
});

test('canonical JSON ignores key order and undefined', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: undefined, c: [2, 1] } }), canonicalJson({ a: { c: [2, 1] }, b: 1 }));
});

test('apply reasons: create, update on intent change, drift, nothing', () => {
  const desired = withDesiredHash<KubeObject & { spec: { replicas: number; nodeSelector?: Record<string, string> } }>({ metadata: { name: 'x' }, spec: { replicas: 1, nodeSelector: { a: 'b' } } });
  assert.equal(applyReason(desired, undefined), 'create');
  assert.equal(applyReason(desired, structuredClone(desired)), undefined);
  const edited = structuredClone(desired);
  edited.spec.replicas = 3;
  assert.equal(applyReason(desired, edited), 'drift');
  // We stop setting nodeSelector: the hash changes although desired is still a subset.
  const next = withDesiredHash<KubeObject>({ metadata: { name: 'x' }, spec: { replicas: 1 } } as KubeObject);
  assert.notEqual(next.metadata?.annotations?.[HASH_ANNOTATION], desired.metadata?.annotations?.[HASH_ANNOTATION]);
  assert.equal(applyReason(next, desired), 'update');
});
