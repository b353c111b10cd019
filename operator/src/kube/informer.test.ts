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

function setup(options: { minReconnectGapMs?: number; idleTimeoutMs?: number } = {}) {
  const client = new FakeKubeClient();
  const clock = new FakeClock();
  // No reconnect gap unless a test is about it: the others resume watches without moving the clock.
  const informer = new Informer<KubeObject>({ client, clock, logger, type: DEPLOYMENTS, labelSelector: 'app=x', minReconnectGapMs: 0, ...options });
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

test('a watch silent past its idle timeout is cut and relisted; an event or a bookmark resets the timer', async () => {
  const { client, clock, informer } = setup({ idleTimeoutMs: 10_000 });
  informer.start();
  await tick();
  assert.equal(informer.stats.relists, 1);
  // Events and bookmarks within the timeout keep the watch.
  await clock.advance(9_000);
  client.seed(DEPLOYMENTS, obj('a'));
  await clock.advance(9_000);
  client.bookmark(DEPLOYMENTS);
  await clock.advance(9_000);
  assert.equal(informer.stats.idleTimeouts, 0, 'events and bookmarks reset the idle timer');
  assert.equal(client.requests.filter((r) => r.verb === 'watch').length, 1);
  // Silence from the last bookmark: at the timeout the watch is cut, the informer relists and watches again.
  client.bookmark(DEPLOYMENTS);
  client.silenceWatches();
  await clock.advance(9_999);
  assert.equal(informer.stats.idleTimeouts, 0);
  await clock.advance(1);
  await tick();
  assert.equal(informer.stats.idleTimeouts, 1);
  assert.equal(informer.stats.relists, 2, 'relisted after the idle timeout');
  assert.equal(informer.stats.stalledSinceMs, undefined, 'the relist ended the stall');
  assert.equal(client.requests.filter((r) => r.verb === 'watch').length, 2);
  assert.ok(informer.get('ns', 'a'));
  await informer.stop();
});

test('a silent watch that cannot relist stays reported as stalled until a relist succeeds', async () => {
  const { client, clock, informer } = setup({ idleTimeoutMs: 10_000 });
  informer.start();
  await tick();
  const silentFrom = clock.now();
  client.silenceWatches();
  for (let i = 0; i < 3; i++) client.failNext('list', 'deployments', new Error('connection reset'));
  await clock.advance(10_000);
  await tick();
  assert.equal(informer.stats.stalledSinceMs, silentFrom, 'stalled since the last sign of life');
  await clock.advance(5_000);
  await tick();
  assert.equal(informer.stats.stalledSinceMs, undefined);
  assert.equal(informer.stats.relists, 2);
  await informer.stop();
});

test('watches start no closer together than the minimum reconnect gap', async () => {
  const { client, clock, informer } = setup({ minReconnectGapMs: 1_000 });
  informer.start();
  await tick();
  for (let i = 0; i < 20; i++) {
    client.closeWatches(); // a server or proxy that ends every watch at once
    await clock.advance(100);
  }
  const watches = client.requests.filter((r) => r.verb === 'watch').length;
  assert.ok(watches >= 2 && watches <= 3, `${watches} watches in 2 s with a 1 s gap`);
  await informer.stop();
});
