import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_SUPERVISION, retryDelay } from './supervision.ts';

describe('worker supervision policy', () => {
  it('backs off exponentially from retryMs, capped at maxRetryMs', () => {
    const delays = Array.from({ length: 8 }, (_, i) => retryDelay(DEFAULT_SUPERVISION, i));
    assert.deepEqual(delays, [500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000]);
    assert.equal(retryDelay(DEFAULT_SUPERVISION, 5000), 10_000);
  });
});
