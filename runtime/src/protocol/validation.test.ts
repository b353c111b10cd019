import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IRIS, testModel } from '../../../test/runtime/support/test-model.ts';
import { bindInferRequest } from './validation.ts';
import { parseInferEnvelope } from './v2-json.ts';

function bind(body: unknown, model = IRIS, binary?: Uint8Array) {
  const text = JSON.stringify(body);
  return bindInferRequest(parseInferEnvelope(body), model, text.length, binary);
}

const row = { name: 'input', datatype: 'FP32', shape: [1, 4], data: [5.1, 3.5, 1.4, 0.2] };

describe('binding a request to the model', () => {
  it('decodes inputs and defaults to every output as JSON', () => {
    const request = bind({ inputs: [row] });
    assert.deepEqual(request.inputs[0]?.data, new Float32Array([5.1, 3.5, 1.4, 0.2]));
    assert.deepEqual(request.outputs, [
      { name: 'label', binary: false },
      { name: 'probabilities', binary: false },
    ]);
  });

  it('keeps the requested outputs, their order and binary flags', () => {
    const request = bind({ inputs: [row], outputs: [{ name: 'probabilities', parameters: { binary_data: true } }, { name: 'label' }], parameters: { binary_data_output: false } });
    assert.deepEqual(request.outputs, [
      { name: 'probabilities', binary: true },
      { name: 'label', binary: false },
    ]);
    assert.equal(bind({ inputs: [row], parameters: { binary_data_output: true } }).outputs.every((o) => o.binary), true);
  });

  const refused: [string, unknown, RegExp][] = [
    ['an unknown input', { inputs: [row, { ...row, name: 'extra' }] }, /unknown input 'extra'; model 'm' takes 'input'/],
    ['a duplicated input', { inputs: [row, row] }, /given more than once/],
    ['an empty inputs list for a model with inputs', { inputs: [] }, /input 'input' is missing; model 'm' takes 'input'/],
    ['a missing input', { inputs: [{ ...row, name: 'other' }] }, /unknown input 'other'/],
    ['a wrong datatype', { inputs: [{ ...row, datatype: 'FP64' }] }, /datatype FP64, the model expects FP32/],
    ['a wrong inner dimension', { inputs: [{ ...row, shape: [1, 5], data: [1, 2, 3, 4, 5] }] }, /shape \[1,5\] does not match the model's \[-1,4\]/],
    ['a wrong rank', { inputs: [{ ...row, shape: [4] }] }, /shape \[4\] does not match/],
    ['a shape far larger than the body', { inputs: [{ ...row, shape: [60_000, 4] }] }, /needs 240000 elements, more than the request carries/],
    ['more rows than the limit', { inputs: [{ ...row, shape: [1e12, 4] }] }, /1000000000000 rows, more than the limit of 65536 per request \(--max-rows\)/],
    ['a shape whose size overflows', { inputs: [{ ...row, shape: [2 ** 52, 2 ** 52, 4] }] }, /does not match|too many elements/],
    ['an unknown output', { inputs: [row], outputs: [{ name: 'nope' }] }, /unknown output 'nope'; model 'm' returns 'label', 'probabilities'/],
    ['a duplicated output', { inputs: [row], outputs: [{ name: 'label' }, { name: 'label' }] }, /requested more than once/],
    ['binary data without a binary part', { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], parameters: { binary_data_size: 16 } }] }, /no Inference-Header-Content-Length/],
  ];
  for (const [what, body, message] of refused) {
    it(`refuses ${what}`, () => assert.throws(() => bind(body), message));
  }

  it('reads binary inputs in order and refuses sizes that lie', () => {
    const two = testModel(
      [
        { name: 'a', datatype: 'FP32', shape: [-1, 2] },
        { name: 'b', datatype: 'INT8', shape: [-1, 2] },
      ],
      [{ name: 'y', datatype: 'FP32', shape: [-1] }],
    );
    const bytes = new Uint8Array([...new Uint8Array(new Float32Array([1, 2]).buffer), 0xff, 7]);
    const body = (a: number, b: number) => ({
      inputs: [
        { name: 'a', datatype: 'FP32', shape: [1, 2], parameters: { binary_data_size: a } },
        { name: 'b', datatype: 'INT8', shape: [1, 2], parameters: { binary_data_size: b } },
      ],
    });
    const request = bind(body(8, 2), two, bytes);
    assert.deepEqual(request.inputs[0]?.data, new Float32Array([1, 2]));
    assert.deepEqual(request.inputs[1]?.data, new Int8Array([-1, 7]));
    assert.throws(() => bind(body(8, 1), two, bytes), /INT8 elements need 2|declare 9/);
    assert.throws(() => bind(body(8, 4), two, bytes), /runs past the end/);
    assert.throws(() => bind(body(4, 2), two, bytes), /inputs declare 6/);
    // The binary part follows the request's input order, whatever the model's order.
    const reversed = { inputs: [...body(8, 2).inputs].reverse() };
    const swapped = new Uint8Array([0xff, 7, ...new Uint8Array(new Float32Array([1, 2]).buffer)]);
    assert.deepEqual(bind(reversed, two, swapped).inputs.map((t) => Array.from(t.data as ArrayLike<number>)), [[1, 2], [-1, 7]]);
    assert.throws(() => bind(body(8, 2), two, new Uint8Array([...bytes, 0])), /has 11 bytes but the inputs declare 10/);
  });

  it('refuses inputs that disagree on the batch dimension', () => {
    const two = testModel(
      [
        { name: 'a', datatype: 'FP32', shape: [-1] },
        { name: 'b', datatype: 'FP32', shape: [-1] },
      ],
      [{ name: 'y', datatype: 'FP32', shape: [-1] }],
    );
    const body = { inputs: [{ name: 'a', datatype: 'FP32', shape: [2], data: [1, 2] }, { name: 'b', datatype: 'FP32', shape: [1], data: [1] }] };
    assert.throws(() => bind(body, two), /disagree on the batch dimension: 'a' has 2, 'b' has 1/);
  });
});
