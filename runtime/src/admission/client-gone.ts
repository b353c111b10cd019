// A signal that aborts when the client of an HTTP request goes away before
// its response is written, so a request still waiting in the batching queue
// is dropped instead of run for nobody (KServe and Triton run it anyway).
import type { ServerResponse } from 'node:http';

export function clientGone(res: ServerResponse): AbortSignal {
  const controller = new AbortController();
  // 'close' also follows a finished response; only an unfinished one means the client left.
  res.once('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  return controller.signal;
}

export interface CallSignal {
  readonly signal: AbortSignal;
  /** Call once the call is answered (or failed): stops listening, so its end is not taken for a cancellation. */
  settled(): void;
}

/**
 * The same for a gRPC call: grpc-js emits 'cancelled' when the client cancels or its deadline passes before the reply.
 * It also emits 'cancelled' when the stream closes after a reply was sent, for every call: unless `settled()` detached
 * the listener first, each served call would pay for an abort (a DOMException with its stack trace, and the abort listeners).
 */
export function callCancelled(call: { readonly cancelled: boolean; once(event: 'cancelled', listener: () => void): unknown; off(event: 'cancelled', listener: () => void): unknown }): CallSignal {
  const controller = new AbortController();
  const abort = (): void => controller.abort();
  // A call may already be cancelled when its handler gets this far (a short deadline on a busy server).
  if (call.cancelled) abort();
  else call.once('cancelled', abort);
  return { signal: controller.signal, settled: () => void call.off('cancelled', abort) };
}
