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

/** The same for a gRPC call: grpc-js emits 'cancelled' when the client cancels or its deadline passes before the reply. */
export function callCancelled(call: { readonly cancelled: boolean; once(event: 'cancelled', listener: () => void): unknown }): AbortSignal {
  const controller = new AbortController();
  // A call may already be cancelled when its handler gets this far (a short deadline on a busy server).
  if (call.cancelled) controller.abort();
  else call.once('cancelled', () => controller.abort());
  return controller.signal;
}
