import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shorterQueuesVerdict } from './shorter-queues.ts';

const served = (before: number, after: number): [number[], number[]] => [[before, before], [after, after]];

test('added capacity and a halved busiest pod: pass', () => {
  assert.equal(shorterQueuesVerdict({ inFlight: [[20, 22], [10, 11, 9]], served: served(20, 45) }).outcome, 'pass');
});

test('added capacity but the busiest pod as full as before (all traffic still on one pod): fail, with the figures', () => {
  const v = shorterQueuesVerdict({ inFlight: [[20, 22], [20, 21, 19]], served: served(20, 45) });
  assert.equal(v.outcome, 'fail');
  assert.match(v.reason, /busiest pod in flight 21\.0 -> 20\.0: more than 0\.75 of before/);
});

test('no capacity added (the 2-core run of 2026-11-29: 23.9/s -> 20.4/s): skipped with the figures, never passed', () => {
  const v = shorterQueuesVerdict({ inFlight: [[4.6, 4.6], [2.2, 2.2, 2.2]], served: served(23.9, 20.4) });
  assert.equal(v.outcome, 'skip');
  assert.match(v.reason, /added no capacity on this machine \(under 1\.5x\): served 23\.9\/s with one Ready pod, 20\.4\/s/);
});

test('too few samples: fail, not skip', () => {
  assert.equal(shorterQueuesVerdict({ inFlight: [[4], [2, 2, 2]], served: served(20, 45) }).outcome, 'fail');
});
