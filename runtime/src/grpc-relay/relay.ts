// Header pinning and shadow copies for gRPC without a router (Service mode),
// as variants/forward.ts and mirror/mirror.ts do them for REST. It wraps the
// ModelInfer handler of the inference service (grpc/service.ts is left as
// it is):
// - a call whose metadata names another variant in the variant header
//   (--variant-header) is forwarded with grpc-js to that variant's gRPC
//   address (--variant-grpc-routes name=host:port), carrying
//   x-modelship-forwarded so it is never forwarded again; the answer, its
//   status and its trailers go back to the client as they came;
// - every answer served here names this pod's variant in a trailer (the same
//   header), so a client can record exposure;
// - after an answer is sent, a sampled copy of the call's request bytes goes
//   to the shadow's gRPC address (--mirror-grpc-target host:port) through
//   the same bounded queue and counter as REST copies (mirror.ts).
import { fromBinary } from '@bufbuild/protobuf';
import { Client, credentials, Metadata, status as Status, type ServerUnaryCall, type ServiceError, type sendUnaryData, type UntypedServiceImplementation } from '@grpc/grpc-js';
import type { Logger } from '../../../common/src/logger.ts';
import { ModelInferResponseSchema } from '../grpc/gen/grpc_predict_v2_pb.ts';
import { INFER_PATH } from '../grpc/service.ts';
import type { Mirror } from '../mirror/mirror.ts';
import { FORWARDED_HEADER, parseNamedTargets } from '../variants/forward.ts';

export interface GrpcRelayConfig {
  /** Lower-case metadata key naming a variant (the REST variant header). */
  readonly header: string;
  /** This pod's variant. */
  readonly self: string;
  /** Other variants' gRPC addresses (host:port), by name. */
  readonly routes: ReadonlyMap<string, string>;
}

/** Metadata a forwarded call or a copy does not carry: HTTP/2 and grpc-js own these. */
const OWN = new Set(['content-type', 'user-agent', 'te', 'host', 'grpc-timeout', 'grpc-encoding', 'grpc-accept-encoding']);

function forwardable(metadata: Metadata): Metadata {
  const out = new Metadata();
  for (const [key, value] of Object.entries(metadata.getMap())) if (!OWN.has(key) && !key.startsWith(':')) out.set(key, value);
  return out;
}

type Handler = (call: ServerUnaryCall<Buffer, unknown>, callback: sendUnaryData<unknown>) => void;

const identity = (b: Buffer): Buffer => b;

/** `--variant-grpc-routes`: `name=host:port,...`, names as DNS labels. */
export function parseGrpcRoutes(text: string): Map<string, string> {
  return parseNamedTargets(text, 'host:port', (target) => parseGrpcTarget(target));
}

/** host:port with a DNS name or IPv4 address and a port 1..65535. */
export function parseGrpcTarget(text: string): string {
  const m = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?):(\d{1,5})$/.exec(text);
  if (m === null || Number(m[3]) < 1 || Number(m[3]) > 65535) throw new Error(`'${text}' is not host:port`);
  return text;
}

export class GrpcRelay {
  readonly #config: GrpcRelayConfig | undefined;
  readonly #mirror: Mirror | undefined;
  readonly #logger: Logger;
  readonly #clients = new Map<string, Client>();

  constructor(config: GrpcRelayConfig | undefined, mirror: Mirror | undefined, logger: Logger) {
    this.#config = config;
    this.#mirror = mirror;
    this.#logger = logger;
  }

