// The narrow Kubernetes client the operator uses: plain REST on node:https with
// the credentials of a kubeconfig, so that every request is visible (counted
// by verb for /metrics) and server-side apply, status updates and watches are
// exactly what the API documents. Unit tests fake this interface.
import https from 'node:https';
import http from 'node:http';
import type { Connection } from './kubeconfig.ts';

export interface ResourceType {
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: Array<{ uid: string; kind: string; name: string; controller?: boolean }>;
    deletionTimestamp?: string | Date;
    managedFields?: unknown;
  };
}

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  limit?: number;
  continue?: string;
}

export interface ListResult<T> {
  items: T[];
  resourceVersion: string;
  continue?: string;
}

export interface WatchOptions {
  namespace?: string;
  labelSelector?: string;
  resourceVersion: string;
  timeoutSeconds: number;
  /** Called once the server has accepted the watch (200), before any event. */
  onOpen?: () => void;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
export interface WatchEvent {
  type: WatchEventType;
  object: KubeObject & { code?: number; reason?: string; message?: string };
}

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete';
export const WRITE_VERBS: readonly Verb[] = ['create', 'update', 'patch', 'delete'];

/** Per-request options: an aborted signal ends the request at once (e.g. at the lease renew deadline). */
export interface RequestOptions {
  signal?: AbortSignal;
}

export interface KubeClient {
  /** undefined when the object does not exist. */
  get<T extends KubeObject>(type: ResourceType, namespace: string | undefined, name: string, options?: RequestOptions): Promise<T | undefined>;
  list<T extends KubeObject>(type: ResourceType, options: ListOptions): Promise<ListResult<T>>;
  /** Streams events until the server ends the watch (resolve) or it fails (reject with KubeApiError). */
  watch(type: ResourceType, options: WatchOptions, onEvent: (event: WatchEvent) => void, signal: AbortSignal): Promise<void>;
  /**
   * Server-side apply under one field manager. Forced (the default), it takes
   * back fields another manager changed (drift); unforced, a field another
   * manager set differently fails with 409, so a first write never takes over
   * an object someone else created meanwhile.
   */
  apply<T extends KubeObject>(type: ResourceType, object: T, fieldManager: string, options?: { force?: boolean }): Promise<T>;
  create<T extends KubeObject>(type: ResourceType, object: T, options?: RequestOptions): Promise<T>;
  /** PUT with the object's resourceVersion: 409 when someone else wrote first. */
  update<T extends KubeObject>(type: ResourceType, object: T, options?: RequestOptions): Promise<T>;
  updateStatus<T extends KubeObject>(type: ResourceType, object: T): Promise<T>;
  delete(type: ResourceType, namespace: string | undefined, name: string, preconditionUid?: string): Promise<void>;
}

export class KubeApiError extends Error {
  readonly status: number;
  readonly reason: string;
  constructor(status: number, reason: string, message: string) {
    super(message);
    this.status = status;
    this.reason = reason;
  }
}

export const isConflict = (err: unknown): boolean => err instanceof KubeApiError && err.status === 409;
export const isNotFound = (err: unknown): boolean => err instanceof KubeApiError && err.status === 404;
export const isGone = (err: unknown): boolean => err instanceof KubeApiError && err.status === 410;

export function resourcePath(type: ResourceType, namespace: string | undefined, name?: string, subresource?: string): string {
  const base = type.group === '' ? `/api/${type.version}` : `/apis/${type.group}/${type.version}`;
  const ns = type.namespaced && namespace !== undefined && namespace !== '' ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  const obj = name === undefined ? '' : `/${encodeURIComponent(name)}`;
  return `${base}${ns}/${type.plural}${obj}${subresource === undefined ? '' : `/${subresource}`}`;
}

function query(params: Record<string, string | number | boolean | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s === '' ? '' : `?${s}`;
}

export type RequestObserver = (verb: Verb, resource: string, code: number, seconds: number) => void;

interface Transport {
  base: URL;
  headers: Record<string, string>;
  agent: http.Agent;
}

const AUTH_REFRESH_MS = 60_000;
const REQUEST_TIMEOUT_MS = 30_000;

/** The real client. Construction does no I/O; a token is read on first use. */
export class HttpKubeClient implements KubeClient {
  readonly #connection: Connection;
  readonly #observe: RequestObserver;
  #transport: Transport | undefined;
  #authAt = 0;

  constructor(connection: Connection, observe: RequestObserver = () => {}) {
    this.#connection = connection;
    this.#observe = observe;
  }

  /** Re-reads the token now and then: in-cluster service-account tokens rotate. */
  #current(): Transport {
    if (this.#transport !== undefined && Date.now() - this.#authAt < AUTH_REFRESH_MS) return this.#transport;
    const c = this.#connection;
    const base = new URL(c.server);
    const agent = this.#transport?.agent ?? (base.protocol === 'https:'
      ? new https.Agent({
          keepAlive: true, maxSockets: 64, ca: c.ca, cert: c.cert, key: c.key,
          rejectUnauthorized: c.insecureSkipTlsVerify !== true, ...(c.tlsServerName !== undefined ? { servername: c.tlsServerName } : {}),
        })
      : new http.Agent({ keepAlive: true, maxSockets: 64 }));
    const headers: Record<string, string> = c.token === undefined ? {} : { authorization: `Bearer ${c.token()}` };
    this.#transport = { base, headers, agent };
    this.#authAt = Date.now();
    return this.#transport;
  }

