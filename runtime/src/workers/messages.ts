// Messages between the worker pool (main thread) and inference workers.
// Tensor buffers travel as transferables: moved, not copied.
import type { Tensor } from '../protocol/types.ts';
import type { OrtValueMetadata } from '../model/metadata.ts';
import type { ExecutionProvider } from '../model/providers.ts';
import { isNumericArray } from '../protocol/datatypes.ts';

export interface WorkerOptions {
  readonly modelPath: string;
  readonly executionProviders: readonly ExecutionProvider[];
  readonly intraOpThreads: number;
  readonly interOpThreads: number;
}

export interface RunMessage {
  readonly kind: 'run';
  readonly id: number;
  readonly inputs: readonly Tensor[];
}

export type FromWorker =
  | {
      readonly kind: 'loaded';
      readonly inputs: OrtValueMetadata[];
      readonly outputs: OrtValueMetadata[];
      readonly provider: ExecutionProvider;
      readonly fallbackReason: string | undefined;
      readonly loadSeconds: number;
    }
  | { readonly kind: 'load-failed'; readonly message: string }
  | { readonly kind: 'result'; readonly id: number; readonly outputs: Tensor[]; readonly computeSeconds: number }
  | { readonly kind: 'error'; readonly id: number; readonly message: string };

/** The distinct ArrayBuffers behind numeric tensors, to pass as the transfer list. */
export function transferList(tensors: readonly Tensor[]): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const t of tensors) {
    if (isNumericArray(t.data) && t.data.buffer instanceof ArrayBuffer) buffers.add(t.data.buffer);
  }
  return [...buffers];
}
