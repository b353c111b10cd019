// The REST listener's node:http server, the same on the main thread and on
// front-end threads (frontend/thread.ts): timeouts, malformed HTTP answered
// in the runtime's JSON error shape, and listen().
import { createServer, STATUS_CODES, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';

/** HTTP-level errors node:http reports before a request exists, mapped to a status. */
const CLIENT_ERROR_STATUS: Readonly<Record<string, number>> = {
  HPE_HEADER_OVERFLOW: 431,
  ERR_HTTP_REQUEST_TIMEOUT: 408,
};

/**
 * Malformed HTTP (a bad request line, a header overflow, a body that
 * contradicts its Content-Length) never reaches the app; node would answer a
 * bare 400. Answer with the same JSON error shape as everything else.
 */
function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const status = CLIENT_ERROR_STATUS[error.code ?? ''] ?? 400;
  const body = JSON.stringify({ error: `malformed HTTP request (${error.code ?? 'parse error'})` });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** The inference port's server. Keep-alive outlasts typical load-balancer idle timeouts, so the balancer closes first. */
export function createRestServer(listener: RequestListener): Server {
  const server = createServer({ keepAliveTimeout: 65_000, headersTimeout: 66_000, requestTimeout: 120_000 }, listener);
  server.on('clientError', answerClientError);
  return server;
}

/**
 * Listens and resolves with the port. `reusePort` (SO_REUSEPORT): several
 * front-end threads each hold a socket on the same port and the kernel
 * spreads new connections across them.
 */
export function listen(server: Server, host: string, port: number, reusePort = false): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, ...(reusePort ? { reusePort: true } : {}) }, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
