import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UnavailableError } from '../errors.ts';
import { BodyBudget, withinBudget } from './body-budget.ts';

describe('body budget', () => {
  it('admits bodies up to the limit together and refuses the next with a 503 naming the flag', async () => {
    const budget = new BodyBudget(100);
    let inner: unknown;
    await withinBudget(budget, async (a) => {
      a.holdAtLeast(60);
      a.holdAtLeast(50); // already held
      await withinBudget(budget, async (b) => {
        b.holdAtLeast(40);
        assert.equal(budget.used, 100);
        try {
          await withinBudget(budget, async (c) => c.holdAtLeast(1));
        } catch (error) {
          inner = error;
        }
      });
      assert.equal(budget.used, 60);
    });
    assert.ok(inner instanceof UnavailableError);
    assert.equal(inner.status, 503);
    assert.equal(inner.retryAfterSeconds, 1);
    assert.match(inner.message, /at most 100 at once \(--max-body-bytes-in-flight\)/);
    assert.equal(budget.used, 0);
  });

  it('returns the lease when reading or decoding throws', async () => {
    const budget = new BodyBudget(100);
    await assert.rejects(
      withinBudget(budget, async (lease) => {
        lease.holdAtLeast(30);
        lease.holdAtLeast(70);
        throw new Error('bad JSON');
      }),
      /bad JSON/,
    );
    assert.equal(budget.used, 0);
  });

  it('is one budget for every thread holding its shared counter (front-end threads)', () => {
    const main = new BodyBudget(100);
    const other = new BodyBudget(100, main.shared);
    main.take(60);
    assert.throws(() => other.take(50), /already handling 60 bytes/);
    other.take(40);
    assert.equal(main.used, 100);
    main.give(60);
    assert.equal(other.used, 40);
    // Past 2^31: the counter is 64-bit.
    const large = new BodyBudget(2 ** 40);
    large.take(2 ** 33);
    assert.equal(new BodyBudget(2 ** 40, large.shared).used, 2 ** 33);
  });
});
