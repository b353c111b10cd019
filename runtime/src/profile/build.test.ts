import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { argmax, buildProfile, formatProfile, quantileBins, summarize } from './build.ts';
import type { InputRows } from './data.ts';
import { parseProfile } from './load.ts';

const fixture = JSON.parse(readFileSync(new URL('../../../examples/models/drift-statistics.scipy.json', import.meta.url), 'utf8')) as {
  quantileBins: { values: number[]; bins: number; edges: number[]; counts: number[] };
};

function rows(datatype: InputRows['spec']['datatype'], names: string[], values: (number | string)[][]): InputRows {
  return { spec: { name: 'x', datatype, shape: [-1, names.length] }, featureNames: names, rowShape: [names.length], rows: values };
}

describe('profile builder', () => {
  it('makes the same quantile bins as numpy (ties merged)', () => {
    const q = fixture.quantileBins;
    const bins = quantileBins(Float64Array.from(q.values).sort(), q.bins);
    assert.deepEqual(bins.edges, q.edges);
    assert.deepEqual(bins.counts, q.counts);
  });

  it('gives a constant feature the single bin [c, c] and counts NaN apart', () => {
    const s = summarize(Float64Array.from([2, 2, Number.NaN, 2]));
    assert.deepEqual({ ...s, sorted: undefined }, { count: 3, min: 2, max: 2, mean: 2, std: 0, nanShare: 0.25, sorted: undefined });
    assert.deepEqual(quantileBins(s.sorted, 10), { edges: [2, 2], counts: [3] });
  });

  it('profiles numeric, categorical and output columns and writes a loadable file', () => {
    const input = rows('FP32', ['a', 'b'], [['0.1', 'x'], ['7.9', ''], ['3', '4']].map(([a, b]) => [a!, b === 'x' ? 'nan' : b!]));
    const codes = rows('INT64', ['code'], [[1], [2], [2]]);
    const profile = buildProfile([input, { ...codes, spec: { ...codes.spec, name: 'codes' } }], [
      { spec: { name: 'label', datatype: 'INT64', shape: [-1] }, datatype: 'INT64', width: 1, data: [0, 1, 1] },
      { spec: { name: 'scores', datatype: 'FP32', shape: [-1, 2] }, datatype: 'FP32', width: 2, data: [0.9, 0.1, 0.2, 0.8, 0.4, 0.6] },
      { spec: { name: 'y', datatype: 'FP32', shape: [-1] }, datatype: 'FP32', width: 1, data: [1.5, 2.5, 3.5] },
    ], { bins: 10, source: { data: 't' } });
    const [a, b] = profile.inputs[0]!.features;
    assert.equal(a!.max, Math.fround(7.9), 'FP32 features are narrowed to what the model sees');
    assert.equal(b!.nanShare, 2 / 3, "'nan' and an empty cell are NaN");
    assert.equal(b!.count, 1);
    assert.equal(profile.inputs[1]!.features[0]!.kind, 'categorical', 'few distinct integers are categories');
    assert.deepEqual(profile.inputs[1]!.features[0]!.categories, { '1': 1, '2': 2 });
    assert.deepEqual(profile.outputs.map((o) => o.kind === 'classes' ? [o.from, o.classes] : [o.kind, o.min, o.max]), [['value', { '0': 1, '1': 2 }], ['argmax', { '0': 1, '1': 2 }], ['numeric', 1.5, 3.5]]);
    assert.deepEqual(profile.warmup![0]!.inputs[0], { name: 'x', datatype: 'FP32', shape: [1, 2], data: [3, 4] }, 'the first row without NaN');
    assert.deepEqual(parseProfile(JSON.parse(formatProfile(profile))), profile, 'the file reads back as built');
  });

  it('refuses a feature that is not a number', () => {
    assert.throws(() => buildProfile([rows('FP32', ['a'], [['1'], ['abc']])], [], { bins: 10, source: {} }), /row 2 feature 'a': 'abc' is not a number/);
  });

  it('takes the first of tied maxima as the class, like numpy', () => assert.equal(argmax([0.5, 0.5, 0.1], 0, 3), 0));
});
