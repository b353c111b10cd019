// An in-memory KubeClient for unit tests: objects with resourceVersions, list,
// watch with history (and 410 after compaction), optimistic concurrency on
// update, a request log by verb, and failure injection. Server-side apply is
// approximated as "the applied fields replace ours", enough for the reconciler.
import { KubeApiError, resourcePath, type KubeClient, type KubeObject, type ListOptions, type ListResult, type ResourceType, type Verb, type WatchEvent, type WatchOptions } from '../../../operator/src/kube/client.ts';

interface Stored { type: ResourceType; object: KubeObject }
interface HistoryEntry { rv: number; plural: string; event: WatchEvent }

function matchesSelector(object: KubeObject, selector: string | undefined): boolean {
  if (selector === undefined || selector === '') return true;
  const labels = object.metadata?.labels ?? {};
  return selector.split(',').every((term) => {
    const [k, v] = term.split('=');
    return v === undefined ? k !== undefined && k in labels : labels[k ?? ''] === v;
  });
}

export class FakeKubeClient implements KubeClient {
  readonly requests: Array<{ verb: Verb; plural: string }> = [];
  /** Every server-side apply, with whether it was forced. */
  readonly applies: Array<{ plural: string; name: string; force: boolean }> = [];
  readonly #objects = new Map<string, Stored>();
  readonly #history: HistoryEntry[] = [];
  readonly #watchers = new Set<{ plural: string; options: WatchOptions; onEvent: (e: WatchEvent) => void }>();
  #rv = 1;
  #compactedThrough = 0;
  #failures: Array<{ verb: Verb; plural: string; error: Error }> = [];
  #uid = 0;

  writes(): number {
    return this.requests.filter((r) => r.verb === 'create' || r.verb === 'update' || r.verb === 'patch' || r.verb === 'delete').length;
  }

  /** The next request with this verb on this resource fails with `error`. */
  failNext(verb: Verb, plural: string, error: Error): void {
    this.#failures.push({ verb, plural, error });
  }

  /** Forgets history, so watches from older resourceVersions get 410 Gone. */
  compact(): void {
    this.#compactedThrough = this.#rv;
    this.#history.length = 0;
  }

