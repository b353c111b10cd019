// A fresh copy of tensors, for when the same inputs must run twice: a run
// moves its buffers to the worker thread (transfer, not copy), which detaches
// them here.
import type { Tensor } from './types.ts';

export function copyTensors(tensors: readonly Tensor[]): Tensor[] {
  return tensors.map((t) => ({ ...t, shape: [...t.shape], data: t.data.slice() as Tensor['data'] }));
}
