// The gRPC front end: inference.GRPCInferenceService (Open Inference
// Protocol) and grpc.health.v1.Health, as grpc-js handlers. Inference goes
// through the same core as REST (core.ts): model resolution, in-flight
// accounting, metrics with protocol="grpc", the access log and the error
// family, mapped to gRPC status codes (status.ts).
import { create } from '@bufbuild/protobuf';
import { Metadata, status as Status, type ServerUnaryCall, type ServerWritableStream, type sendUnaryData, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { MODELSHIP_VERSION } from '../../../common/src/version.ts';
import { callCancelled } from '../admission/client-gone.ts';
import { answerMarks, type InferenceCore, type Outcome } from '../core.ts';
import { NotFoundError, UnavailableError } from '../errors.ts';
import { REQUEST_ID_HEADER } from '../logging/payload-logger.ts';
import { requestJson, responseJson } from '../logging/payloads.ts';
import type { RuntimeState } from '../state.ts';
import { bindGrpcRequest, decodeInferRequest, encodeInferResponse, metadataMessage, parseMessage } from './codec.ts';
import { HealthCheckRequestSchema, HealthCheckResponse_ServingStatus as Serving, HealthCheckResponseSchema } from './gen/grpc/health/v1/health_pb.ts';
import {
  GRPCInferenceService,
  ModelMetadataRequestSchema,
  ModelReadyRequestSchema,
  ModelReadyResponseSchema,
  ServerLiveResponseSchema,
  ServerMetadataResponseSchema,
  ServerReadyResponseSchema,
  type ModelInferRequest,
} from './gen/grpc_predict_v2_pb.ts';
import { grpcCodeOf } from './status.ts';

export const INFER_PATH = `/${GRPCInferenceService.typeName}/ModelInfer`;

interface GrpcError {
  code: Status;
  details: string;
  metadata?: Metadata;
}

function grpcError({ status, message, retryAfter }: Outcome): GrpcError {
  const error: GrpcError = { code: grpcCodeOf(status), details: message };
  if (retryAfter !== undefined) {
    error.metadata = new Metadata();
    error.metadata.set('retry-after', String(retryAfter));
  }
  return error;
}

/** A unary handler whose errors (thrown or rejected) become the mapped gRPC status. */
function unary(core: InferenceCore, answer: (request: Buffer) => unknown) {
  return (call: ServerUnaryCall<Buffer, unknown>, callback: sendUnaryData<unknown>): void => {
    try {
      callback(null, answer(call.request));
    } catch (error) {
      callback(grpcError(core.describe(error)));
    }
  };
}

export function inferenceService(core: InferenceCore, state: RuntimeState): UntypedServiceImplementation {
  return {
    ServerLive: unary(core, () => create(ServerLiveResponseSchema, { live: true })),
    ServerReady: unary(core, () => create(ServerReadyResponseSchema, { ready: state.phase === 'ready' })),
    ModelReady: unary(core, (bytes) => {
      const { name, version } = parseMessage(ModelReadyRequestSchema, bytes);
      try {
        core.engineFor({ name, version });
        return create(ModelReadyResponseSchema, { ready: true });
      } catch (error) {
        if (error instanceof UnavailableError) return create(ModelReadyResponseSchema, { ready: false });
        throw error;
      }
    }),
    ServerMetadata: unary(core, () => create(ServerMetadataResponseSchema, { name: 'modelship', version: MODELSHIP_VERSION, extensions: ['binary_tensor_data'] })),
    ModelMetadata: unary(core, (bytes) => metadataMessage(core.engineFor(parseMessage(ModelMetadataRequestSchema, bytes)).model)),
    ModelInfer: (call: ServerUnaryCall<Buffer, unknown>, callback: sendUnaryData<unknown>): void => {
      let message: ModelInferRequest | undefined;
      const carrier = metadataCarrier(call.metadata.getMap());
      void core.call(
        'grpc',
        () => {
          message = decodeInferRequest(call.request);
          return { name: message.modelName, version: message.modelVersion };
        },
        { method: 'ModelInfer', path: INFER_PATH, carrier },
        async (engine, { trace }) => {
          const request = bindGrpcRequest(message as ModelInferRequest, engine.model, call.request.byteLength);
          const logger = core.payloadLogger;
          const log = logger?.begin(carrier);
          if (log !== undefined) {
            log.traceparent = trace?.traceparent;
            if (request.id !== undefined) log.id = request.id;
            else call.sendMetadata(requestIdMetadata(log.id));
            logger?.request(log, () => requestJson(request));
          }
          const cancelled = callCancelled(call);
          let answered: Awaited<ReturnType<InferenceCore['infer']>>;
          try {
            answered = await core.infer(engine, request, trace, cancelled.signal);
          } finally {
            cancelled.settled();
          }
          const { outputs } = answered;
          const marks = answerMarks(answered);
          if (log !== undefined) logger?.response(log, () => responseJson(engine.model.name, engine.model.version, request.id, outputs));
          const encode = () => encodeInferResponse(engine.model, request.id, outputs, marks.parameters);
          callback(null, trace === undefined ? encode() : trace.encode(encode), markTrailer(marks.headers));
        },
        (outcome) => {
          callback(grpcError(outcome));
          return outcome.status;
        },
      );
    },
  };
}

/** Trailing metadata marking a fallback answer or out-of-range values, as REST's headers do; undefined when unmarked. */
function markTrailer(headers: Record<string, string>): Metadata | undefined {
  const entries = Object.entries(headers);
  if (entries.length === 0) return undefined;
  const metadata = new Metadata();
  for (const [name, value] of entries) metadata.set(name, value);
  return metadata;
}

/** Initial metadata naming a generated request id (the payload log's ce-id), as REST's X-Request-Id header does. */
function requestIdMetadata(id: string): Metadata {
  const metadata = new Metadata();
  metadata.set(REQUEST_ID_HEADER, id);
  return metadata;
}

/** gRPC metadata as a trace-context and metadata-header carrier (binary -bin values are neither). */
function metadataCarrier(map: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(map)) if (typeof value === 'string') out[key] = value;
  return out;
}

