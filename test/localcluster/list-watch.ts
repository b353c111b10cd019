// List-then-watch of one resource, for the node agent and the service proxy:
// a full list (reported as a diff against what was known, so objects deleted
// while no watch was open are not missed), then a watch; whenever the watch
// ends, for any reason, it lists again after a bounded back-off. Owning the
// restart here is the point: client-node's Watch reports an end and stops.
import { Watch, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface ListWatchOptions<T extends KubernetesObject> {
  kubeConfig: KubeConfig;
  /** Watch path, e.g. /api/v1/pods. */
  path: string;
  query?: Record<string, string>;
  list: () => Promise<{ items: T[]; metadata?: { resourceVersion?: string } }>;
  onEvent: (type: EventType, obj: T) => void;
  log: (line: string) => void;
}

export interface ListWatch {
  /** Resolves after the first list has been delivered. */
  synced: Promise<void>;
  stop(): void;
}

const keyOf = (o: KubernetesObject) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

export function listWatch<T extends KubernetesObject>(opts: ListWatchOptions<T>): ListWatch {
  const known = new Map<string, T>();
  let stopped = false;
  let abort: AbortController | undefined;
  let wake: (() => void) | undefined;
  let markSynced: () => void = () => {};
  const synced = new Promise<void>((r) => (markSynced = r));
  const sleep = (ms: number) => new Promise<void>((r) => {
    const timer = setTimeout(r, ms);
    wake = () => { clearTimeout(timer); r(); };
  });

  const loop = async () => {
    let failures = 0;
    while (!stopped) {
      try {
        const list = await opts.list();
        if (stopped) return;
        const seen = new Set<string>();
        for (const item of list.items) {
          const key = keyOf(item);
          seen.add(key);
          opts.onEvent(known.has(key) ? 'MODIFIED' : 'ADDED', item);
          known.set(key, item);
        }
        for (const [key, item] of known) {
          if (!seen.has(key)) {
            known.delete(key);
            opts.onEvent('DELETED', item);
          }
        }
        markSynced();
        const ended = new Promise<unknown>((resolve) => {
          void new Watch(opts.kubeConfig)
            .watch(opts.path, { ...opts.query, resourceVersion: list.metadata?.resourceVersion, allowWatchBookmarks: true }, (type: string, obj: T) => {
              if (type !== 'ADDED' && type !== 'MODIFIED' && type !== 'DELETED') return; // BOOKMARK, ERROR (410 ends the watch)
              const key = keyOf(obj);
              if (type === 'DELETED') known.delete(key);
              else known.set(key, obj);
              opts.onEvent(type, obj);
            }, resolve)
            .then((controller) => {
              abort = controller;
              if (stopped) controller.abort();
            }, resolve);
        });
        const err = await ended;
        failures = err ? failures + 1 : 0;
        if (err && !stopped) opts.log(`watch ${opts.path} ended: ${(err as Error).message ?? String(err)}; listing again`);
      } catch (err) {
        failures++;
        if (!stopped) opts.log(`list ${opts.path} failed: ${(err as Error).message}`);
      }
      if (!stopped) await sleep(Math.min(5000, 200 * 2 ** Math.min(failures, 5)));
    }
  };
  void loop();
  return {
    synced,
    stop() {
      stopped = true;
      abort?.abort();
      wake?.();
      markSynced();
    },
  };
}
