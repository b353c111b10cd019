// The REST surface: Open Inference Protocol (v2) REST with the binary tensor
// extension, KServe v1 predict, health and metrics. createApp builds it
// without listening (server.ts owns sockets and signals), so tests drive it
// in-process. Every error a client can cause becomes a JSON {"error": ...}.
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import { MODELSHIP_VERSION } from '../../common/src/version.ts';
import { BodyBudget, withinBudget } from './admission/body-budget.ts';
import { clientGone } from './admission/client-gone.ts';
import { answerMarks, createInferenceCore, type CoreDeps, type ModelRef, type Outcome } from './core.ts';
import { InvalidInputError, NotFoundError, UnavailableError, UnsupportedMediaTypeError } from './errors.ts';
import type { Engine } from './inference/engine.ts';
import type { Protocol, RuntimeMetrics } from './metrics.ts';
import { metadataResponse } from './model/metadata.ts';
import { encodeBinaryData, HEADER_LENGTH_HEADER, splitBinaryBody } from './protocol/binary.ts';
import { checkContentType, isFormEncoded, readBody } from './protocol/body.ts';
import { guardJson } from './protocol/json-guard.ts';
import type { InferRequest, Tensor } from './protocol/types.ts';
import { encodeV1Response, parseV1Request } from './protocol/v1.ts';
import { encodeInferResponse, parseInferEnvelope, type EncodedOutput } from './protocol/v2-json.ts';
import { bindInferRequest } from './protocol/validation.ts';
import type { RuntimeState } from './state.ts';
import type { LogContext } from './logging/payload-logger.ts';
import { REQUEST_ID_HEADER, requestJson, responseJson } from './logging/payloads.ts';
import type { RequestTrace } from './tracing/types.ts';
import type { Mirror } from './mirror/mirror.ts';

export interface AppDeps extends CoreDeps {
  readonly maxBodyBytes: number;
  /** Shadow copies in Service mode (mirror/), absent when off. */
  readonly mirror?: Mirror | undefined;
  /** Bytes of request bodies whose requests are being handled at once, beyond which requests get 503 (--max-body-bytes-in-flight). */
  readonly maxBodyBytesInFlight: number;
  /** The body budget's counter when front-end threads share one (BodyBudget.shared); absent: the app's own. */
  readonly bodyBytesInFlight?: SharedArrayBuffer | undefined;
  /** The drift report, undefined without a profile. Absent: read from `state.drift` (a front-end thread asks the main thread). */
  readonly driftReport?: (() => Promise<object | undefined>) | undefined;
}

function parseJson(text: Buffer, req: IncomingMessage): unknown {
  guardJson(text);
  try {
    return JSON.parse(text.toString('utf8'));
  } catch (error) {
    if (isFormEncoded(req)) {
      throw new UnsupportedMediaTypeError('the body is form data, not JSON; send a JSON body (with curl: -H "Content-Type: application/json")');
    }
    throw new InvalidInputError(`the body is not valid JSON: ${error instanceof Error ? error.message.slice(0, 200) : 'parse error'}`);
  }
}

function sendError(res: ServerResponse, { status, message, retryAfter }: Outcome): number {
  if (res.headersSent) {
    res.destroy();
    return status;
  }
  const body = JSON.stringify({ error: message });
  const headers: Record<string, string | number> = { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) };
  if (retryAfter !== undefined) headers['Retry-After'] = retryAfter;
  // After 413/415 or a mid-body failure the rest of the body is unread: do not reuse the connection.
  // A 503 is different: the client should read it and retry, and closing while a large body is
  // still being sent breaks its write (EPIPE) before it sees the answer; node discards the rest.
  if (status === 413 || status === 415 || (!res.req?.complete && status !== 503)) headers.Connection = 'close';
  res.writeHead(status, headers).end(body);
  return status;
}

function sendJson(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) }).end(text);
}

