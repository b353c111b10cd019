import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bindInputs, MappingError, parseInputMap } from './mapping.ts';
import type { TensorSpec } from '../protocol/types.ts';

const iris: TensorSpec = { name: 'input', datatype: 'FP32', shape: [-1, 4] };

describe('parseInputMap', () => {
  it('reads one or several inputs with their columns in order', () => {
    assert.deepEqual([...parseInputMap('input=c1,c2 , c3,c4')], [['input', ['c1', 'c2', 'c3', 'c4']]]);
    assert.deepEqual([...parseInputMap('a=x;b=y,z')], [['a', ['x']], ['b', ['y', 'z']]]);
  });
  it('refuses malformed maps', () => {
    for (const bad of ['', 'input', '=c1', 'input=c1,,c2', 'a=x;a=y']) assert.throws(() => parseInputMap(bad), Error, bad);
  });
});

describe('bindInputs', () => {
  it('feeds a one-input model every column but the id and passthrough ones, in file order', () => {
    const [bound] = bindInputs([iris], undefined, ['id', 'a', 'b', 'species', 'c', 'd'], ['id', 'species']);
    assert.deepEqual(bound!.columns, ['a', 'b', 'c', 'd']);
    assert.equal(bound!.width, 4);
  });
  it('says up front when more columns feed an input than it takes', () => {
    assert.throws(() => bindInputs([iris], undefined, ['a', 'b', 'c', 'd', 'species'], []), /takes 4 values per row, but 5 columns feed it/);
  });
  it('needs a map for several inputs, and checks its names and columns', () => {
    const two: TensorSpec[] = [iris, { name: 'extra', datatype: 'FP32', shape: [-1, 1] }];
    assert.throws(() => bindInputs(two, undefined, ['a'], []), MappingError);
    assert.throws(() => bindInputs([iris], parseInputMap('other=a'), ['a'], []), /does not take/);
    assert.throws(() => bindInputs(two, parseInputMap('input=a'), ['a'], []), /does not say which columns feed extra/);
    assert.throws(() => bindInputs([iris], parseInputMap('input=a,zz'), ['a'], []), /does not have: zz/);
    const bound = bindInputs(two, parseInputMap('extra=e;input=pixels'), ['pixels', 'e'], []);
    assert.deepEqual(bound.map((b) => [b.spec.name, b.columns]), [['input', ['pixels']], ['extra', ['e']]]);
  });
  it('accepts [batch, n] with n dynamic and refuses other dynamic shapes', () => {
    assert.equal(bindInputs([{ name: 'x', datatype: 'FP32', shape: [-1, -1] }], undefined, ['a'], [])[0]!.width, undefined);
    assert.throws(() => bindInputs([{ name: 'x', datatype: 'FP32', shape: [-1, -1, 3] }], undefined, ['a'], []), /fixed shape/);
  });
});
