import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { relativeKey, safeJoin, UnsafePathError } from './paths.ts';

describe('relativeKey', () => {
  const cases: Array<[string, string, string | undefined]> = [
    ['models/iris', 'models/iris/model.onnx', 'model.onnx'],
    ['models/iris/', 'models/iris/1/model.onnx', '1/model.onnx'],
    ['models/iris', 'models/iris2/model.onnx', undefined],
    ['models/iris.onnx', 'models/iris.onnx', 'iris.onnx'],
    ['', 'model.onnx', 'model.onnx'],
    ['', 'a/b.onnx', 'a/b.onnx'],
    ['models', 'models/', undefined],
    ['models', 'models/sub/', undefined],
    ['models', 'other/x', undefined],
  ];
  for (const [prefix, key, expected] of cases) {
    it(`${JSON.stringify(prefix)} + ${JSON.stringify(key)} -> ${String(expected)}`, () => {
      assert.equal(relativeKey(prefix, key), expected);
    });
  }
});

describe('safeJoin', () => {
  it('joins nested paths inside dest', () => {
    assert.equal(safeJoin('/mnt/models', 'a/b/model.onnx'), '/mnt/models/a/b/model.onnx');
    assert.equal(safeJoin('/mnt/models/', 'model..onnx'), '/mnt/models/model..onnx');
  });

  for (const bad of ['../x', 'a/../../x', 'a/..', '..', '.', 'a/./b', 'a//b', '/etc/passwd', 'a\\..\\b', 'a\0b', '']) {
    it(`refuses ${JSON.stringify(bad)}`, () => {
      assert.throws(() => safeJoin('/mnt/models', bad), UnsafePathError);
    });
  }
});
