import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RejectedInputError } from '../errors.ts';
import { checkFinite } from './finite.ts';

describe('checkFinite (binary and raw tensor data)', () => {
  it('refuses NaN and +-Inf in every float datatype, naming the element', () => {
    for (const [datatype, data] of [
      ['FP16', new Float16Array([1, Number.NaN])],
      ['FP32', new Float32Array([1, Number.POSITIVE_INFINITY])],
      ['FP64', new Float64Array([1, Number.NEGATIVE_INFINITY])],
    ] as const) {
      assert.throws(
        () => checkFinite('x', datatype, data),
        (e: unknown) => e instanceof RejectedInputError && e.reason === 'non_finite' && /input 'x': element 1 is (NaN|-?Infinity)/.test(e.message),
        datatype,
      );
    }
  });

  it('accepts finite floats (the extremes included) and never looks at other datatypes', () => {
    checkFinite('x', 'FP32', new Float32Array([0, -0, 3.4028234663852886e38, -3.4028234663852886e38, 1e-45]));
    checkFinite('x', 'FP16', new Float16Array([65504, -65504]));
    checkFinite('x', 'INT32', new Int32Array([2147483647]));
    checkFinite('x', 'BYTES', ['NaN']);
  });
});
