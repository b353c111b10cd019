import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadProfile, parseProfile, ProfileError, profilePathFor } from './load.ts';

function valid(): Record<string, unknown> {
  return {
    version: 1,
    source: { data: 'train.csv', rows: 4 },
    inputs: [
      {
        name: 'input',
        datatype: 'FP32',
        features: [
          { name: 'a', index: 0, kind: 'numeric', count: 4, min: 0, max: 3, mean: 1.5, std: 1.118, nanShare: 0, bins: { edges: [0, 1.5, 3], counts: [2, 2] } },
          { name: 'const', index: 1, kind: 'numeric', count: 4, min: 2, max: 2, mean: 2, std: 0, nanShare: 0, bins: { edges: [2, 2], counts: [4] } },
          { name: 'colour', index: 2, kind: 'categorical', count: 4, min: 0, max: 1, mean: 0.5, std: 0.5, nanShare: 0, categories: { '0': 2, '1': 2 } },
        ],
      },
    ],
    outputs: [
      { name: 'label', datatype: 'INT64', kind: 'classes', from: 'value', count: 4, classes: { '0': 1, '1': 3 } },
      { name: 'score', datatype: 'FP32', kind: 'numeric', count: 4, min: 0, max: 1, mean: 0.5, std: 0.1, nanShare: 0, bins: { edges: [0, 1], counts: [4] } },
    ],
    warmup: [{ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 3], data: [1, 2, 0] }] }],
  };
}

function refused(mutate: (p: any) => void, message: RegExp): void {
  const p = valid();
  mutate(p);
  assert.throws(() => parseProfile(p), (error: unknown) => {
    assert.ok(error instanceof ProfileError);
    assert.match(error.message, message);
    return true;
  });
}

describe('training profile loader', () => {
  it('accepts a valid profile, warm-up samples included', () => {
    const p = parseProfile(valid());
    assert.equal(p.inputs[0]!.features[1]!.bins!.counts[0], 4);
    assert.equal(p.warmup![0]!.inputs[0]!.name, 'input');
  });

  it('names the offending field by its JSON path', () => {
    refused((p) => (p.version = 2), /\(root\)?version: must be 1|version: must be 1/);
    refused((p) => delete p.inputs[0].features[0].min, /inputs\[0\]\.features\[0\]\.min: is required/);
    refused((p) => (p.inputs[0].features[0].kind = 'text'), /inputs\[0\]\.features\[0\]\.kind: must be one of numeric, categorical/);
    refused((p) => delete p.inputs[0].features[0].bins, /inputs\[0\]\.features\[0\]\.bins: is required/);
    refused((p) => delete p.inputs[0].features[2].categories, /inputs\[0\]\.features\[2\]\.categories: is required/);
    refused((p) => (p.inputs[0].features[0].nanShare = 1.5), /inputs\[0\]\.features\[0\]\.nanShare: must be <= 1/);
    refused((p) => (p.inputs[0].datatype = 'FLOAT'), /inputs\[0\]\.datatype: must be one of/);
    refused((p) => (p.outputs[0].classes = { '0': -1 }), /outputs\[0\]\.classes\[0\]: must be >= 0/);
    refused((p) => delete p.outputs[1].bins, /outputs\[1\]\.bins: is required/);
    refused((p) => (p.inputs[0].features[0].typo = 1), /inputs\[0\]\.features\[0\]\.typo: is not a profile field/);
    refused((p) => (p.warmup[0].inputs[0].shape = [-1, 3]), /warmup\[0\]\.inputs\[0\]\.shape\[0\]: must be >= 0/);
  });

  it('refuses inconsistent bins, ranges and duplicate features', () => {
    refused((p) => (p.inputs[0].features[0].bins.counts = [4]), /inputs\[0\]\.features\[0\]\.bins\.counts: has 1 entries for 3 edges/);
    refused((p) => (p.inputs[0].features[0].bins.edges = [0, 3, 1.5]), /inputs\[0\]\.features\[0\]\.bins\.edges\[2\]: 1\.5 must be greater than edges\[1\] \(3\)/);
    refused((p) => (p.inputs[0].features[0].bins = { edges: [0, 0, 3], counts: [1, 3] }), /bins\.edges\[1\]: 0 must be greater/);
    refused((p) => (p.inputs[0].features[0].min = 5), /inputs\[0\]\.features\[0\]\.min: 5 is greater than max \(3\)/);
    refused((p) => (p.inputs[0].features[1].index = 0), /inputs\[0\]\.features\[1\]\.index: 0 appears twice/);
    refused((p) => (p.outputs[1].bins.edges = [1, 0]), /outputs\[1\]\.bins\.edges\[1\]/);
  });

  it('reports unreadable and non-JSON files with their path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'profile-'));
    await assert.rejects(loadProfile(join(dir, 'missing.profile.json')), { message: /cannot read training profile .*missing\.profile\.json/ });
    await writeFile(join(dir, 'bad.profile.json'), '{"version": 1,');
    await assert.rejects(loadProfile(join(dir, 'bad.profile.json')), { message: /training profile .*bad\.profile\.json is not JSON/ });
    await writeFile(join(dir, 'ok.profile.json'), JSON.stringify(valid()));
    assert.equal((await loadProfile(join(dir, 'ok.profile.json'))).version, 1);
  });

  it('finds the profile beside a model', () => {
    assert.equal(profilePathFor('/models/iris.onnx'), '/models/iris.profile.json');
    assert.equal(profilePathFor('/models/model'), '/models/model.profile.json');
  });
});
