import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { guardJson } from './json-guard.ts';

const bytes = (text: string) => Buffer.from(text, 'utf8');
const always = { minBytes: 0 };

describe('JSON structure guard', () => {
  it('accepts ordinary requests, brackets inside strings included', () => {
    guardJson(bytes('{"inputs":[{"name":"x","shape":[1,2],"data":[[1,2]]}]}'), always);
    guardJson(bytes(`{"data":["${'['.repeat(1000)}", "\\"[[[[", "é[{"]}`), { ...always, maxDepth: 4 });
  });

  it('refuses nesting past the bound', () => {
    assert.throws(() => guardJson(bytes('[[[[[1]]]]]'), { ...always, maxDepth: 4 }), /nests deeper than 4 levels/);
    assert.throws(() => guardJson(bytes('{"a":'.repeat(100)), always), /deeper than 64/);
    guardJson(bytes('[[[[1]]]]'), { ...always, maxDepth: 4 });
  });

  it('refuses bodies that would build far more containers than a tensor needs', () => {
    const objects = `{"data":[${'{},'.repeat(100_000)}{}]}`;
    assert.throws(() => guardJson(bytes(objects)), /opens more than \d+ arrays and objects/);
    // Nested rows of a real tensor: one array per row of 784 numbers.
    const row = `[${new Array(784).fill('0.5').join(',')}]`;
    guardJson(bytes(`{"inputs":[{"name":"x","datatype":"FP32","shape":[64,784],"data":[${new Array(64).fill(row).join(',')}]}]}`));
  });

  it('leaves small bodies to JSON.parse', () => {
    guardJson(bytes('['.repeat(1000)));
    assert.throws(() => guardJson(bytes('['.repeat(70_000))), /deeper than 64/);
  });
});
