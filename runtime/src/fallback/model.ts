// A fallback model (--fallback-model-path): a second ONNX model in the same
// process, with its own worker and its own queue, so a primary that is
// saturated or failing cannot hold it up. It must take the primary's inputs
// (same names and datatypes) and return the outputs a request asks for.
import { InferenceError } from '../errors.ts';
import type { InferenceEngine } from '../inference/engine.ts';
import type { InferRequest, ModelSpec, Tensor } from '../protocol/types.ts';
import { checkShape } from '../protocol/validation.ts';
import type { RequestTrace } from '../tracing/types.ts';
import type { Answerer } from './fallback.ts';
import { FallbackConfigError } from './static.ts';

/** Refuses at start a fallback model that could never answer a request the primary accepts. */
export function checkFallbackModel(primary: ModelSpec, fallback: ModelSpec): void {
  const problems: string[] = [];
  for (const spec of fallback.inputs) {
    const mine = primary.inputs.find((i) => i.name === spec.name);
    if (mine === undefined) problems.push(`it takes input '${spec.name}', which the primary model does not`);
    else if (mine.datatype !== spec.datatype) problems.push(`input '${spec.name}' is ${spec.datatype}, the primary's is ${mine.datatype}`);
    else if (mine.shape.length !== spec.shape.length) problems.push(`input '${spec.name}' has rank ${spec.shape.length}, the primary's ${mine.shape.length}`);
  }
  for (const spec of primary.outputs) {
    const theirs = fallback.outputs.find((o) => o.name === spec.name);
    if (theirs === undefined) problems.push(`it returns no output '${spec.name}'`);
    else if (theirs.datatype !== spec.datatype) problems.push(`output '${spec.name}' is ${theirs.datatype}, the primary's is ${spec.datatype}`);
  }
  if (problems.length > 0) throw new FallbackConfigError(`the fallback model cannot stand in for '${primary.name}': ${problems.join('; ')}`);
}

/** `engine` runs the fallback model; `close` releases its worker. */
export function modelAnswerer(engine: InferenceEngine, close: () => Promise<void>): Answerer {
  const model = engine.model;
  return {
    async answer(request: InferRequest, trace?: RequestTrace): Promise<Tensor[]> {
      const inputs = model.inputs.map((spec) => {
        const tensor = request.inputs.find((t) => t.name === spec.name);
        if (tensor === undefined) throw new InferenceError(`the fallback model needs input '${spec.name}'`);
        checkShape(spec, tensor.shape);
        return tensor;
      });
      return engine.infer({ ...request, inputs }, trace);
    },
    close,
  };
}
