// The real front-end thread (runtime/src/frontend/thread.ts) with one fault a
// test can inject, passed to startServer as its frontendUrl (never shipped):
// a request carrying the header `x-fault-exit-thread` ends the thread at once
// (process.exit in a worker ends only that thread), as an uncaught error would.
import http from 'node:http';

const emit = http.Server.prototype.emit;
http.Server.prototype.emit = function (this: http.Server, event: string | symbol, ...args: unknown[]): boolean {
  if (event === 'request' && (args[0] as http.IncomingMessage).headers['x-fault-exit-thread'] !== undefined) process.exit(9);
  return emit.apply(this, [event, ...args] as Parameters<typeof emit>);
} as typeof emit;
await import('../../../runtime/src/frontend/thread.ts');