/** Services the health service answers for: the server as a whole ('') and the inference service. */
const KNOWN_SERVICES = new Set(['', GRPCInferenceService.typeName]);

export function healthService(core: InferenceCore, state: RuntimeState): UntypedServiceImplementation {
  const serving = (): Serving => (state.phase === 'ready' ? Serving.SERVING : Serving.NOT_SERVING);
  return {
    Check: unary(core, (bytes) => {
      const { service } = parseMessage(HealthCheckRequestSchema, bytes);
      if (!KNOWN_SERVICES.has(service)) throw new NotFoundError(`unknown service '${service.slice(0, 100)}'; this server reports '' and '${GRPCInferenceService.typeName}'`);
      return create(HealthCheckResponseSchema, { status: serving() });
    }),
    Watch: (call: ServerWritableStream<Buffer, unknown>): void => {
      let service: string;
      try {
        service = parseMessage(HealthCheckRequestSchema, call.request).service;
      } catch (error) {
        call.emit('error', grpcError(core.describe(error)));
        return;
      }
      if (!KNOWN_SERVICES.has(service)) {
        // The protocol keeps the stream open with SERVICE_UNKNOWN rather than failing it.
        call.write(create(HealthCheckResponseSchema, { status: Serving.SERVICE_UNKNOWN }));
        return;
      }
      let last = serving();
      call.write(create(HealthCheckResponseSchema, { status: last }));
      const unsubscribe = state.onPhase(() => {
        const now = serving();
        if (now === last) return;
        last = now;
        call.write(create(HealthCheckResponseSchema, { status: now }));
      });
      call.on('cancelled', unsubscribe);
      call.on('close', unsubscribe);
    },
  };
}
