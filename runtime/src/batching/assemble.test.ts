import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Tensor } from '../protocol/types.ts';
import { batchSignature, concatInputs, splitOutputs } from './assemble.ts';

const t = (name: string, shape: number[], data: Tensor['data']): Tensor => ({ name, datatype: Array.isArray(data) ? 'BYTES' : 'FP32', shape, data });

describe('batch assembly', () => {
  it('gives equal signatures exactly when all but the batch dimension agree', () => {
    assert.equal(batchSignature([t('x', [1, 4], new Float32Array(4))]), batchSignature([t('x', [7, 4], new Float32Array(28))]));
    assert.notEqual(batchSignature([t('x', [1, 4], new Float32Array(4))]), batchSignature([t('x', [1, 5], new Float32Array(5))]));
    assert.notEqual(batchSignature([t('x', [1, 2, 2], new Float32Array(4))]), batchSignature([t('x', [1, 4], new Float32Array(4))]));
    assert.notEqual(batchSignature([t('x', [1, 2], new Float32Array(2))]), batchSignature([{ name: 'x', datatype: 'FP64', shape: [1, 2], data: new Float64Array(2) }]));
  });

  it('passes a single request through without copying', () => {
    const inputs = [t('x', [1, 2], new Float32Array([1, 2]))];
    assert.equal(concatInputs([inputs]), inputs);
  });

  it('concatenates along the batch dimension and splits back in order', () => {
    const requests = [
      [t('x', [1, 2], new Float32Array([1, 2])), t('s', [1], ['a'])],
      [t('x', [2, 2], new Float32Array([3, 4, 5, 6])), t('s', [2], ['b', 'c'])],
      [t('x', [0, 2], new Float32Array(0)), t('s', [0], [])],
    ];
    const merged = concatInputs(requests);
    assert.deepEqual(merged[0], t('x', [3, 2], new Float32Array([1, 2, 3, 4, 5, 6])));
    assert.deepEqual(merged[1], t('s', [3], ['a', 'b', 'c']));
    const split = splitOutputs(merged, [1, 2, 0]);
    assert.deepEqual(split.map((outs) => outs.map((o) => [o.shape, Array.from(o.data as ArrayLike<unknown>)])), [
      [[[1, 2], [1, 2]], [[1], ['a']]],
      [[[2, 2], [3, 4, 5, 6]], [[2], ['b', 'c']]],
      [[[0, 2], []], [[0], []]],
    ]);
  });

  it('refuses to split an output whose batch dimension does not match', () => {
    assert.throws(() => splitOutputs([t('y', [1, 2], new Float32Array(2))], [1, 1]), /batch dimension 1 for a batch of 2 rows/);
  });
});
