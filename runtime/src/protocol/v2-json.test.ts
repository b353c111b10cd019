import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidInputError, RejectedInputError } from '../errors.ts';
import { DATATYPES, type Datatype } from './datatypes.ts';
import { decodeJsonData, encodeInferResponse, encodeJsonData, parseInferEnvelope } from './v2-json.ts';

/** Sample JSON elements per datatype, including each type's extremes. */
const SAMPLES: Record<Datatype, unknown[]> = {
  BOOL: [true, false, false, true],
  UINT8: [0, 1, 254, 255],
  UINT16: [0, 7, 65534, 65535],
  UINT32: [0, 9, 4294967294, 4294967295],
  UINT64: [0, 1, 2 ** 40, Number.MAX_SAFE_INTEGER],
  INT8: [-128, -1, 0, 127],
  INT16: [-32768, -2, 3, 32767],
  INT32: [-2147483648, -5, 6, 2147483647],
  INT64: [Number.MIN_SAFE_INTEGER, -1, 2 ** 40, Number.MAX_SAFE_INTEGER],
  FP16: [0, -1.5, 65504, 0.25],
  FP32: [0, -1.5, 3.5, 2 ** 100],
  FP64: [0, -1.5, 0.1, 1e300],
  BYTES: ['', 'a', 'héllo', 'x'.repeat(100)],
};

describe('v2 JSON tensor data', () => {
  for (const [datatype, values] of Object.entries(SAMPLES) as [Datatype, unknown[]][]) {
    it(`round-trips ${datatype}, flat and nested`, () => {
      const flat = decodeJsonData(values, datatype, [2, 2], 4, 'x');
      const nested = decodeJsonData([values.slice(0, 2), values.slice(2)], datatype, [2, 2], 4, 'x');
      assert.deepEqual(nested, flat);
      const ctor = DATATYPES[datatype].array;
      if (ctor) assert.ok(flat instanceof ctor, `${datatype} decodes to ${ctor.name}`);
      assert.deepEqual(JSON.parse(encodeJsonData(datatype, flat)), values);
    });
  }

  it('rounds FP16 to the nearest half-precision value', () => {
    const data = decodeJsonData([0.1], 'FP16', [1], 1, 'x');
    assert.equal((data as Float16Array)[0], Math.f16round(0.1));
  });

  it('names the input, element and expectation on a wrong element', () => {
    assert.throws(() => decodeJsonData([1, 'a', 3], 'FP32', [3], 3, 'x'), /input 'x': element 1 is "a", expected a number for FP32/);
    assert.throws(() => decodeJsonData([1, 256], 'UINT8', [2], 2, 'x'), /element 1 is 256, expected an integer in \[0, 255\]/);
    assert.throws(() => decodeJsonData([1.5], 'INT32', [1], 1, 'x'), /expected an integer/);
    assert.throws(() => decodeJsonData([1], 'BOOL', [1], 1, 'x'), /expected a boolean/);
    assert.throws(() => decodeJsonData([1], 'BYTES', [1], 1, 'x'), /expected a string/);
    assert.throws(() => decodeJsonData([null], 'FP64', [1], 1, 'x'), /element 0 is null/);
    assert.throws(() => decodeJsonData([2 ** 60], 'INT64', [1], 1, 'x'), /expected an integer/);
  });

  it('refuses a number that overflows its float datatype, keeping the largest finite ones', () => {
    const overflow = (values: unknown[], datatype: 'FP16' | 'FP32' | 'FP64') => () => decodeJsonData(values, datatype, [values.length], values.length, 'x');
    assert.throws(overflow([1, 70000], 'FP16'), (e: unknown) => e instanceof RejectedInputError && e.reason === 'overflow' && /element 1 is 70000, which overflows FP16/.test(e.message));
    assert.throws(overflow([1e39], 'FP32'), /element 0 is 1e\+39, which overflows FP32/);
    assert.throws(overflow([Infinity], 'FP64'), (e: unknown) => e instanceof RejectedInputError && e.reason === 'non_finite');
    assert.deepEqual(decodeJsonData([65504], 'FP16', [1], 1, 'x'), new Float16Array([65504]));
    assert.deepEqual(decodeJsonData([3.4028234663852886e38], 'FP32', [1], 1, 'x'), new Float32Array([3.4028234663852886e38]));
    assert.deepEqual(decodeJsonData([1e300], 'FP64', [1], 1, 'x'), new Float64Array([1e300]));
  });

  it('counts an out-of-bounds integer as overflow, a fraction as a plain error', () => {
    assert.throws(() => decodeJsonData([-129], 'INT8', [1], 1, 'x'), (e: unknown) => e instanceof RejectedInputError && e.reason === 'overflow');
    assert.throws(() => decodeJsonData([1.5], 'INT8', [1], 1, 'x'), (e: unknown) => e instanceof InvalidInputError && !(e instanceof RejectedInputError));
  });

  it('refuses data whose length or nesting does not match the shape', () => {
    assert.throws(() => decodeJsonData([1, 2, 3], 'FP32', [2, 2], 4, 'x'), InvalidInputError);
    assert.throws(() => decodeJsonData([1, 2, 3, 4, 5], 'FP32', [4], 4, 'x'), /data has 5 elements, shape \[4\] needs 4/);
    assert.throws(() => decodeJsonData([[1, 2], [3]], 'FP32', [2, 2], 4, 'x'), /nested data has 1 entries at dimension 1/);
    assert.throws(() => decodeJsonData([[1, 2], 3], 'FP32', [2, 2], 4, 'x'), /not an array at dimension 1/);
    assert.throws(() => decodeJsonData([[[1], [2]], [[3], [4]]], 'FP32', [2, 2], 4, 'x'), /element 0 is an array/);
  });

  it('accepts empty tensors and scalars', () => {
    assert.equal(decodeJsonData([], 'FP32', [0, 4], 0, 'x').length, 0);
    assert.deepEqual(decodeJsonData([7], 'INT32', [], 1, 'x'), new Int32Array([7]));
  });
});