  async #send(verb: Verb, type: ResourceType, method: string, path: string, body?: unknown, contentType = 'application/json', signal?: AbortSignal): Promise<http.IncomingMessage> {
    const t = this.#current();
    const url = new URL(path, t.base);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const started = performance.now();
    const lib = url.protocol === 'https:' ? https : http;
    return await new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = lib.request(url, {
        agent: t.agent,
        method,
        signal,
        headers: {
          ...t.headers,
          accept: 'application/json',
          ...(payload === undefined ? {} : { 'content-type': contentType, 'content-length': payload.length }),
        },
      }, (res) => {
        this.#observe(verb, type.plural, res.statusCode ?? 0, (performance.now() - started) / 1000);
        resolve(res);
      });
      if (verb !== 'watch') req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error(`${method} ${path} timed out`)));
      req.on('error', (err) => {
        if (!(err instanceof Error && err.name === 'AbortError')) this.#observe(verb, type.plural, 0, (performance.now() - started) / 1000);
        reject(err);
      });
      req.end(payload);
    });
  }

  async #json<T>(verb: Verb, type: ResourceType, method: string, path: string, body?: unknown, contentType?: string, signal?: AbortSignal): Promise<T> {
    const res = await this.#send(verb, type, method, path, body, contentType, signal);
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const status = res.statusCode ?? 0;
    if (status >= 200 && status < 300) return (text === '' ? {} : JSON.parse(text)) as T;
    throw toError(status, text, `${method} ${path}`);
  }

  async get<T extends KubeObject>(type: ResourceType, namespace: string | undefined, name: string, options: RequestOptions = {}): Promise<T | undefined> {
    try {
      return await this.#json<T>('get', type, 'GET', resourcePath(type, namespace, name), undefined, undefined, options.signal);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async list<T extends KubeObject>(type: ResourceType, o: ListOptions): Promise<ListResult<T>> {
    const path = resourcePath(type, o.namespace) + query({ labelSelector: o.labelSelector, limit: o.limit, continue: o.continue });
    const body = await this.#json<{ items: T[]; metadata: { resourceVersion: string; continue?: string } }>('list', type, 'GET', path);
    const kind = type.kind;
    const apiVersion = type.group === '' ? type.version : `${type.group}/${type.version}`;
    // List items come without kind/apiVersion; restore them so cached objects are self-describing.
    for (const item of body.items) {
      item.kind ??= kind;
      item.apiVersion ??= apiVersion;
    }
    return { items: body.items, resourceVersion: body.metadata.resourceVersion, continue: body.metadata.continue };
  }

  async watch(type: ResourceType, o: WatchOptions, onEvent: (event: WatchEvent) => void, signal: AbortSignal): Promise<void> {
    const path = resourcePath(type, o.namespace) + query({
      watch: true, labelSelector: o.labelSelector, resourceVersion: o.resourceVersion, allowWatchBookmarks: true, timeoutSeconds: o.timeoutSeconds,
    });
    const res = await this.#send('watch', type, 'GET', path, undefined, undefined, signal);
    const status = res.statusCode ?? 0;
    if (status !== 200) {
      const chunks: Buffer[] = [];
      for await (const chunk of res) chunks.push(chunk as Buffer);
      throw toError(status, Buffer.concat(chunks).toString('utf8'), `watch ${path}`);
    }
    o.onOpen?.();
    let partial = '';
    res.setEncoding('utf8');
    try {
      for await (const chunk of res) {
        // One split per chunk: re-slicing a large buffer per line is quadratic.
        const lines = (partial + (chunk as string)).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) if (line.trim() !== '') onEvent(JSON.parse(line) as WatchEvent);
      }
    } catch (err) {
      if (signal.aborted) return;
      throw err;
    }
  }

  async apply<T extends KubeObject>(type: ResourceType, object: T, fieldManager: string, options: { force?: boolean } = {}): Promise<T> {
    const path = resourcePath(type, object.metadata?.namespace, object.metadata?.name) + query({ fieldManager, force: options.force ?? true });
    return await this.#json<T>('patch', type, 'PATCH', path, object, 'application/apply-patch+yaml');
  }

  async create<T extends KubeObject>(type: ResourceType, object: T, options: RequestOptions = {}): Promise<T> {
    return await this.#json<T>('create', type, 'POST', resourcePath(type, object.metadata?.namespace), object, undefined, options.signal);
  }

  async update<T extends KubeObject>(type: ResourceType, object: T, options: RequestOptions = {}): Promise<T> {
    return await this.#json<T>('update', type, 'PUT', resourcePath(type, object.metadata?.namespace, object.metadata?.name), object, undefined, options.signal);
  }

  async updateStatus<T extends KubeObject>(type: ResourceType, object: T): Promise<T> {
    return await this.#json<T>('update', type, 'PUT', resourcePath(type, object.metadata?.namespace, object.metadata?.name, 'status'), object);
  }

  async delete(type: ResourceType, namespace: string | undefined, name: string, preconditionUid?: string): Promise<void> {
    const body = { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Background', ...(preconditionUid === undefined ? {} : { preconditions: { uid: preconditionUid } }) };
    try {
      await this.#json('delete', type, 'DELETE', resourcePath(type, namespace, name), body);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  close(): void {
    this.#transport?.agent.destroy();
  }
}

function toError(status: number, text: string, what: string): KubeApiError {
  try {
    const s = JSON.parse(text) as { reason?: string; message?: string };
    return new KubeApiError(status, s.reason ?? '', s.message ?? `${what}: HTTP ${status}`);
  } catch {
    return new KubeApiError(status, '', `${what}: HTTP ${status} ${text.slice(0, 200)}`);
  }
}
