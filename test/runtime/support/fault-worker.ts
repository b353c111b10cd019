// The real inference worker (runtime/src/workers/worker.ts) with faults a
// test can inject, passed to startServer as its workerUrl (never shipped):
// - a run whose first input starts with -1 kills the thread mid-run
//   (process.exit in a worker ends only that thread);
// - a run whose first input starts with -2 blocks its thread for 3 s first,
//   as a long native onnxruntime run does (nothing can interrupt it);
// - while the file named by FAULT_WORKER_FAIL_LOAD exists, a new worker
//   reports that the model failed to load.
// Workers see the environment as it was when they were spawned.
import { existsSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import type { FromWorker, ToWorker } from '../../../runtime/src/workers/messages.ts';

const port = parentPort;
if (!port) throw new Error('fault-worker.ts must run in a worker thread');
const failLoad = process.env.FAULT_WORKER_FAIL_LOAD;

if (failLoad !== undefined && existsSync(failLoad)) {
  port.postMessage({ kind: 'load-failed', message: 'injected fault: this replacement cannot load' } satisfies FromWorker);
} else {
  // Registered before worker.ts registers its own listener, so it sees each run first.
  port.on('message', (message: ToWorker) => {
    if (message.kind !== 'run') return;
    const first = (message.inputs[0]?.data as ArrayLike<number> | undefined)?.[0];
    if (first === -1) process.exit(7);
    if (first === -2) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 3000);
  });
  await import('../../../runtime/src/workers/worker.ts');
}