function sendInferResponse(res: ServerResponse, deps: AppDeps, request: InferRequest, outputs: readonly Tensor[], log: LogContext | undefined, parameters: Record<string, unknown> | undefined): void {
  let binaryBytes = 0;
  const encoded: EncodedOutput[] = outputs.map((tensor, i) => {
    const binary = request.outputs[i]?.binary ? encodeBinaryData(tensor.data) : undefined;
    binaryBytes += binary?.byteLength ?? 0;
    return { tensor, binary };
  });
  const json = encodeInferResponse(deps.modelName, deps.modelVersion, request.id, encoded, parameters);
  if (log !== undefined) {
    const binary = encoded.some((e) => e.binary);
    deps.payloadLogger?.response(log, () => (binary ? responseJson(deps.modelName, deps.modelVersion, request.id, outputs) : json));
  }
  if (binaryBytes === 0 && !encoded.some((e) => e.binary)) {
    sendJson(res, 200, json);
    return;
  }
  const header = Buffer.from(json, 'utf8');
  const parts: Uint8Array[] = [header];
  for (const e of encoded) if (e.binary) parts.push(e.binary);
  res
    .writeHead(200, {
      'Content-Type': 'application/octet-stream',
      'Content-Length': header.length + binaryBytes,
      'Inference-Header-Content-Length': header.length,
    })
    .end(Buffer.concat(parts, header.length + binaryBytes));
}

/** `/v2/models/{name}[/versions/{v}]/infer` without percent-escapes or a query: served without express's router. */
const FAST_INFER = /^\/v2\/models\/([^/%?]+)(?:\/versions\/([^/%?]+))?\/infer$/;

/**
 * The runtime's HTTP request listener. Inference requests on the plain v2
 * path go straight to their handler (the hot path skips express's router);
 * everything else is routed by express.
 */
