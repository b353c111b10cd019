import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeBinaryData, encodeBinaryData, splitBinaryBody } from './binary.ts';
import { DATATYPES, type Datatype } from './datatypes.ts';
import { decodeJsonData } from './v2-json.ts';

const NUMERIC: [Datatype, unknown[]][] = [
  ['BOOL', [true, false, true]],
  ['UINT8', [0, 200, 255]],
  ['UINT16', [1, 600, 65535]],
  ['UINT32', [1, 70000, 4294967295]],
  ['UINT64', [1, 2 ** 33, 3]],
  ['INT8', [-128, 0, 127]],
  ['INT16', [-300, 0, 300]],
  ['INT32', [-70000, 0, 70000]],
  ['INT64', [-(2 ** 40), 0, 2 ** 40]],
  ['FP16', [-2, 0.5, 1024]],
  ['FP32', [-2.5, 0, 1e20]],
  ['FP64', [-2.5, 0.1, 1e200]],
];

describe('binary tensor data', () => {
  for (const [datatype, values] of NUMERIC) {
    it(`round-trips ${datatype} in little-endian wire bytes`, () => {
      const data = decodeJsonData(values, datatype, [3], 3, 'x');
      const bytes = encodeBinaryData(data);
      assert.equal(bytes.byteLength, 3 * DATATYPES[datatype].bytesPerElement);
      // Decode from an odd offset inside a larger buffer: the decoder must copy into an aligned array.
      const padded = new Uint8Array(bytes.byteLength + 1);
      padded.set(bytes, 1);
      assert.deepEqual(decodeBinaryData(padded.subarray(1), datatype, 3, 'x'), data);
    });
  }

  it('writes FP32 as IEEE little-endian', () => {
    const bytes = encodeBinaryData(new Float32Array([1]));
    assert.deepEqual([...bytes], [0, 0, 0x80, 0x3f]);
  });

  it('round-trips BYTES as length-prefixed UTF-8', () => {
    const strings = ['', 'abc', 'héllo wörld', '🙂'];
    const bytes = encodeBinaryData(strings);
    assert.equal(Buffer.from(bytes).readUInt32LE(0), 0);
    assert.equal(Buffer.from(bytes).readUInt32LE(4), 3);
    assert.deepEqual(decodeBinaryData(bytes, 'BYTES', 4, 'x'), strings);
  });

  it('refuses sizes that disagree with the shape', () => {
    assert.throws(() => decodeBinaryData(new Uint8Array(7), 'FP32', 2, 'x'), /binary data is 7 bytes, 2 FP32 elements need 8/);
    assert.throws(() => decodeBinaryData(new Uint8Array([5, 0, 0, 0, 1]), 'BYTES', 1, 'x'), /claims 5 bytes past the end/);
    assert.throws(() => decodeBinaryData(new Uint8Array([1, 0, 0]), 'BYTES', 1, 'x'), /ends before element 0/);
    assert.throws(() => decodeBinaryData(new Uint8Array([0, 0, 0, 0, 9]), 'BYTES', 1, 'x'), /1 bytes left over/);
  });

  it('splits a body at Inference-Header-Content-Length and refuses lies', () => {
    const body = Buffer.from('{"a":1}\u0001\u0002');
    const { json, binary } = splitBinaryBody(body, '7');
    assert.equal(json.toString(), '{"a":1}');
    assert.deepEqual([...binary], [1, 2]);
    assert.throws(() => splitBinaryBody(body, '10'), /only 9 bytes/);
    assert.throws(() => splitBinaryBody(body, '-1'), /non-negative integer/);
    assert.throws(() => splitBinaryBody(body, '1e3'), /non-negative integer/);
    assert.throws(() => splitBinaryBody(body, '99999999999999999999'), /non-negative integer/);
  });
});
