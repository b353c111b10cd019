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
  /**
   * onnxruntime's own log threshold (0 verbose .. 4 fatal). It writes plain
   * coloured lines to stderr, so by default only fatal ones: failures reach
   * the client and the JSON log through our own errors.
   */
  readonly ortLogSeverity: 0 | 1 | 2 | 3 | 4;
}

export interface RunMessage {
  readonly kind: 'run';
  readonly id: number;
  readonly inputs: readonly Tensor[];
}

/**
 * Asks a worker to exit once it is back in JavaScript. A run that overran
 * --max-run-seconds is usually inside onnxruntime's native code, where
 * Worker.terminate() aborts the whole process (the N-API binding throws a C++
 * exception during termination); the worker reads this after the run returns.
 */
export interface StopMessage {
  readonly kind: 'stop';
}

export type ToWorker = RunMessage | StopMessage;

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

/**
 * onnxruntime-node's native binding cannot read Float16Array (N-API has no
 * float16 typed array), so FP16 tensors cross the thread boundary as Uint16Array
 * views of the same bytes, and the worker hides Float16Array from onnxruntime.
 */
export function fp16AsBits(tensors: readonly Tensor[]): Tensor[] {
  return tensors.map((t) => (t.datatype === 'FP16' && t.data instanceof Float16Array ? { ...t, data: new Uint16Array(t.data.buffer, t.data.byteOffset, t.data.length) } : t));
}

/** The inverse of fp16AsBits, for outputs arriving from a worker. */
export function fp16FromBits(tensors: Tensor[]): Tensor[] {
  return tensors.map((t) => (t.datatype === 'FP16' && t.data instanceof Uint16Array ? { ...t, data: new Float16Array(t.data.buffer, t.data.byteOffset, t.data.length) } : t));
}