export function createApp(deps: AppDeps): RequestListener {
  const { metrics, state } = deps;
  const core = createInferenceCore(deps);
  const { engineFor } = core;
  const budget = new BodyBudget(deps.maxBodyBytesInFlight, deps.bodyBytesInFlight);
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');

  /** A sampled request's log context; its id is the body's, else a generated one the client gets in X-Request-Id. */
  function startLog(req: IncomingMessage, res: ServerResponse, bodyId: string | undefined, trace: RequestTrace | undefined): LogContext | undefined {
    const log = deps.payloadLogger?.begin(req.headers);
    if (log === undefined) return undefined;
    log.traceparent = trace?.traceparent;
    if (bodyId !== undefined) log.id = bodyId;
    else res.setHeader(REQUEST_ID_HEADER, log.id);
    return log;
  }

  /** REST inference handlers: the core's accounting, plus the HTTP-only checks and error replies. */
  function inferRoute(protocol: Protocol, handle: (req: IncomingMessage, res: ServerResponse, engine: Engine, trace: RequestTrace | undefined) => Promise<void>) {
    return (req: IncomingMessage, res: ServerResponse, params: ModelRef): Promise<void> => {
      // While draining, every answer (503s included) tells keep-alive clients to reconnect elsewhere.
      if (state.phase === 'draining') res.setHeader('Connection', 'close');
      return core.call(
        protocol,
        params,
        { method: req.method, path: req.url, carrier: req.headers },
        async (engine, { trace }) => {
          checkContentType(req);
          await handle(req, res, engine, trace);
        },
        (outcome) => sendError(res, outcome),
      );
    };
  }

  // A request holds its body's bytes of the budget from reading until its response is written:
  // decoding, the queued tensors, the outputs and their encoding all scale with it.
  const inferV2 = inferRoute('v2', (req, res, engine, trace) =>
    withinBudget(budget, async (lease) => {
      const body = await readBody(req, deps.maxBodyBytes, lease);
      deps.mirror?.offer(req, res, body);
      const headerLength = req.headers[HEADER_LENGTH_HEADER];
      let json = body;
      let binary: Buffer | undefined;
      if (typeof headerLength === 'string') ({ json, binary } = splitBinaryBody(body, headerLength));
      const raw = parseInferEnvelope(parseJson(json, req));
      const request = bindInferRequest(raw, engine.model, json.length, binary);
      const log = startLog(req, res, request.id, trace);
      if (log !== undefined) deps.payloadLogger?.request(log, () => (binary === undefined ? json.toString('utf8') : requestJson(request)));
      const answered = await core.infer(engine, request, trace, clientGone(res));
      const { parameters, headers } = answerMarks(answered);
      for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
      if (trace === undefined) sendInferResponse(res, deps, request, answered.outputs, log, parameters);
      else trace.encode(() => sendInferResponse(res, deps, request, answered.outputs, log, parameters));
    }),
  );

  const predictV1 = inferRoute('v1', (req, res, engine, trace) =>
    withinBudget(budget, async (lease) => {
      const body = await readBody(req, deps.maxBodyBytes, lease);
      deps.mirror?.offer(req, res, body);
      const request = parseV1Request(parseJson(body, req), engine.model, body.length);
      const log = startLog(req, res, undefined, trace);
      if (log !== undefined) deps.payloadLogger?.request(log, () => body.toString('utf8'));
      const answered = await core.infer(engine, request, trace, clientGone(res));
      const outputs = answered.outputs;
      // v1 responses have no parameters: the headers alone mark a fallback answer or out-of-range values.
      for (const [name, value] of Object.entries(answerMarks(answered).headers)) res.setHeader(name, value);
      const encode = () => encodeV1Response(outputs, request.inputs[0]?.shape[0] ?? 0);
      const text = trace === undefined ? encode() : trace.encode(encode);
      if (log !== undefined) deps.payloadLogger?.response(log, () => text);
      sendJson(res, 200, text);
    }),
  );

  app.get('/v2/health/live', (_req, res) => sendJson(res, 200, '{"live":true}'));
  app.get('/v2/health/ready', (_req, res) => (state.phase === 'ready' ? sendJson(res, 200, '{"ready":true}') : sendJson(res, 503, '{"ready":false}')));
  app.get('/v2', (_req, res) => {
    res.json({ name: 'modelship', version: MODELSHIP_VERSION, extensions: ['binary_tensor_data'] });
  });

  const metadata = (req: Request, res: Response): void => {
    res.json(metadataResponse(engineFor(req.params).model));
  };
  const modelReady = (req: Request, res: Response): void => {
    const name = req.params.name as string;
    try {
      engineFor(req.params);
      res.json({ name, ready: true });
    } catch (error) {
      if (!(error instanceof UnavailableError)) throw error;
      res.status(503).json({ name, ready: false });
    }
  };
  app.get('/v2/models/:name', metadata);
  app.get('/v2/models/:name/versions/:version', metadata);
  app.get('/v2/models/:name/ready', modelReady);
  // The drift report (drift/monitor.ts): the window's statistics against the training profile.
  app.get('/v2/models/:name/drift', async (req, res) => {
    engineFor(req.params);
    const report = deps.driftReport === undefined ? state.drift?.report : await deps.driftReport();
    if (report === undefined) throw new NotFoundError(`model '${deps.modelName}' has no training profile, so no drift report; build one with \`runtime profile\` and serve it beside the model or with --profile-path`);
    res.json(report);
  });
  app.get('/v2/models/:name/versions/:version/ready', modelReady);
  app.post('/v2/models/:name/infer', (req, res) => inferV2(req, res, req.params));
  app.post('/v2/models/:name/versions/:version/infer', (req, res) => inferV2(req, res, req.params));

  app.get('/v1/models/:name', (req, res) => {
    const name = req.params.name;
    if (name !== deps.modelName) throw new NotFoundError(`unknown model '${name}'; this server serves '${deps.modelName}'`);
    res.json({ name, ready: state.phase === 'ready' });
  });
  app.post('/v1/models/:verb', (req, res, next) => {
    const verb = req.params.verb;
    const colon = verb.lastIndexOf(':');
    if (colon < 0 || verb.slice(colon + 1) !== 'predict') {
      next(new NotFoundError(`unknown v1 route ${req.path}; use POST /v1/models/<name>:predict`));
      return;
    }
    void predictV1(req, res, { name: verb.slice(0, colon), version: undefined });
  });

  app.use((req: Request, _res: Response, next: NextFunction) => next(new NotFoundError(`no route for ${req.method} ${req.path}`)));
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    sendError(res, core.describe(error));
  });
  return (req, res) => {
    const match = req.method === 'POST' && req.url !== undefined ? FAST_INFER.exec(req.url) : null;
    if (match) void inferV2(req, res, { name: match[1], version: match[2] });
    else app(req, res);
  };
}
