// Listens for gRPC (HTTP/2 cleartext, h2c) on its own port and serves the
// inference and health services. server.ts owns the lifecycle: it starts this
// next to the HTTP server and closes it after draining.
import { Server, ServerCredentials } from '@grpc/grpc-js';
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
}

export interface RunningGrpc {
  readonly port: number;
  /** Stops accepting, lets calls in progress end (GOAWAY), and cuts what remains after `graceMs`. */
  close(graceMs: number): Promise<void>;
}

function address(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export async function startGrpc(core: InferenceCore, state: RuntimeState, options: GrpcOptions): Promise<RunningGrpc> {
  const server = new Server({
    'grpc.max_receive_message_length': options.maxMessageBytes,
    'grpc.max_send_message_length': -1,
  });
  server.addService(serviceDefinition(GRPCInferenceService), inferenceService(core, state));
  server.addService(serviceDefinition(Health), healthService(core, state));
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(address(options.host, options.port), ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound)));
  });
  return {
    port,
    close(graceMs) {
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