  /** The service with ModelInfer wrapped; the other methods as they are. */
  wrap(service: UntypedServiceImplementation): UntypedServiceImplementation {
    const infer = service['ModelInfer'] as Handler;
    return { ...service, ModelInfer: ((call, callback) => this.#infer(infer, call, callback)) satisfies Handler };
  }

  #infer(serve: Handler, call: ServerUnaryCall<Buffer, unknown>, callback: sendUnaryData<unknown>): void {
    const c = this.#config;
    const wanted = c === undefined ? undefined : call.metadata.get(c.header)[0];
    const target = c !== undefined && typeof wanted === 'string' && wanted !== c.self && call.metadata.get(FORWARDED_HEADER).length === 0 ? c.routes.get(wanted) : undefined;
    if (c !== undefined && target !== undefined) {
      this.#forward(c, String(wanted), target, call, callback);
      return;
    }
    serve(call, (error, value, trailer, flags) => {
      const stamped = trailer ?? new Metadata();
      if (c !== undefined) stamped.set(c.header, c.self);
      if (error !== null && error !== undefined) {
        const metadata = (error as Partial<ServiceError>).metadata ?? new Metadata();
        if (c !== undefined) metadata.set(c.header, c.self);
        callback({ ...error, metadata } as ServiceError);
        return;
      }
      callback(null, value, stamped, flags);
      // The client has its answer: only now is a copy queued (never for a copy, nor a forwarded call).
      if (this.#mirror !== undefined && call.metadata.get(FORWARDED_HEADER).length === 0) {
        const headers: Record<string, string> = {};
        for (const [key, v] of Object.entries(forwardable(call.metadata).getMap())) if (typeof v === 'string') headers[key] = v;
        this.#mirror.copy(INFER_PATH, headers, call.request);
      }
    });
  }

  #client(target: string): Client {
    let client = this.#clients.get(target);
    if (client === undefined) this.#clients.set(target, (client = new Client(target, credentials.createInsecure())));
    return client;
  }

  #forward(c: GrpcRelayConfig, variant: string, target: string, call: ServerUnaryCall<Buffer, unknown>, callback: sendUnaryData<unknown>): void {
    const metadata = forwardable(call.metadata);
    metadata.set(FORWARDED_HEADER, c.self);
    const deadline = call.getDeadline();
    // grpc-js calls back before it emits the status with the trailers: answer once both are in.
    let result: { error: ServiceError | null; bytes: Buffer | undefined } | undefined;
    const upstream = this.#client(target).makeUnaryRequest(INFER_PATH, identity, identity, call.request, metadata, { deadline }, (error, bytes) => {
      result = { error, bytes: bytes as Buffer | undefined };
    });
    upstream.on('status', (s) => {
      const { error, bytes } = result ?? { error: { code: s.code, details: s.details, metadata: s.metadata } as ServiceError, bytes: undefined };
      if (error !== null) {
        // A status the upstream server sent passes through; one grpc-js made up (unreachable) says which variant.
        const unreachable = error.code === Status.UNAVAILABLE && s.metadata.get(c.header).length === 0;
        if (unreachable) this.#logger.warn('forwarding a pinned gRPC call failed', { variant, target, error: error.details });
        callback(unreachable ? { code: Status.UNAVAILABLE, details: `variant ${variant} could not be reached: ${error.details}` } : error);
        return;
      }
      // The service serializes messages: the upstream's bytes are decoded once for it.
      callback(null, fromBinary(ModelInferResponseSchema, bytes ?? Buffer.alloc(0)), s.metadata);
    });
    // A client gone mid-call takes the forwarded call with it.
    call.on('cancelled', () => upstream.cancel());
  }

  /** A send for mirror.ts: one unary call to the shadow's gRPC address; 200 for OK, 502 for anything else. */
  static sender(target: string): (url: string, init: { headers: Record<string, string>; body: Buffer; signal: AbortSignal }) => Promise<number> {
    const client = new Client(target, credentials.createInsecure());
    return (_url, init) => new Promise<number>((resolve, reject) => {
      const metadata = new Metadata();
      for (const [k, v] of Object.entries(init.headers)) metadata.set(k, v);
      const copy = client.makeUnaryRequest(INFER_PATH, identity, identity, init.body, metadata, (error) => {
        if (error === null) resolve(200);
        else if (error.code === Status.CANCELLED || error.code === Status.UNAVAILABLE) reject(new Error(error.details));
        else resolve(502);
      });
      init.signal.addEventListener('abort', () => copy.cancel(), { once: true });
    });
  }

  close(): void {
    for (const client of this.#clients.values()) client.close();
    this.#clients.clear();
  }
}
