import { test } from 'node:test';
import assert from 'node:assert/strict';
import { transitionEvents } from './events.ts';
import type { InferenceServiceStatus } from '../api/types.ts';

const s = (ready: 'True' | 'False', reason = 'X', extra: Partial<InferenceServiceStatus> = {}): InferenceServiceStatus => ({
  conditions: [{ type: 'Ready', status: ready, reason }, { type: 'PredictorReady', status: ready, reason, message: 'm' }],
  url: 'http://u',
  ...extra,
});

test('events only on transitions', () => {
  assert.deepEqual(transitionEvents(undefined, s('True')).map((e) => e.reason), ['InferenceServiceReady']);
  assert.deepEqual(transitionEvents(s('True'), s('True')), []);
  assert.deepEqual(transitionEvents(s('True'), s('False', 'ModelLoading')).map((e) => e.reason), ['InferenceServiceNotReady']);
  assert.deepEqual(transitionEvents(s('False'), s('False')), []);
  const failed = s('False', 'ModelLoadFailed', { modelStatus: { states: { activeModelState: 'FailedToLoad' }, lastFailureInfo: { reason: 'Error', message: 'bad model' } } });
  assert.deepEqual(transitionEvents(s('False'), failed).map((e) => [e.type, e.reason]), [['Warning', 'ModelLoadFailed']]);
  assert.deepEqual(transitionEvents(failed, failed), []);
  assert.deepEqual(transitionEvents(undefined, s('False', 'InvalidSpec')).map((e) => e.reason), ['InvalidSpec']);
});

test('DriftDetected: a Warning when drift appears, DriftResolved when it clears, nothing while it lasts or for Unknown', () => {
  const d = (status: 'True' | 'False' | 'Unknown', message = 'revision r: x PSI 0.5 (threshold 0.2)') => s('True', 'Ready', { conditions: [...s('True').conditions!, { type: 'DriftDetected', status, reason: 'R', message }] });
  assert.deepEqual(transitionEvents(s('True'), d('True')).map((e) => [e.type, e.reason, e.message]), [['Warning', 'DriftDetected', 'revision r: x PSI 0.5 (threshold 0.2)']]);
  assert.deepEqual(transitionEvents(d('False'), d('True')).map((e) => e.reason), ['DriftDetected']);
  assert.deepEqual(transitionEvents(d('Unknown'), d('True')).map((e) => e.reason), ['DriftDetected']);
  assert.deepEqual(transitionEvents(d('True'), d('True', 'revision r: y PSI 0.9 (threshold 0.2)')), []);
  assert.deepEqual(transitionEvents(d('True'), d('False')).map((e) => [e.type, e.reason]), [['Normal', 'DriftResolved']]);
  assert.deepEqual(transitionEvents(d('True'), d('Unknown')), []);
  assert.deepEqual(transitionEvents(s('True'), d('False')), []);
});
