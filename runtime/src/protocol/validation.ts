// Fits a parsed request to the model: every input named once, datatype and
// shape as the model declares them, data lengths consistent with shapes,
// binary parts consistent with their declared sizes. Sizes are checked before
// anything is allocated, so a request can never make the server allocate more
// than a small multiple of its own body.
import { checkShapeLimits } from '../admission/shape-limits.ts';
import { InvalidInputError } from '../errors.ts';
import { decodeBinaryData } from './binary.ts';
import type { TensorData } from './datatypes.ts';
import { checkFinite } from './finite.ts';
import { elementCount, formatShape } from './shape.ts';
import type { InferRequest, ModelSpec, RequestedOutput, Tensor, TensorSpec } from './types.ts';
import { decodeJsonData, type RawInferRequest, type RawInput } from './v2-json.ts';

function names(specs: readonly TensorSpec[]): string {
  return specs.map((s) => `'${s.name}'`).join(', ');
}

/** Checks a shape against a model-declared one, where -1 matches any size. */
export function checkShape(spec: TensorSpec, shape: readonly number[]): void {
  const fits = shape.length === spec.shape.length && spec.shape.every((dim, i) => dim < 0 || dim === shape[i]);
  if (!fits) throw new InvalidInputError(`input '${spec.name}': shape ${formatShape(shape)} does not match the model's ${formatShape(spec.shape)}`);
}

/**
 * Binds a parsed request to the model. `jsonBytes` is the size of the JSON
 * text (or protobuf message) the request came in (bounds how many elements
 * listed data can hold); `binary` is the binary part when the request used
 * the REST binary extension. gRPC requests carry raw bytes per input instead.
 */
export function bindInferRequest(raw: RawInferRequest, model: ModelSpec, jsonBytes: number, binary: Uint8Array | undefined): InferRequest {
  const byName = new Map<string, RawInput>();
  // Binary parts follow the order of the request's inputs, not the model's.
  const slices = new Map<string, Uint8Array>();
  let cursor = 0;
  for (const input of raw.inputs) {
    if (byName.has(input.name)) throw new InvalidInputError(`input '${input.name}' is given more than once`);
    if (!model.inputs.some((s) => s.name === input.name)) {
      throw new InvalidInputError(`unknown input '${input.name}'; model '${model.name}' takes ${names(model.inputs)}`);
    }
    byName.set(input.name, input);
    if (input.binaryDataSize === undefined) continue;
    if (!binary) throw new InvalidInputError(`input '${input.name}' declares binary_data_size but the request has no Inference-Header-Content-Length`);
    const end = cursor + input.binaryDataSize;
    if (end > binary.byteLength) {
      throw new InvalidInputError(`input '${input.name}': binary_data_size ${input.binaryDataSize} runs past the end of the binary data (${binary.byteLength - cursor} bytes left)`);
    }
    slices.set(input.name, binary.subarray(cursor, end));
    cursor = end;
  }
  if (binary && cursor !== binary.byteLength) {
    throw new InvalidInputError(`the binary part has ${binary.byteLength} bytes but the inputs declare ${cursor}`);
  }
  const inputs: Tensor[] = model.inputs.map((spec) => {
    const input = byName.get(spec.name);
    if (!input) throw new InvalidInputError(`input '${spec.name}' is missing; model '${model.name}' takes ${names(model.inputs)}`);
    if (input.datatype !== spec.datatype) throw new InvalidInputError(`input '${spec.name}': datatype ${input.datatype}, the model expects ${spec.datatype}`);
    checkShape(spec, input.shape);
    checkShapeLimits(spec.name, input.shape, model.batchable, model.limits);
    const count = elementCount(input.shape);
    let data: TensorData;
    const bytes = input.raw ?? slices.get(spec.name);
    if (bytes) {
      if (spec.datatype === 'BYTES' && count > bytes.byteLength / 4) {
        throw new InvalidInputError(`input '${spec.name}': ${count} BYTES elements cannot fit in ${bytes.byteLength} bytes`);
      }
      data = decodeBinaryData(bytes, spec.datatype, count, spec.name);
      checkFinite(spec.name, spec.datatype, data);
    } else {
      // Every JSON element takes at least one byte of the body.
      if (count > jsonBytes) throw new InvalidInputError(`input '${spec.name}': shape ${formatShape(input.shape)} needs ${count} elements, more than the request carries`);
      data = decodeJsonData(input.data ?? [], spec.datatype, input.shape, count, spec.name);
    }
    return { name: spec.name, datatype: spec.datatype, shape: input.shape, data };
  });
  if (model.batchable && inputs.length > 1) {
    const batch = inputs[0]?.shape[0];
    const other = inputs.find((t) => t.shape[0] !== batch);
    if (other) throw new InvalidInputError(`inputs disagree on the batch dimension: '${inputs[0]?.name}' has ${batch}, '${other.name}' has ${other.shape[0]}`);
  }
  return { id: raw.id, inputs, outputs: bindOutputs(raw, model) };
}

function bindOutputs(raw: RawInferRequest, model: ModelSpec): RequestedOutput[] {
  if (!raw.outputs || raw.outputs.length === 0) return model.outputs.map((o) => ({ name: o.name, binary: raw.binaryOutput }));
  const seen = new Set<string>();
  return raw.outputs.map((o) => {
    if (!model.outputs.some((s) => s.name === o.name)) throw new InvalidInputError(`unknown output '${o.name}'; model '${model.name}' returns ${names(model.outputs)}`);
    if (seen.has(o.name)) throw new InvalidInputError(`output '${o.name}' is requested more than once`);
    seen.add(o.name);
    return { name: o.name, binary: o.binary ?? raw.binaryOutput };
  });
}

