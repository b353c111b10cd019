import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IRIS, testModel } from '../../../test/runtime/support/test-model.ts';
import { encodeV1Response, parseV1Request } from './v1.ts';

describe('KServe v1', () => {
  it('turns instances into a batch for a single-input model', () => {
    const request = parseV1Request({ instances: [[1, 2, 3, 4], [5, 6, 7, 8]] }, IRIS, 100);
    assert.deepEqual(request.inputs[0]?.shape, [2, 4]);
    assert.deepEqual(request.inputs[0]?.data, new Float32Array([1, 2, 3, 4, 5, 6, 7, 8]));
  });

  it('takes named instances for multi-input models', () => {
    const model = testModel(
      [
        { name: 'a', datatype: 'INT64', shape: [-1] },
        { name: 'b', datatype: 'BYTES', shape: [-1, 1] },
      ],
      [{ name: 'y', datatype: 'FP32', shape: [-1] }],
    );
    const request = parseV1Request({ instances: [{ a: 1, b: ['x'] }, { a: 2, b: ['y'] }] }, model, 100);
    assert.deepEqual(request.inputs[0]?.data, new BigInt64Array([1n, 2n]));
    assert.deepEqual(request.inputs[1]?.data, ['x', 'y']);
    assert.throws(() => parseV1Request({ instances: [{ a: 1 }] }, model, 100), /instances\[0\] has no input 'b'/);
  });

  it('refuses bodies without instances and rows of the wrong shape', () => {
    assert.throws(() => parseV1Request({ inputs: [] }, IRIS, 100), /'instances' array/);
    assert.throws(() => parseV1Request({ instances: [[1, 2, 3]] }, IRIS, 100), /shape \[1,3\] does not match/);
    assert.throws(() => parseV1Request({ instances: [[1, 2, 3, 4], [1, 2]] }, IRIS, 100), /nested data has 2 entries/);
  });

  it('splits outputs into per-instance predictions', () => {
    const label = { name: 'label', datatype: 'INT64' as const, shape: [2], data: new BigInt64Array([0n, 2n]) };
    const probabilities = { name: 'probabilities', datatype: 'FP32' as const, shape: [2, 2], data: new Float32Array([0.5, 0.5, 0.25, 0.75]) };
    assert.deepEqual(JSON.parse(encodeV1Response([label], 2)), { predictions: [0, 2] });
    assert.deepEqual(JSON.parse(encodeV1Response([label, probabilities], 2)), {
      predictions: [
        { label: 0, probabilities: [0.5, 0.5] },
        { label: 2, probabilities: [0.25, 0.75] },
      ],
    });
  });
});
