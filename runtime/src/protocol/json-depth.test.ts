import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkJsonDepth } from './json-depth.ts';

const bytes = (text: string) => Buffer.from(text, 'utf8');

describe('JSON depth bound', () => {
  it('accepts ordinary requests, brackets inside strings included', () => {
    checkJsonDepth(bytes('{"inputs":[{"name":"x","shape":[1,2],"data":[[1,2]]}]}'), 64, 0);
    checkJsonDepth(bytes(`{"data":["${'['.repeat(1000)}", "\\"[[[[", "é[{"]}`), 4, 0);
  });

  it('refuses nesting past the bound', () => {
    assert.throws(() => checkJsonDepth(bytes('[[[[[1]]]]]'), 4, 0), /nests deeper than 4 levels/);
    assert.throws(() => checkJsonDepth(bytes('{"a":'.repeat(100)), 64, 0), /deeper than 64/);
    checkJsonDepth(bytes('[[[[1]]]]'), 4, 0);
  });

  it('leaves small bodies to JSON.parse', () => {
    checkJsonDepth(bytes('['.repeat(1000)), 64);
    assert.throws(() => checkJsonDepth(bytes('['.repeat(70_000)), 64), /deeper than 64/);
  });
});
