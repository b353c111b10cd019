import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkShapeLimits } from './shape-limits.ts';

const limits = { maxDimension: 1000, maxRows: 64 };

describe('shape limits', () => {
  it('passes shapes within the limits, including zero-element ones', () => {
    checkShapeLimits('x', [64, 1000], true, limits);
    checkShapeLimits('x', [0, 4], true, limits);
    checkShapeLimits('x', [1000, 4], false, limits);
  });

  it('refuses a huge dimension next to a zero one (no elements, so no size check sees it)', () => {
    assert.throws(() => checkShapeLimits('x', [1e15, 0], false, limits), /dimension 0 of shape \[1000000000000000,0\] is 1000000000000000, more than the limit of 1000 \(--max-dimension\)/);
    assert.throws(() => checkShapeLimits('x', [0, 1001], true, limits), /dimension 1 of shape \[0,1001\] is 1001, more than the limit of 1000 \(--max-dimension\)/);
  });

  it('refuses more rows than --max-rows only for batchable models', () => {
    assert.throws(() => checkShapeLimits('x', [65, 4], true, limits), /65 rows, more than the limit of 64 per request \(--max-rows\)/);
    checkShapeLimits('x', [65, 4], false, limits);
  });
});
