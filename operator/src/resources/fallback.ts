// The runtime flags of spec.predictor.fallback. Pure. The CRD keeps BOOL and
// BYTES elements in their own typed lists (a structural schema cannot mix
// element types in one list); the runtime reads one v2 `data` list, so each
// tensor is handed over in the v2 JSON form it documents.
import type { FallbackSpec, FallbackTensor } from '../api/types.ts';

/** A tensor of the CRD as v2 JSON; a numeric one passes through as written, so its pods keep their template. */
function v2Tensor(tensor: FallbackTensor): object {
  const { boolData, bytesData, ...rest } = tensor;
  const typed = boolData ?? bytesData;
  return typed === undefined ? tensor : { ...rest, data: typed };
}

/** `modelPath`: where the pod holds the fallback model (resources/runtime-pod.ts), when storageUri names one. */
export function fallbackArgs(fallback: FallbackSpec | undefined, modelPath: string | undefined): string[] {
  if (fallback === undefined) return [];
  const args: string[] = [];
  if (modelPath !== undefined) args.push('--fallback-model-path', modelPath);
  if (fallback.response !== undefined) args.push('--fallback-response', JSON.stringify({ ...fallback.response, outputs: fallback.response.outputs.map(v2Tensor) }));
  if (fallback.on !== undefined && fallback.on.length > 0) args.push('--fallback-on', fallback.on.join(','));
  if (fallback.deadlineMs !== undefined) args.push('--fallback-deadline-ms', String(fallback.deadlineMs));
  return args;
}
