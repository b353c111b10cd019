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
