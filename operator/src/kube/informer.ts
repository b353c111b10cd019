// List-then-watch cache of one resource type, owning its whole lifecycle: a
// watch that ends is resumed from the last resourceVersion, a 410 Gone (as an
// HTTP status or an ERROR event) triggers a fresh list, and any other failure
// restarts the watch with exponential backoff instead of dying quietly (the
// flaw of client-node's makeInformer). A watch silent past its idle timeout
// (no event, no bookmark: a half-open connection) is cut and relisted, and
// watches start no closer together than a minimum gap. `synced` and a stall
// in progress feed the readiness probe.
import type { Logger } from '../../../common/src/logger.ts';
import { backoff, type Clock } from './clock.ts';
import { isGone, KubeApiError, type KubeClient, type KubeObject, type ResourceType, type WatchEvent } from './client.ts';

export type InformerEvent = 'add' | 'update' | 'delete';
export type InformerHandler<T> = (event: InformerEvent, object: T, old: T | undefined) => void;

export interface InformerOptions {
  client: KubeClient;
  type: ResourceType;
  clock: Clock;
  logger: Logger;
  /** Empty: all namespaces. */
  namespace?: string;
  labelSelector?: string;
  pageSize?: number;
  /** The server ends each watch after about this long; it is resumed at once. */
  watchTimeoutSeconds?: number;
  maxBackoffMs?: number;
  /** Pure: what the cache keeps of each object (applied to listed and watched objects); default: without managedFields. */
  transform?: (object: KubeObject) => KubeObject;
  /**
   * A watch with no event and no bookmark for this long is presumed dead (a
   * half-open connection, a stuck proxy): it is cut and the informer relists.
   * The API server sends a bookmark about every minute, so the default leaves
   * room for two missed ones.
   */
  idleTimeoutMs?: number;
  /** Least time between the starts of two watches, so a server or proxy that ends every watch at once cannot drive a hot loop. */
  minReconnectGapMs?: number;
}

export const DEFAULT_WATCH_IDLE_TIMEOUT_MS = 180_000;
export const DEFAULT_WATCH_MIN_RECONNECT_GAP_MS = 1_000;

export const objectKey = (o: KubeObject): string => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

class Gone extends Error {}

export class Informer<T extends KubeObject> {
  readonly #o: InformerOptions;
  readonly #cache = new Map<string, T>();
  readonly #handlers: InformerHandler<T>[] = [];
  #indexFn: ((object: T) => string | undefined) | undefined;
  readonly #index = new Map<string, Set<string>>();
  #resourceVersion: string | undefined;
  #synced = false;
  #failures = 0;
  #failingSince: number | undefined;
  #abort = new AbortController();
  #loop: Promise<void> | undefined;
  #restarts = 0;
  #relists = 0;
  #idleTimeouts = 0;
  #stalledSince: number | undefined;
  #lastWatchStart: number | undefined;

  constructor(options: InformerOptions) {
    this.#o = options;
  }

  get type(): ResourceType {
    return this.#o.type;
  }

  get synced(): boolean {
    return this.#synced;
  }

