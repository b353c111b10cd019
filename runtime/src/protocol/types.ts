// The runtime's internal view of a model and of one inference, independent of
// the wire protocol (v2 JSON, v2 binary extension, v1) it arrived in.
import type { ShapeLimits } from '../admission/shape-limits.ts';
import type { Datatype, TensorData } from './datatypes.ts';

/** An input or output as the model declares it; -1 marks a dynamic dimension. */
export interface TensorSpec {
  readonly name: string;
  readonly datatype: Datatype;
  readonly shape: readonly number[];
}

export interface ModelSpec {
  readonly name: string;
  /** Undefined when the runtime was started without --model-version. */
  readonly version: string | undefined;
  readonly platform: 'onnxruntime_onnx';
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
  /** The execution provider the sessions actually run on (after any fallback). */
  readonly executionProvider: string;
  /** True when every input and output has a dynamic first dimension, so requests can be coalesced. */
  readonly batchable: boolean;
  /** Bounds on request shapes this server enforces for the model (--max-dimension, --max-rows). */
  readonly limits: ShapeLimits;
}

export interface Tensor {
  readonly name: string;
  readonly datatype: Datatype;
  readonly shape: readonly number[];
  readonly data: TensorData;
}

export interface RequestedOutput {
  readonly name: string;
  /** Return this output with the binary tensor data extension. */
  readonly binary: boolean;
}

export interface InferRequest {
  readonly id: string | undefined;
  /** One tensor per model input, in the model's input order. */
  readonly inputs: readonly Tensor[];
  /** The outputs to return, in the order asked; every model output when the request named none. */
  readonly outputs: readonly RequestedOutput[];
}

export interface InferResponse {
  readonly id: string | undefined;
  readonly outputs: readonly Tensor[];
}
