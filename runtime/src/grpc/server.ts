// Listens for gRPC (HTTP/2 cleartext, h2c) on its own port and serves the
// inference and health services. server.ts owns the lifecycle: it starts this
// next to the HTTP server and closes it after draining.
//
// The listening socket is ours, handed to grpc-js through its connection
// injector, so accepted sockets get TCP_NODELAY: grpc-js's own listener
// leaves Nagle's algorithm on, and a reply's HEADERS, DATA and trailers,
// written separately, then wait for the client's delayed ACK (about 40 ms
// per call at low concurrency). grpc-js's client side already disables it.
import { createServer, type Server as NetServer } from 'node:net';
import { Server, ServerCredentials, type UntypedServiceImplementation } from '@grpc/grpc-js';
import type { InferenceCore } from '../core.ts';
import type { RuntimeState } from '../state.ts';
import { serviceDefinition } from './definition.ts';
import { Health } from './gen/grpc/health/v1/health_pb.ts';
import { GRPCInferenceService } from './gen/grpc_predict_v2_pb.ts';
import { healthService, inferenceService } from './service.ts';

export interface GrpcOptions {
  readonly host: string;
  readonly port: number;
  /** Largest request message accepted; larger ones get RESOURCE_EXHAUSTED before they are buffered whole. */
  readonly maxMessageBytes: number;
  /** Wraps the inference service (grpc-relay/: pinning and shadow copies in Service mode). */
  readonly wrap?: (service: UntypedServiceImplementation) => UntypedServiceImplementation;
}

export interface RunningGrpc {
  readonly port: number;
  /** Stops accepting, lets calls in progress end (GOAWAY), and cuts what remains after `graceMs`. */
  close(graceMs: number): Promise<void>;
}

function listen(listener: NetServer, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(port, host, () => {
      listener.off('error', reject);
      const address = listener.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    });
  });
}

export async function startGrpc(core: InferenceCore, state: RuntimeState, options: GrpcOptions): Promise<RunningGrpc> {
  const server = new Server({
    'grpc.max_receive_message_length': options.maxMessageBytes,
    'grpc.max_send_message_length': -1,
    // Channelz (grpc-js's introspection service, which this server does not expose) is on by default and
    // records every call: about 2.5% of the main thread at c=64 in a --cpu-prof.
    'grpc.enable_channelz': 0,
  });
  const inference = inferenceService(core, state);
  server.addService(serviceDefinition(GRPCInferenceService), options.wrap?.(inference) ?? inference);
  server.addService(serviceDefinition(Health), healthService(core, state));
  const injector = server.createConnectionInjector(ServerCredentials.createInsecure());
  const listener = createServer({ noDelay: true }, (socket) => injector.injectConnection(socket));
  const port = await listen(listener, options.host, options.port);
  return {
    port,
    close(graceMs) {
      listener.close();
      return new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}
