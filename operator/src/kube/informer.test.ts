import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Informer, type InformerEvent } from './informer.ts';
import { FakeKubeClient } from '../../../test/operator/unit-support/fake-client.ts';
import { FakeClock } from '../../../test/operator/unit-support/fake-clock.ts';
import { DEPLOYMENTS } from './resources.ts';
import { KubeApiError, type KubeObject } from './client.ts';
import { createLogger } from '../../../common/src/logger.ts';

const logger = createLogger({ component: 'test', silent: true });
const tick = async (n = 5) => { for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r)); };
const obj = (name: string, labels: Record<string, string> = { app: 'x' }): KubeObject => ({ metadata: { name, namespace: 'ns', labels } });

function setup() {
  const client = new FakeKubeClient();
  const clock = new FakeClock();
  const informer = new Informer<KubeObject>({ client, clock, logger, type: DEPLOYMENTS, labelSelector: 'app=x' });
  const events: Array<[InformerEvent, string]> = [];
  informer.onEvent((e, o) => events.push([e, o.metadata!.name!]));
  return { client, clock, informer, events };
}

test('lists, then follows the watch; the selector filters', async () => {
  const { client, informer, events } = setup();
  client.seed(DEPLOYMENTS, obj('a'));
  client.seed(DEPLOYMENTS, obj('other', { app: 'y' }));
  informer.start();
  await tick();
  assert.ok(informer.synced);
  client.seed(DEPLOYMENTS, obj('b'));
  client.seed(DEPLOYMENTS, { ...obj('a'), spec: { replicas: 2 } } as KubeObject, 'MODIFIED');
  client.seed(DEPLOYMENTS, obj('b'), 'DELETED');
  await tick();
  assert.deepEqual(events, [['add', 'a'], ['add', 'b'], ['update', 'a'], ['delete', 'b']]);
  assert.deepEqual(informer.list().map((o) => o.metadata!.name), ['a']);
  await informer.stop();
});

test('a watch ending normally is resumed from the last resourceVersion without a relist', async () => {
  const { client, informer } = setup();
  informer.start();
  await tick();
  client.closeWatches();
  await tick();
  client.seed(DEPLOYMENTS, obj('late'));
  await tick();
  assert.ok(informer.get('ns', 'late'));
  assert.equal(informer.stats.relists, 1);
  assert.equal(client.requests.filter((r) => r.verb === 'watch').length, 2);
  await informer.stop();
});

test('a failed watch restarts with backoff; 410 Gone relists and reports what was missed', async () => {
  const { client, clock, informer, events } = setup();
  client.seed(DEPLOYMENTS, obj('a'));
  client.seed(DEPLOYMENTS, obj('b'));
  informer.start();
  await tick();
  client.failNext('watch', 'deployments', new Error('connection reset'));
  client.closeWatches();
  await tick();
  assert.equal(informer.stats.restarts, 1);
  assert.notEqual(informer.stats.failingSinceMs, undefined);
  // While the informer waits out its backoff: b deleted, c added, history compacted.
  client.seed(DEPLOYMENTS, obj('b'), 'DELETED');
  client.seed(DEPLOYMENTS, obj('c'));
  client.compact();
  events.length = 0;
  await clock.advance(200);
  await tick(10);
  assert.equal(informer.stats.relists, 2);
  assert.deepEqual(events, [['delete', 'b'], ['add', 'c']]);
  assert.equal(informer.stats.failingSinceMs, undefined);
  await informer.stop();
});

test('a 410 on re-watch relists without counting as a failure', async () => {
  const { client, informer } = setup();
  informer.start();
  await tick();
  client.compact();
  client.failNext('watch', 'deployments', new KubeApiError(410, 'Expired', 'gone'));
  client.closeWatches();
  await tick(10);
  assert.equal(informer.stats.relists, 2);
  assert.equal(informer.stats.restarts, 0);
  await informer.stop();
});

test('a watch the API server accepts again clears the failing state at once (readiness recovers without waiting for an event)', async () => {
  const { client, clock, informer } = setup();
  informer.start();
  await tick();
  client.failNext('watch', 'deployments', new Error('connect ECONNREFUSED'));
  client.closeWatches();
  await tick();
  assert.notEqual(informer.stats.failingSinceMs, undefined);
  // The retried watch is accepted and stays open, with no event on a quiet resource.
  await clock.advance(200);
  await tick(10);
  assert.equal(informer.stats.relists, 1, 'resumed from its resourceVersion, no relist');
  assert.equal(informer.stats.failingSinceMs, undefined);
  await informer.stop();
});