  /** Watch restarts after errors, relists, idle timeouts and a stall in progress (since when), for probes, metrics and tests. */
  get stats(): { restarts: number; relists: number; idleTimeouts: number; failingSinceMs: number | undefined; stalledSinceMs: number | undefined } {
    return { restarts: this.#restarts, relists: this.#relists, idleTimeouts: this.#idleTimeouts, failingSinceMs: this.#failingSince, stalledSinceMs: this.#stalledSince };
  }

  get idleTimeoutMs(): number {
    return this.#o.idleTimeoutMs ?? DEFAULT_WATCH_IDLE_TIMEOUT_MS;
  }

  onEvent(handler: InformerHandler<T>): void {
    this.#handlers.push(handler);
  }

  get(namespace: string, name: string): T | undefined {
    return this.#cache.get(`${namespace}/${name}`);
  }

  list(): T[] {
    return [...this.#cache.values()];
  }

  /** One secondary index (e.g. pods by owning InferenceService); set before start(). */
  setIndex(fn: (object: T) => string | undefined): void {
    this.#indexFn = fn;
  }

  byIndex(value: string): T[] {
    return [...(this.#index.get(value) ?? [])].map((key) => this.#cache.get(key)).filter((o): o is T => o !== undefined);
  }

  #put(key: string, object: T | undefined): void {
    const old = this.#cache.get(key);
    if (this.#indexFn !== undefined && old !== undefined) {
      const value = this.#indexFn(old);
      if (value !== undefined) this.#index.get(value)?.delete(key);
    }
    if (object === undefined) this.#cache.delete(key);
    else {
      this.#cache.set(key, object);
      const value = this.#indexFn?.(object);
      if (value !== undefined) {
        let keys = this.#index.get(value);
        if (keys === undefined) this.#index.set(value, (keys = new Set()));
        keys.add(key);
      }
    }
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#loop;
  }

  /** Resolves once the first list has filled the cache (or rejects on timeout). */
  async waitForSync(timeoutMs: number): Promise<void> {
    const deadline = this.#o.clock.now() + timeoutMs;
    while (!this.#synced) {
      if (this.#o.clock.now() > deadline) throw new Error(`${this.#o.type.plural} informer did not sync within ${timeoutMs} ms`);
      await this.#o.clock.sleep(20, this.#abort.signal);
      if (this.#abort.signal.aborted) return;
    }
  }

  async #run(): Promise<void> {
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      try {
        if (this.#resourceVersion === undefined) await this.#relist();
        await this.#spaceReconnect(signal);
        if (signal.aborted) break;
        if (await this.#watch(signal) === 'idle') {
          this.#idleTimeouts++;
          this.#stalledSince ??= this.#o.clock.now() - this.idleTimeoutMs;
          this.#o.logger.warn('watch silent past its idle timeout (no event, no bookmark), relisting', { resource: this.#o.type.plural, idleTimeoutMs: this.idleTimeoutMs });
          this.#resourceVersion = undefined;
          continue;
        }
        this.#healthy();
      } catch (err) {
        if (signal.aborted) break;
        if (err instanceof Gone || isGone(err)) {
          this.#o.logger.info('watch expired (410 Gone), relisting', { resource: this.#o.type.plural });
          this.#resourceVersion = undefined;
          continue;
        }
        this.#failures++;
        this.#restarts++;
        this.#failingSince ??= this.#o.clock.now();
        const delay = backoff(this.#failures, 200, this.#o.maxBackoffMs ?? 30_000);
        this.#o.logger.warn('watch failed, restarting', {
          resource: this.#o.type.plural, attempt: this.#failures, retryInMs: delay, error: err instanceof Error ? err.message : String(err),
        });
        await this.#o.clock.sleep(delay, signal);
      }
    }
  }

  async #spaceReconnect(signal: AbortSignal): Promise<void> {
    const clock = this.#o.clock;
    const gap = this.#o.minReconnectGapMs ?? DEFAULT_WATCH_MIN_RECONNECT_GAP_MS;
    if (this.#lastWatchStart !== undefined) {
      const wait = this.#lastWatchStart + gap - clock.now();
      if (wait > 0) await clock.sleep(wait, signal);
    }
    this.#lastWatchStart = clock.now();
  }

  /** One watch until the server ends it ('ended'), or until it was silent for the idle timeout ('idle'); throws on failure. */
  async #watch(stop: AbortSignal): Promise<'ended' | 'idle'> {
    const watch = new AbortController();
    const onStop = (): void => watch.abort();
    stop.addEventListener('abort', onStop, { once: true });
    let idle = false;
    let timer: { cancel(): void } | undefined;
    // Armed before the request: a watch that never gets its response headers is silent too.
    const arm = (): void => {
      timer?.cancel();
      timer = this.#o.clock.setTimeout(() => { idle = true; watch.abort(); }, this.idleTimeoutMs);
    };
    arm();
    try {
      await this.#o.client.watch(
        this.#o.type,
        {
          namespace: this.#o.namespace,
          labelSelector: this.#o.labelSelector,
          resourceVersion: this.#resourceVersion as string,
          // Spread reconnects so that many informers do not re-watch in lockstep.
          timeoutSeconds: Math.round((this.#o.watchTimeoutSeconds ?? 300) * (1 + Math.random())),
          // The API server answers again: no longer failing (readiness), though
          // the backoff resets only once a watch ends cleanly.
          onOpen: () => { this.#failingSince = undefined; },
        },
        (event) => {
          // Any event, bookmarks included, proves the stream alive.
          arm();
          this.#apply(event);
        },
        watch.signal,
      );
    } catch (err) {
      if (!idle) throw err;
    } finally {
      timer?.cancel();
      stop.removeEventListener('abort', onStop);
    }
    return idle ? 'idle' : 'ended';
  }

  #healthy(): void {
    this.#failures = 0;
    this.#failingSince = undefined;
  }

  async #relist(): Promise<void> {
    const fresh = new Map<string, T>();
    let cont: string | undefined;
    let resourceVersion = '';
    do {
      const page = await this.#o.client.list<T>(this.#o.type, {
        namespace: this.#o.namespace, labelSelector: this.#o.labelSelector, limit: this.#o.pageSize ?? 500, continue: cont,
      });
      for (const item of page.items) fresh.set(objectKey(item), this.#trim(item));
      cont = page.continue;
      resourceVersion = page.resourceVersion;
    } while (cont !== undefined && cont !== '');
    this.#relists++;
    const previous = new Map(this.#cache);
    for (const key of previous.keys()) if (!fresh.has(key)) this.#put(key, undefined);
    for (const [key, item] of fresh) this.#put(key, item);
    for (const [key, old] of previous) if (!fresh.has(key)) this.#emit('delete', old, undefined);
    for (const [key, item] of fresh) {
      const old = previous.get(key);
      if (old === undefined) this.#emit('add', item, undefined);
      else if (old.metadata?.resourceVersion !== item.metadata?.resourceVersion) this.#emit('update', item, old);
    }
    this.#resourceVersion = resourceVersion;
    this.#synced = true;
    this.#stalledSince = undefined;
    this.#healthy();
  }

  #apply(event: WatchEvent): void {
    if (event.type === 'ERROR') {
      const code = event.object.code ?? 0;
      if (code === 410) throw new Gone();
      throw new KubeApiError(code, event.object.reason ?? '', event.object.message ?? 'watch error event');
    }
    const rv = event.object.metadata?.resourceVersion;
    if (rv !== undefined) this.#resourceVersion = rv;
    if (event.type === 'BOOKMARK') return;
    const object = this.#trim(event.object as T);
    const key = objectKey(object);
    const old = this.#cache.get(key);
    if (event.type === 'DELETED') {
      this.#put(key, undefined);
      this.#emit('delete', object, old);
      return;
    }
    this.#put(key, object);
    this.#emit(old === undefined ? 'add' : 'update', object, old);
  }

  #trim(object: T): T {
    return (this.#o.transform ?? strip)(object) as T;
  }

  #emit(event: InformerEvent, object: T, old: T | undefined): void {
    for (const handler of this.#handlers) {
      try {
        handler(event, object, old);
      } catch (err) {
        this.#o.logger.error('informer handler failed', { resource: this.#o.type.plural, error: err instanceof Error ? err.stack : String(err) });
      }
    }
  }
}

/** managedFields are large and unused here; dropping them keeps 1,000 objects cheap. */
function strip<T extends KubeObject>(object: T): T {
  if (object.metadata?.managedFields !== undefined) delete object.metadata.managedFields;
  return object;
}
