import { test } from 'node:test';
import assert from 'node:assert/strict';
import { childName, deploymentName, serviceName, DNS_LABEL_MAX } from './names.ts';
import { MAX_NAME_LENGTH } from './api/schema.ts';

test('child names append suffixes', () => {
  assert.equal(deploymentName('iris'), 'iris-predictor');
  assert.equal(serviceName('iris'), 'iris');
});

test('the longest valid InferenceService name fits every child without hashing', () => {
  const longest = 'a'.repeat(MAX_NAME_LENGTH);
  // Room is also left for a revision suffix of the canary issue: -<7 chars>.
  assert.ok(deploymentName(longest).length + 8 <= DNS_LABEL_MAX);
  assert.equal(deploymentName(longest), `${longest}-predictor`);
});

test('over-long names are shortened stably and stay distinct', () => {
  const a = childName('x'.repeat(70), 'predictor');
  const b = childName('x'.repeat(71), 'predictor');
  assert.ok(a.length <= DNS_LABEL_MAX && b.length <= DNS_LABEL_MAX);
  assert.ok(a.endsWith('-predictor'));
  assert.notEqual(a, b);
  assert.equal(a, childName('x'.repeat(70), 'predictor'));
  assert.match(childName('y'.repeat(80), ''), /^[a-z0-9-]{1,63}$/);
});
