// What the warm-up runs before readiness, so each session's first-run cost is
// paid before traffic: the user's samples (--warmup-path, like Triton's
// model_warmup), else the training profile's `warmup` samples, else inputs
// built from the model's metadata (zeros, dynamic dimensions 1). Metadata
// inputs are only a guess: a valid graph may refuse them (a Reshape or Split
// to fixed sizes, a Slice step or Range delta read from an input), so a
// failed warm-up run is a warning for the server to log, never a load failure.
import { readFile } from 'node:fs/promises';
import { allocate } from '../protocol/datatypes.ts';
import { elementCount } from '../protocol/shape.ts';
import type { InferRequest, ModelSpec, Tensor } from '../protocol/types.ts';
import { bindInferRequest } from '../protocol/validation.ts';
import { parseInferEnvelope } from '../protocol/v2-json.ts';

export type WarmupSource = 'file' | 'profile' | 'metadata';

export interface WarmupPlan {
  readonly source: WarmupSource;
  readonly requests: readonly InferRequest[];
}

/** A warm-up file or sample that cannot be used; the server refuses to start with it (a user's mistake should be loud). */
export class WarmupError extends Error {}

/** Zero-filled inputs with every dynamic dimension set to 1: the metadata's guess. */
export function metadataInputs(model: ModelSpec): Tensor[] {
  return model.inputs.map((spec) => {
    const shape = spec.shape.map((d) => (d < 0 ? 1 : d));
    return { name: spec.name, datatype: spec.datatype, shape, data: allocate(spec.datatype, elementCount(shape)) };
  });
}

/** Binds v2 request bodies (`{inputs: [...]}`) to the model with the serving path's own validation. */
function bindSamples(samples: readonly unknown[], model: ModelSpec, origin: string): InferRequest[] {
  if (samples.length === 0) throw new WarmupError(`${origin} holds no samples`);
  return samples.map((sample, i) => {
    try {
      // The bound on listed elements is the sample's own JSON size, as for a request.
      return bindInferRequest(parseInferEnvelope(sample), model, JSON.stringify(sample).length, undefined);
    } catch (error) {
      throw new WarmupError(`${origin}, sample ${i}: ${error instanceof Error ? error.message : String(error)}`);
    }
  });
}

/** Parses a --warmup-path file: one v2 inference request body, or a JSON array of them. */
export function parseWarmupFile(text: string, model: ModelSpec, path: string): InferRequest[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new WarmupError(`warm-up file ${path} is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  return bindSamples(Array.isArray(value) ? value : [value], model, `warm-up file ${path}`);
}

export async function readWarmupFile(path: string, model: ModelSpec): Promise<InferRequest[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new WarmupError(`cannot read warm-up file ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return parseWarmupFile(text, model, path);
}

/** The first source that has samples: the user's file, the profile's samples, the metadata. */
export function warmupPlan(model: ModelSpec, sources: { file?: readonly InferRequest[] | undefined; profile?: readonly unknown[] | undefined }): WarmupPlan {
  if (sources.file !== undefined && sources.file.length > 0) return { source: 'file', requests: sources.file };
  if (sources.profile !== undefined && sources.profile.length > 0) return { source: 'profile', requests: bindSamples(sources.profile, model, "the training profile's warmup") };
  const outputs = model.outputs.map((o) => ({ name: o.name, binary: false }));
  return { source: 'metadata', requests: [{ id: undefined, inputs: metadataInputs(model), outputs }] };
}