  /** A BOOKMARK event (the current resourceVersion) to every open watch of the type. */
  bookmark(type: ResourceType): void {
    for (const w of this.#watchers) {
      if (w.plural === type.plural) w.onEvent({ type: 'BOOKMARK', object: { apiVersion: `${type.group}/${type.version}`, kind: type.kind, metadata: { resourceVersion: String(this.#rv) } } });
    }
  }

  /** Open watch streams stop receiving anything (a half-open connection); later watches work. */
  silenceWatches(): void {
    this.#watchers.clear();
  }

  /** Ends every open watch stream, as the API server does on timeout. */
  closeWatches(): void {
    for (const w of this.#watchers) w.onEvent({ type: 'ERROR', object: { code: -1 } });
  }

  peek<T extends KubeObject>(type: ResourceType, namespace: string | undefined, name: string): T | undefined {
    const stored = this.#objects.get(resourcePath(type, namespace, name));
    return stored === undefined ? undefined : (structuredClone(stored.object) as T);
  }

  all<T extends KubeObject>(type: ResourceType): T[] {
    return [...this.#objects.values()].filter((s) => s.type.plural === type.plural).map((s) => structuredClone(s.object) as T);
  }

  #record(verb: Verb, type: ResourceType): void {
    this.requests.push({ verb, plural: type.plural });
    const i = this.#failures.findIndex((f) => f.verb === verb && f.plural === type.plural);
    if (i >= 0) {
      const [failure] = this.#failures.splice(i, 1);
      throw failure!.error;
    }
  }

  #store(type: ResourceType, object: KubeObject, eventType: 'ADDED' | 'MODIFIED' | 'DELETED'): KubeObject {
    const rv = ++this.#rv;
    const path = resourcePath(type, object.metadata?.namespace, object.metadata?.name);
    const stored = structuredClone(object);
    stored.metadata = { ...stored.metadata, resourceVersion: String(rv) };
    if (eventType === 'DELETED') this.#objects.delete(path);
    else this.#objects.set(path, { type, object: stored });
    const event: WatchEvent = { type: eventType, object: structuredClone(stored) };
    this.#history.push({ rv, plural: type.plural, event });
    for (const w of this.#watchers) {
      if (w.plural === type.plural && matchesSelector(stored, w.options.labelSelector)) w.onEvent(structuredClone(event));
    }
    return structuredClone(stored);
  }

  async get<T extends KubeObject>(type: ResourceType, namespace: string | undefined, name: string): Promise<T | undefined> {
    this.#record('get', type);
    return this.peek<T>(type, namespace, name);
  }

  async list<T extends KubeObject>(type: ResourceType, options: ListOptions): Promise<ListResult<T>> {
    this.#record('list', type);
    const items = this.all<T>(type).filter((o) =>
      (options.namespace === undefined || options.namespace === '' || o.metadata?.namespace === options.namespace) && matchesSelector(o, options.labelSelector));
    return { items, resourceVersion: String(this.#rv) };
  }

  async watch(type: ResourceType, options: WatchOptions, onEvent: (event: WatchEvent) => void, signal: AbortSignal): Promise<void> {
    this.#record('watch', type);
    const from = Number(options.resourceVersion);
    if (from < this.#compactedThrough) throw new KubeApiError(410, 'Expired', 'too old resource version');
    await new Promise<void>((resolve, reject) => {
      const watcher = {
        plural: type.plural,
        options,
        onEvent: (e: WatchEvent) => {
          if (e.type === 'ERROR' && e.object.code === -1) return done();
          try {
            onEvent(e);
          } catch (err) {
            done(err);
          }
        },
      };
      const done = (err?: unknown): void => {
        this.#watchers.delete(watcher);
        signal.removeEventListener('abort', onAbort);
        if (err === undefined) resolve();
        else reject(err);
      };
      const onAbort = (): void => done();
      signal.addEventListener('abort', onAbort, { once: true });
      for (const h of this.#history) {
        if (h.rv > from && h.plural === type.plural && matchesSelector(h.event.object, options.labelSelector)) watcher.onEvent(structuredClone(h.event));
      }
      this.#watchers.add(watcher);
      options.onOpen?.();
    });
  }

  async apply<T extends KubeObject>(type: ResourceType, object: T, _fieldManager?: string, options: { force?: boolean } = {}): Promise<T> {
    this.#record('patch', type);
    this.applies.push({ plural: type.plural, name: object.metadata?.name ?? '', force: options.force ?? true });
    const existing = this.peek<T & { status?: unknown }>(type, object.metadata?.namespace, object.metadata?.name ?? '');
    const merged = {
      ...(existing ?? {}),
      ...structuredClone(object),
      metadata: {
        ...(existing?.metadata ?? {}),
        ...structuredClone(object.metadata),
        uid: existing?.metadata?.uid ?? `uid-${++this.#uid}`,
        generation: (existing?.metadata?.generation ?? 0) + 1,
      },
      ...(existing?.status === undefined ? {} : { status: existing.status }),
    };
    return this.#store(type, merged, existing === undefined ? 'ADDED' : 'MODIFIED') as T;
  }

  async create<T extends KubeObject>(type: ResourceType, object: T): Promise<T> {
    this.#record('create', type);
    const name = object.metadata?.name ?? '';
    if (this.peek(type, object.metadata?.namespace, name) !== undefined) throw new KubeApiError(409, 'AlreadyExists', `${name} already exists`);
    return this.#store(type, { ...object, metadata: { ...object.metadata, uid: `uid-${++this.#uid}`, generation: 1 } }, 'ADDED') as T;
  }

  #checkVersion(type: ResourceType, object: KubeObject): KubeObject {
    const existing = this.peek(type, object.metadata?.namespace, object.metadata?.name ?? '');
    if (existing === undefined) throw new KubeApiError(404, 'NotFound', `${object.metadata?.name} not found`);
    if (object.metadata?.resourceVersion !== existing.metadata?.resourceVersion) {
      throw new KubeApiError(409, 'Conflict', 'the object has been modified; please apply your changes to the latest version and try again');
    }
    return existing;
  }

  async update<T extends KubeObject>(type: ResourceType, object: T): Promise<T> {
    this.#record('update', type);
    this.#checkVersion(type, object);
    return this.#store(type, object, 'MODIFIED') as T;
  }

  async updateStatus<T extends KubeObject>(type: ResourceType, object: T): Promise<T> {
    this.#record('update', type);
    const existing = this.#checkVersion(type, object) as KubeObject & { status?: unknown };
    return this.#store(type, { ...existing, status: (object as { status?: unknown }).status } as KubeObject, 'MODIFIED') as T;
  }

  async delete(type: ResourceType, namespace: string | undefined, name: string): Promise<void> {
    this.#record('delete', type);
    const existing = this.peek(type, namespace, name);
    if (existing !== undefined) this.#store(type, existing, 'DELETED');
  }

  /** Test-side writes that are not counted as operator requests. */
  seed<T extends KubeObject>(type: ResourceType, object: T, eventType: 'ADDED' | 'MODIFIED' | 'DELETED' = 'ADDED'): T {
    const existing = this.peek(type, object.metadata?.namespace, object.metadata?.name ?? '');
    const metadata = { ...object.metadata, uid: existing?.metadata?.uid ?? object.metadata?.uid ?? `uid-${++this.#uid}` };
    return this.#store(type, { ...object, metadata }, eventType) as T;
  }
}
