import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { metadataResponse, modelSpecOf } from './metadata.ts';

const identity = { name: 'iris', version: '3', executionProvider: 'cpu' };

describe('model metadata from the session', () => {
  it('maps types and marks symbolic and unknown dimensions -1', () => {
    const model = modelSpecOf(
      identity,
      [{ name: 'input', isTensor: true, type: 'float32', shape: ['batch', 4] }],
      [
        { name: 'label', isTensor: true, type: 'int64', shape: [-1] },
        { name: 'probabilities', isTensor: true, type: 'float32', shape: ['N', 3] },
      ],
    );
    assert.equal(model.batchable, true);
    assert.deepEqual(metadataResponse(model), {
      name: 'iris',
      versions: ['3'],
      platform: 'onnxruntime_onnx',
      inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 4] }],
      outputs: [
        { name: 'label', datatype: 'INT64', shape: [-1] },
        { name: 'probabilities', datatype: 'FP32', shape: [-1, 3] },
      ],
      parameters: { execution_provider: 'cpu', dynamic_batching: true },
    });
  });

  it('does not batch a model with a fixed first dimension', () => {
    const model = modelSpecOf(identity, [{ name: 'x', isTensor: true, type: 'float32', shape: [1, 4] }], [{ name: 'y', isTensor: true, type: 'float32', shape: [-1, 4] }]);
    assert.equal(model.batchable, false);
  });

  it('refuses non-tensor values and types the protocol cannot carry', () => {
    assert.throws(() => modelSpecOf(identity, [{ name: 'seq', isTensor: false }], []), /input 'seq' is not a tensor/);
    assert.throws(() => modelSpecOf(identity, [], [{ name: 'q', isTensor: true, type: 'int4', shape: [1] }]), /output 'q' has type int4/);
  });
});
