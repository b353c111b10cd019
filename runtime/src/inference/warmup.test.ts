import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { testModel } from '../../../test/runtime/support/test-model.ts';
import { parseWarmupFile, warmupPlan, WarmupError } from './warmup.ts';

const MODEL = testModel([{ name: 'x', datatype: 'FP32', shape: [-1] }], [{ name: 'y', datatype: 'FP32', shape: [2, 3] }], false);
const SIX = { inputs: [{ name: 'x', datatype: 'FP32', shape: [6], data: [0, 1, 2, 3, 4, 5] }] };

describe('the warm-up plan', () => {
  it("prefers the user's file, then the profile's samples, then zeros from the metadata", () => {
    const file = parseWarmupFile(JSON.stringify(SIX), MODEL, 'w.json');
    assert.equal(warmupPlan(MODEL, { file, profile: [SIX] }).source, 'file');
    const fromProfile = warmupPlan(MODEL, { profile: [SIX, SIX] });
    assert.equal(fromProfile.source, 'profile');
    assert.equal(fromProfile.requests.length, 2);
    assert.deepEqual(fromProfile.requests[0]?.inputs[0]?.data, new Float32Array([0, 1, 2, 3, 4, 5]));
    const guessed = warmupPlan(MODEL, { profile: [] });
    assert.equal(guessed.source, 'metadata');
    assert.deepEqual(guessed.requests[0]?.inputs, [{ name: 'x', datatype: 'FP32', shape: [1], data: new Float32Array(1) }]);
  });

  it('reads one request body or an array of them', () => {
    assert.equal(parseWarmupFile(JSON.stringify([SIX, SIX, SIX]), MODEL, 'w.json').length, 3);
  });

  it('refuses a file or sample that does not fit the model, naming the sample and the problem', () => {
    const refused: [string, RegExp][] = [
      ['not json', /warm-up file w.json is not JSON/],
      ['[]', /warm-up file w.json holds no samples/],
      [JSON.stringify([SIX, { inputs: [{ ...SIX.inputs[0], datatype: 'INT32' }] }]), /warm-up file w.json, sample 1: input 'x': datatype INT32, the model expects FP32/],
      [JSON.stringify({ inputs: [] }), /sample 0: input 'x' is missing/],
      [JSON.stringify({ inputs: [{ ...SIX.inputs[0], data: [0, 1, 2, 3, 4, 1e39] }] }), /sample 0: input 'x': element 5 is 1e\+39, which overflows FP32/],
    ];
    for (const [text, message] of refused) assert.throws(() => parseWarmupFile(text, MODEL, 'w.json'), (e: unknown) => e instanceof WarmupError && message.test(e.message), text);
    assert.throws(() => warmupPlan(MODEL, { profile: [{ inputs: 'x' }] }), /the training profile's warmup, sample 0: 'inputs' must be an array/);
  });
});
