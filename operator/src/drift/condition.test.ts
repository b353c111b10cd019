import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Condition } from '../api/types.ts';
import { DRIFT_DETECTED, driftCondition, driftConditionChanged, driftMessage, driftSignature, REASON_DRIFT, REASON_NO_DATA, REASON_NO_DRIFT } from './condition.ts';
import type { DriftSample } from './query.ts';

const s = (feature: string, value: number, revision = 'iris-predictor-abc1234'): DriftSample => ({ namespace: 'ml', model: 'iris', revision, feature, value });
const decide = (samples: DriftSample[], previous?: Condition, threshold = 0.2, generation = 3) => driftCondition({ samples, threshold, generation, previous });

test('the threshold edge: PSI equal to the threshold is not drift, just above it is', () => {
  assert.equal(decide([s('petal_length', 0.2)])?.status, 'False');
  assert.equal(decide([s('petal_length', 0.2)])?.reason, REASON_NO_DRIFT);
  const above = decide([s('petal_length', 0.2000001)]);
  assert.equal(above?.status, 'True');
  assert.equal(above?.reason, REASON_DRIFT);
  assert.equal(above?.type, DRIFT_DETECTED);
  assert.equal(above?.observedGeneration, 3);
  // The threshold is the InferenceService's own.
  assert.equal(decide([s('petal_length', 0.3)], undefined, 0.5)?.status, 'False');
});

test('no data: absent when there was no condition, Unknown when there was one', () => {
  assert.equal(decide([]), undefined);
  const was = decide([s('petal_length', 0.9)])!;
  const gone = decide([], was)!;
  assert.deepEqual([gone.status, gone.reason], ['Unknown', REASON_NO_DATA]);
  assert.match(gone.message!, /no drift metrics/);
});

test('the message names the worst features per revision, worst first, with values and the threshold', () => {
  const c = decide([s('sepal_width', 0.31), s('petal_length', 1.234567), s('petal_width', 0.05), s('petal_length', 0.4, 'iris-predictor-def5678')])!;
  assert.equal(c.message, 'revision iris-predictor-abc1234: petal_length PSI 1.23, sepal_width PSI 0.31; revision iris-predictor-def5678: petal_length PSI 0.4 (threshold 0.2)');
  assert.equal(decide([s('x', 0.5, '')])!.message, 'predictor: x PSI 0.5 (threshold 0.2)');
});

test('steady state writes nothing: moving values keep the previous condition; a new drifting feature or revision changes it', () => {
  const first = decide([s('petal_length', 0.41), s('sepal_width', 0.25)])!;
  const later = decide([s('petal_length', 0.57), s('sepal_width', 0.22), s('petal_width', 0.1)], first)!;
  assert.deepEqual(later, first, 'same drifting features: kept verbatim');
  assert.equal(driftConditionChanged(first, later), false);
  const more = decide([s('petal_length', 0.57), s('sepal_width', 0.22), s('petal_width', 0.3)], first)!;
  assert.notEqual(more.message, first.message);
  assert.equal(driftConditionChanged(first, more), true);
  const calm = decide([s('petal_length', 0.01)])!;
  assert.deepEqual(decide([s('petal_length', 0.07)], calm), calm, 'False with other values: kept');
  // A spec change (new generation) is a change even with the same features.
  assert.equal(driftConditionChanged(first, decide([s('petal_length', 0.41), s('sepal_width', 0.25)], first, 0.2, 4)), true);
});

test('the signature of a message is its revision/feature pairs, values left out', () => {
  const a = driftMessage([['r1', [s('b', 0.5), s('a', 0.3)]], ['r2', [s('c', 0.9)]]], 0.2);
  const b = driftMessage([['r1', [s('a', 0.7), s('b', 0.4)]], ['r2', [s('c', 0.25)]]], 0.2);
  assert.equal(driftSignature(a), driftSignature(b));
  assert.equal(driftSignature(a), 'revision r1/a|revision r1/b|revision r2/c');
  assert.notEqual(driftSignature(a), driftSignature(driftMessage([['r1', [s('a', 0.3)]]], 0.2)));
});

test('changed: only status, reason, message and observedGeneration count', () => {
  const c: Condition = { type: DRIFT_DETECTED, status: 'True', reason: REASON_DRIFT, message: 'm', observedGeneration: 1, lastTransitionTime: '2026-01-01T00:00:00Z' };
  assert.equal(driftConditionChanged(c, { ...c, lastTransitionTime: '2027-01-01T00:00:00Z' }), false);
  assert.equal(driftConditionChanged(undefined, undefined), false);
  assert.equal(driftConditionChanged(undefined, c), true);
  for (const k of ['status', 'reason', 'message'] as const) assert.equal(driftConditionChanged(c, { ...c, [k]: 'x' }), true, k);
});
