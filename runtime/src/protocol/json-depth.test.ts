import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkJsonDepth } from './json-depth.ts';

const bytes = (text: string) => Buffer.from(text, 'utf8');

describe('JSON depth bound', () => {
  it('accepts ordinary requests, brackets inside strings included', () => {
    checkJsonDepth(bytes('{"inputs":[{"name":"x","shape":[1,2],"data":[[1,2]]}]}'));
    checkJsonDepth(bytes(`{"data":["${'['.repeat(1000)}", "\\"[[[[", "é[{"]}`), 4);
  });

  it('refuses nesting past the bound', () => {
    assert.throws(() => checkJsonDepth(bytes('[[[[[1]]]]]'), 4), /nests deeper than 4 levels/);
    assert.throws(() => checkJsonDepth(bytes('{"a":'.repeat(100)), 64), /deeper than 64/);
    checkJsonDepth(bytes('[[[[1]]]]'), 4);
  });
});
