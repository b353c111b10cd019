import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoopbackPool, isLoopback, randomBlock } from './loopback.ts';

test('allocates distinct loopback addresses in its block, skipping .0 and .255', () => {
  const pool = new LoopbackPool(42);
  const ips = Array.from({ length: 600 }, () => pool.allocate());
  assert.equal(new Set(ips).size, ips.length);
  assert.equal(ips[0], '127.42.0.1');
  for (const ip of ips) {
    assert.ok(isLoopback(ip), ip);
    assert.ok(ip.startsWith('127.42.'));
    assert.ok(!ip.endsWith('.0') && !ip.endsWith('.255'), ip);
  }
});

test('released addresses are not handed out again while fresh ones remain', () => {
  const pool = new LoopbackPool(7);
  const a = pool.allocate();
  pool.release(a);
  assert.notEqual(pool.allocate(), a);
});

test('random blocks stay clear of 127.0.0.0/16 and of excluded blocks', () => {
  for (let i = 0; i < 500; i++) {
    const b = randomBlock([100]);
    assert.ok(b >= 16 && b <= 254 && b !== 100);
  }
  assert.throws(() => new LoopbackPool(0));
});

test('isLoopback accepts only 127.0.0.0/8', () => {
  assert.ok(isLoopback('127.1.2.3'));
  assert.ok(!isLoopback('10.96.0.1'));
  assert.ok(!isLoopback('0.0.0.0'));
});