describe('v2 JSON envelope', () => {
  const input = { name: 'x', datatype: 'FP32', shape: [1, 2], data: [1, 2] };

  it('parses inputs, outputs and binary flags', () => {
    const raw = parseInferEnvelope({
      id: 'r1',
      inputs: [input, { name: 'b', datatype: 'INT8', shape: [2], parameters: { binary_data_size: 2 } }],
      outputs: [{ name: 'y', parameters: { binary_data: true } }, { name: 'z' }],
      parameters: { binary_data_output: false },
    });
    assert.equal(raw.id, 'r1');
    assert.deepEqual(raw.inputs[0], { name: 'x', datatype: 'FP32', shape: [1, 2], data: [1, 2], binaryDataSize: undefined });
    assert.equal(raw.inputs[1]?.binaryDataSize, 2);
    assert.deepEqual(raw.outputs, [
      { name: 'y', binary: true },
      { name: 'z', binary: undefined },
    ]);
  });

  const bad: [string, unknown, RegExp][] = [
    ['an array body', [], /JSON object/],
    ['null', null, /JSON object/],
    ['no inputs', {}, /'inputs' must be an array/],
    ['a numeric id', { id: 3, inputs: [input] }, /'id' must be a string/],
    ['an input without a name', { inputs: [{ ...input, name: '' }] }, /'name' must be a non-empty string/],
    ['an unknown datatype', { inputs: [{ ...input, datatype: 'FP8' }] }, /unsupported datatype "FP8"/],
    ['a negative dimension', { inputs: [{ ...input, shape: [-1, 2] }] }, /non-negative integers/],
    ['a fractional dimension', { inputs: [{ ...input, shape: [1.5] }] }, /non-negative integers/],
    ['a string shape', { inputs: [{ ...input, shape: '1,2' }] }, /must be an array/],
    ['too many dimensions', { inputs: [{ ...input, shape: new Array(17).fill(1) }] }, /17 dimensions/],
    ['missing data', { inputs: [{ name: 'x', datatype: 'FP32', shape: [1] }] }, /'data' is missing/],
    ['data and binary', { inputs: [{ ...input, parameters: { binary_data_size: 8 } }] }, /both 'data' and 'binary_data_size'/],
    ['a negative binary size', { inputs: [{ name: 'x', datatype: 'FP32', shape: [1], parameters: { binary_data_size: -4 } }] }, /binary_data_size/],
    ['outputs not an array', { inputs: [input], outputs: {} }, /'outputs' must be an array/],
    ['a non-boolean binary_data', { inputs: [input], outputs: [{ name: 'y', parameters: { binary_data: 'yes' } }] }, /must be a boolean/],
    ['non-object parameters', { inputs: [input], parameters: [] }, /'parameters' must be an object/],
  ];
  for (const [what, body, message] of bad) {
    it(`refuses ${what}`, () => assert.throws(() => parseInferEnvelope(body), message));
  }

  it('accepts an empty inputs list (a model with no inputs); binding names what a model with inputs misses', () => {
    assert.deepEqual(parseInferEnvelope({ inputs: [] }).inputs, []);
  });
});

describe('v2 JSON responses', () => {
  it('encodes outputs as valid JSON, non-finite floats as null', () => {
    const text = encodeInferResponse('m', '2', 'id-1', [
      { tensor: { name: 'p', datatype: 'FP32', shape: [3], data: new Float32Array([0.5, Number.NaN, Number.POSITIVE_INFINITY]) }, binary: undefined },
      { tensor: { name: 'l', datatype: 'INT64', shape: [1], data: new BigInt64Array([-7n]) }, binary: undefined },
      { tensor: { name: 'b', datatype: 'BOOL', shape: [2], data: new Uint8Array([1, 0]) }, binary: new Uint8Array([1, 0]) },
    ]);
    assert.deepEqual(JSON.parse(text), {
      model_name: 'm',
      model_version: '2',
      id: 'id-1',
      outputs: [
        { name: 'p', datatype: 'FP32', shape: [3], data: [0.5, null, null] },
        { name: 'l', datatype: 'INT64', shape: [1], data: [-7] },
        { name: 'b', datatype: 'BOOL', shape: [2], parameters: { binary_data_size: 2 } },
      ],
    });
  });
});
