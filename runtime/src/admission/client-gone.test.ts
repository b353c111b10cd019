import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import { callCancelled } from './client-gone.ts';

/** grpc-js's unary call as callCancelled sees it: a `cancelled` flag and a 'cancelled' event. */
class FakeCall extends EventEmitter {
  cancelled = false;
  cancel(): void {
    this.cancelled = true;
    this.emit('cancelled');
  }
}

test('a gRPC call cancelled before its answer aborts the signal', () => {
  const call = new FakeCall();
  const { signal } = callCancelled(call);
  assert.equal(signal.aborted, false);
  call.cancel();
  assert.equal(signal.aborted, true);
});

test('a call already cancelled when the handler asks is aborted at once', () => {
  const call = new FakeCall();
  call.cancelled = true;
  assert.equal(callCancelled(call).signal.aborted, true);
});

test("grpc-js's 'cancelled' after the answer (every call's stream close) aborts nothing once settled", () => {
  const call = new FakeCall();
  const { signal, settled } = callCancelled(call);
  settled();
  call.cancel();
  assert.equal(signal.aborted, false);
  assert.equal(call.listenerCount('cancelled'), 0, 'the listener is gone, not just ignored');
});
