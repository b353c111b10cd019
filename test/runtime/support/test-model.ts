// A ModelSpec fixture for protocol and batching unit tests (not a test file itself).
import { DEFAULT_SHAPE_LIMITS } from '../../../runtime/src/admission/shape-limits.ts';
import type { ModelSpec, TensorSpec } from '../../../runtime/src/protocol/types.ts';

export function testModel(inputs: TensorSpec[], outputs: TensorSpec[], batchable = true): ModelSpec {
  return { name: 'm', version: undefined, platform: 'onnxruntime_onnx', inputs, outputs, executionProvider: 'cpu', batchable, limits: DEFAULT_SHAPE_LIMITS };
}

/** Shaped like the iris pipeline: input [-1,4] FP32, outputs label [-1] INT64 and probabilities [-1,3]. */
export const IRIS = testModel(
  [{ name: 'input', datatype: 'FP32', shape: [-1, 4] }],
  [
    { name: 'label', datatype: 'INT64', shape: [-1] },
    { name: 'probabilities', datatype: 'FP32', shape: [-1, 3] },
  ],
);
