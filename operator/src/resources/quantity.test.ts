import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseQuantity, sameQuantity } from './quantity.ts';

test('parses quantities', () => {
  const cases: Array<[unknown, number | undefined]> = [
    ['1', 1], [2, 2], ['500m', 0.5], ['1Gi', 2 ** 30], ['1G', 1e9], ['1e3', 1000], ['.5', 0.5], ['abc', undefined], [null, undefined], ['1Xi', undefined],
  ];
  for (const [input, expected] of cases) assert.equal(parseQuantity(input), expected, String(input));
});

test('compares server-normalized forms', () => {
  assert.ok(sameQuantity('1000m', '1'));
  assert.ok(sameQuantity(1, '1'));
  assert.ok(sameQuantity('1024Mi', '1Gi'));
  assert.ok(!sameQuantity('1', '2'));
  assert.ok(!sameQuantity('x', 'x'));
});
