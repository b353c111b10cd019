import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from './config.ts';

test('defaults, flags and environment; flags win', () => {
  const c = loadConfig(['--workers', '8', '--gpu-node-selector=pool=gpu,tier=a'], { MODELSHIP_OPERATOR_WORKERS: '2', MODELSHIP_OPERATOR_RUNTIME_IMAGE: 'r:1', POD_NAMESPACE: 'ops' });
  assert.equal(c.workers, 8);
  assert.equal(c.runtimeImage, 'r:1');
  assert.deepEqual(c.placement.gpuNodeSelector, { pool: 'gpu', tier: 'a' });
  assert.equal(c.leaderElection.namespace, 'ops');
  assert.equal(c.leaderElection.enabled, true);
  assert.ok(Object.isFrozen(c) && Object.isFrozen(c.placement));
});

test('every problem is reported at once', () => {
  try {
    loadConfig(['--workers', '0', '--bogus', 'x', '--leader-elect', 'maybe', '--lease-duration-seconds', '5', '--renew-deadline-seconds', '6'], {});
    assert.fail('expected a ConfigError');
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    assert.equal(err.problems.length, 4);
    assert.match(err.message, /--workers must be an integer/);
    assert.match(err.message, /unknown option --bogus/);
  }
});
