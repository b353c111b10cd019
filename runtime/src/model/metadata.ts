// Model metadata as the protocol reports it, read from the ONNX session
// itself (names, datatypes, shapes with -1 for dynamic or symbolic dims), so
// it can never drift from what the model really takes.
import { DEFAULT_SHAPE_LIMITS, type ShapeLimits } from '../admission/shape-limits.ts';
import { datatypeOfOrt } from '../protocol/datatypes.ts';
import type { ModelSpec, TensorSpec } from '../protocol/types.ts';

/** The shape of onnxruntime's InferenceSession.ValueMetadata, kept structural so tests need no session. */
export interface OrtValueMetadata {
  readonly name: string;
  readonly isTensor: boolean;
  readonly type?: string;
  readonly shape?: ReadonlyArray<number | string>;
}

export function tensorSpecOf(meta: OrtValueMetadata, role: 'input' | 'output'): TensorSpec {
  if (!meta.isTensor || meta.type === undefined) throw new Error(`${role} '${meta.name}' is not a tensor; only tensor ${role}s are supported`);
  const datatype = datatypeOfOrt(meta.type);
  if (!datatype) throw new Error(`${role} '${meta.name}' has type ${meta.type}, which the Open Inference Protocol cannot carry`);
  const shape = (meta.shape ?? []).map((dim) => (typeof dim === 'number' && dim >= 0 ? dim : -1));
  return { name: meta.name, datatype, shape };
}

export interface ModelIdentity {
  readonly name: string;
  readonly version: string | undefined;
  readonly executionProvider: string;
}

export function modelSpecOf(
  identity: ModelIdentity,
  inputs: readonly OrtValueMetadata[],
  outputs: readonly OrtValueMetadata[],
  limits: ShapeLimits = DEFAULT_SHAPE_LIMITS,
): ModelSpec {
  const inputSpecs = inputs.map((m) => tensorSpecOf(m, 'input'));
  const outputSpecs = outputs.map((m) => tensorSpecOf(m, 'output'));
  const batchable = [...inputSpecs, ...outputSpecs].every((s) => s.shape.length > 0 && s.shape[0] === -1);
  return Object.freeze({
    name: identity.name,
    version: identity.version,
    platform: 'onnxruntime_onnx',
    inputs: inputSpecs,
    outputs: outputSpecs,
    executionProvider: identity.executionProvider,
    batchable,
    limits,
  });
}

/** The v2 model metadata response body. */
export function metadataResponse(model: ModelSpec): object {
  return {
    name: model.name,
    versions: model.version === undefined ? [] : [model.version],
    platform: model.platform,
    inputs: model.inputs,
    outputs: model.outputs,
    parameters: { execution_provider: model.executionProvider, dynamic_batching: model.batchable },
  };
}
