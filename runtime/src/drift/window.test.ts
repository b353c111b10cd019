import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { Tensor } from '../protocol/types.ts';
import type { Profile } from '../profile/profile.ts';
import { DriftWindow, MAX_ROWS_PER_REQUEST } from './window.ts';

const iris = JSON.parse(readFileSync(new URL('../../../examples/models/iris.profile.json', import.meta.url), 'utf8')) as Profile;
const rows = readFileSync(new URL('../../../examples/models/iris.train.csv', import.meta.url), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').map(Number));

function request(row: number[], label = 0): { inputs: Tensor[]; outputs: Tensor[] } {
  return {
    inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: Float32Array.from(row) }],
    outputs: [{ name: 'label', datatype: 'INT64', shape: [1], data: BigInt64Array.from([BigInt(label)]) }],
  };
}

function feed(window: DriftWindow, n: number, shift = 0, from = 0): void {
  for (let i = 0; i < n; i++) {
    const row = rows[(from + i) % rows.length]!.slice();
    row[2] = row[2]! + shift;
    const { inputs, outputs } = request(row, Math.floor(((from + i) % rows.length) / 50));
    window.add(inputs, outputs);
  }
}

describe('drift window', () => {
  it('reports nothing before a slice completes, then the training data as undrifted', () => {
    const w = new DriftWindow(iris, { size: 150, slices: 3, threshold: 0.2 });
    assert.equal(w.report.features[0]!.psi, null);
    feed(w, 49);
    assert.equal(w.report.requests, 0);
    feed(w, 101, 0, 49);
    const report = w.report;
    assert.equal(report.requests, 150);
    assert.equal(report.windowsCompleted, 1);
    for (const f of report.features) {
      assert.ok(f.psi! < 1e-9, `${f.feature}: the training data itself has PSI 0 (got ${f.psi})`);
      assert.equal(f.ks, 0);
      assert.equal(f.outOfRangeShare, 0);
      assert.equal(f.drifted, false);
    }
    assert.deepEqual(report.outputs.map((o) => [o.output, o.values, o.psi !== null && o.psi < 0.01]), [['label', 150, true], ['probabilities', 0, false]], 'an output the requests did not ask for has no values');
  });

  it('flags a feature shifted by two standard deviations, and slides back', () => {
    const std = iris.inputs[0]!.features[2]!.std!;
    const w = new DriftWindow(iris, { size: 150, slices: 3, threshold: 0.2 });
    feed(w, 150);
    feed(w, 150, 2 * std);
    const shifted = w.report.features;
    assert.equal(shifted[2]!.drifted, true);
    assert.ok(shifted[2]!.psi! > 1, `psi ${shifted[2]!.psi}`);
    assert.ok(shifted[2]!.outOfRangeShare! > 0.2, 'many shifted values exceed the training maximum');
    assert.deepEqual(shifted.filter((f) => f.drifted).map((f) => f.feature), ['petal_length']);
    feed(w, 100);
    assert.equal(w.report.features[2]!.drifted, true, 'one shifted slice of three is still in the window');
    feed(w, 50, 0, 100);
    assert.equal(w.report.features[2]!.drifted, false, 'the window has slid past the shift');
  });

  it('counts values below the training minimum and above the maximum as out of range', () => {
    const w = new DriftWindow(iris, { size: 2, slices: 1, threshold: 0.2 });
    w.add(request([0, 0, 0, 0]).inputs, []);
    w.add(request([99, 99, 99, 99]).inputs, []);
    assert.deepEqual(w.report.features.map((f) => f.outOfRangeShare), [1, 1, 1, 1]);
    assert.deepEqual(Array.from(w.takeOutOfRange()!), [2, 2, 2, 2]);
    assert.equal(w.takeOutOfRange(), undefined, 'taken once');
  });

  it('looks at no more than MAX_ROWS_PER_REQUEST rows of one request', () => {
    const w = new DriftWindow(iris, { size: 1, slices: 1, threshold: 0.2 });
    const many = rows.concat(rows).slice(0, 200);
    w.add([{ name: 'input', datatype: 'FP32', shape: [200, 4], data: Float32Array.from(many.flat()) }], []);
    assert.equal(w.report.features[0]!.values, Math.ceil(200 / Math.ceil(200 / MAX_ROWS_PER_REQUEST)));
    assert.ok(w.report.features[0]!.values <= MAX_ROWS_PER_REQUEST);
  });

  it('counts unseen categories and arg-max classes', () => {
    const profile: Profile = {
      version: 1,
      inputs: [{ name: 'c', datatype: 'BYTES', features: [{ name: 'colour', index: 0, kind: 'categorical', count: 4, min: null, max: null, mean: null, std: null, nanShare: 0, categories: { red: 2, blue: 2 } }] }],
      outputs: [{ name: 'scores', datatype: 'FP32', kind: 'classes', from: 'argmax', count: 4, classes: { '0': 2, '1': 2 } }],
    };
    const w = new DriftWindow(profile, { size: 4, slices: 1, threshold: 0.2 });
    for (const colour of ['red', 'green', 'green', 'blue']) {
      w.add([{ name: 'c', datatype: 'BYTES', shape: [1, 1], data: [colour] }], [{ name: 'scores', datatype: 'FP32', shape: [1, 2], data: Float32Array.from([0.1, 0.9]) }]);
    }
    const [f] = w.report.features;
    assert.equal(f!.unseenShare, 0.5);
    assert.equal(f!.outOfRangeShare, null);
    assert.equal(f!.ks, null);
    assert.equal(f!.drifted, true);
    assert.equal(w.report.outputs[0]!.drifted, true, 'every prediction is class 1; training had half');
    assert.equal(w.takeOutOfRange(), undefined, 'categorical features have no range');
  });
});
