import { test } from 'node:test';
import assert from 'node:assert/strict';
import { companionAbsent, profileCompanion } from './companion.ts';
import { FetchError, HttpStatusError } from './errors.ts';

test('the profile of a single .onnx file sits beside it; prefixes and other files have none', () => {
  assert.equal(profileCompanion('models/iris.onnx'), 'models/iris.profile.json');
  assert.equal(profileCompanion('/files/v1.2/iris.onnx'), '/files/v1.2/iris.profile.json');
  assert.equal(profileCompanion('iris.onnx'), 'iris.profile.json');
  for (const none of ['models/iris', 'models/iris/', 'models/iris.onnx/', 'models/.onnx', 'models/iris.onnx.gz', '']) assert.equal(profileCompanion(none), undefined, none);
});

test('only "not there" answers make a missing profile fine', () => {
  for (const status of [403, 404, 410]) assert.equal(companionAbsent(new HttpStatusError('x', status)), true, String(status));
  assert.equal(companionAbsent(new HttpStatusError('x', 400)), false);
  assert.equal(companionAbsent(new FetchError('GET x: HTTP 503')), false);
  assert.equal(companionAbsent(new Error('ECONNRESET')), false);
});
