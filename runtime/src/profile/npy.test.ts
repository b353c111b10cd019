import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NpyError, parseNpy } from './npy.ts';

function npy(header: string, data: Uint8Array, version = 1): Uint8Array {
  const padded = header + ' '.repeat(63 - ((12 + header.length) % 64)) + '\n';
  const head = version === 1 ? new Uint8Array(10) : new Uint8Array(12);
  head.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(head.buffer);
  if (version === 1) view.setUint16(8, padded.length, true);
  else view.setUint32(8, padded.length, true);
  return new Uint8Array([...head, ...new TextEncoder().encode(padded), ...data]);
}

describe('.npy reader', () => {
  it('reads C-order arrays of each supported dtype, versions 1 and 2', () => {
    const f4 = new Uint8Array(new Float32Array([1.5, -2, 3, 4]).buffer);
    assert.deepEqual(parseNpy(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", f4)), { shape: [2, 2], data: Float64Array.from([1.5, -2, 3, 4]), descr: '<f4' });
    const i8 = new Uint8Array(new BigInt64Array([-3n, 9n]).buffer);
    assert.deepEqual([...parseNpy(npy("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", i8, 2)).data], [-3, 9]);
    assert.deepEqual([...parseNpy(npy("{'descr': '|u1', 'fortran_order': False, 'shape': (3,), }", new Uint8Array([0, 7, 255]))).data], [0, 7, 255]);
  });

  it('refuses what it cannot read faithfully, saying why', () => {
    const data = new Uint8Array(16);
    assert.throws(() => parseNpy(npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", data)), /Fortran order/);
    assert.throws(() => parseNpy(npy("{'descr': '>f4', 'fortran_order': False, 'shape': (2, 2), }", data)), /dtype '>f4' is not supported/);
    assert.throws(() => parseNpy(npy("{'descr': '|O', 'fortran_order': False, 'shape': (2,), }", data)), /dtype '\|O'/);
    assert.throws(() => parseNpy(npy("{'descr': '<f8', 'fortran_order': False, 'shape': (4, 4), }", data)), /truncated: shape \(4, 4\) needs 128 bytes, the file has 16/);
    assert.throws(() => parseNpy(new TextEncoder().encode('a,b\n1,2\n')), (e: unknown) => e instanceof NpyError && /not a \.npy file/.test(e.message));
  });
});
