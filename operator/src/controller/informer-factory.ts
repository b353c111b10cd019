// How both controllers build their informers: the watch namespace, the
// watch timing settings, an optional label selector and the cache trim.
import type { Logger } from '../../../common/src/logger.ts';
import type { Clock } from '../kube/clock.ts';
import type { KubeClient, KubeObject, ResourceType } from '../kube/client.ts';
import { Informer } from '../kube/informer.ts';
import type { WatchConfig } from '../settings.ts';
import { trimObject } from './cache-trim.ts';

export interface InformerFactoryDeps {
  client: KubeClient;
  clock: Clock;
  logger: Logger;
  config: { watchNamespace: string; watch?: WatchConfig };
}

export type InformerFactory = <T extends KubeObject>(type: ResourceType, labelSelector?: string, transform?: (o: T) => T) => Informer<T>;

export function informerFactory({ client, clock, logger, config }: InformerFactoryDeps): InformerFactory {
  const watch = config.watch === undefined ? {} : { idleTimeoutMs: config.watch.idleTimeoutSeconds * 1000, minReconnectGapMs: config.watch.minReconnectGapMs };
  return <T extends KubeObject>(type: ResourceType, labelSelector?: string, transform: (o: T) => T = trimObject) => new Informer<T>({
    client, clock, logger, type, namespace: config.watchNamespace, ...(labelSelector === undefined ? {} : { labelSelector }),
    transform: transform as unknown as (o: KubeObject) => KubeObject, ...watch,
  });
}
