import { test } from 'node:test';
import assert from 'node:assert/strict';
import { liveness, readiness, type InformerHealth } from './probes.ts';

const healthy = (resource: string): InformerHealth => ({ resource, synced: true, failingSinceMs: undefined, stalledSinceMs: undefined });
const now = 1_000_000;

test('liveness does not depend on the API server: watches failing for ten minutes leave the process live', () => {
  const informers = [{ ...healthy('deployments'), failingSinceMs: now - 600_000 }];
  assert.deepEqual(liveness(), { ok: true });
  assert.equal(readiness({ now, informers, leader: true, unreadyAfterMs: 30_000 }).ok, false);
});

test('readiness: caches listed, no watch failing for long, none stalled; the leader state is reported, a standby is ready', () => {
  const cases: Array<[string, InformerHealth[], boolean | undefined, boolean, RegExp]> = [
    ['synced leader', [healthy('pods')], true, true, /^leader$/],
    ['synced standby', [healthy('pods')], false, true, /^standby$/],
    ['no election', [healthy('pods')], undefined, true, /^leader election off$/],
    ['not listed', [healthy('pods'), { ...healthy('services'), synced: false }], true, false, /caches not listed yet: services \(leader\)/],
    ['failing briefly', [{ ...healthy('pods'), failingSinceMs: now - 5_000 }], true, true, /leader/],
    ['failing for long', [healthy('pods'), { ...healthy('deployments'), failingSinceMs: now - 45_000 }], false, false, /watches failing, API server unreachable\?: deployments \(45 s\) \(standby\)/],
    ['stalled', [healthy('pods'), { ...healthy('inferenceservices'), stalledSinceMs: now - 181_000 }], true, false, /^watch stalled, no event or bookmark within the idle timeout, relisting: inferenceservices \(181 s\) \(leader\)$/],
    ['stalled and failing', [{ ...healthy('pods'), stalledSinceMs: now - 200_000, failingSinceMs: now - 40_000 }], true, false, /^watch stalled, .*: pods \(200 s\); watches failing, API server unreachable\?: pods \(40 s\) \(leader\)$/],
  ];
  for (const [what, informers, leader, ok, text] of cases) {
    const r = readiness({ now, informers, leader, unreadyAfterMs: 30_000 });
    assert.equal(r.ok, ok, what);
    assert.match(r.ok ? r.detail ?? '' : r.reason ?? '', text, what);
  }
});
