// Reads a NumPy .npy file (format versions 1.0-3.0, documented in numpy's
// `numpy.lib.format`): magic "\x93NUMPY", version, a little-endian header
// length, a Python-literal dict {'descr', 'fortran_order', 'shape'}, then the
// raw C-order data. The npm reader that exists (npyjs) loads through
// cross-fetch and would be the only new dependency of this wave's shared
// node_modules; the part we need is this header, so it is read here, strictly:
// anything unexpected (big-endian, Fortran order, object arrays) is refused.

export class NpyError extends Error {}

export interface NpyArray {
  readonly shape: readonly number[];
  /** Row-major values as doubles (integers beyond 2^53 lose precision, as they would in JSON). */
  readonly data: Float64Array;
  readonly descr: string;
}

type Reader = (view: DataView, offset: number) => number;
const READERS: Readonly<Record<string, { size: number; read: Reader }>> = {
  '|b1': { size: 1, read: (v, o) => v.getUint8(o) },
  '|u1': { size: 1, read: (v, o) => v.getUint8(o) },
  '|i1': { size: 1, read: (v, o) => v.getInt8(o) },
  '<u2': { size: 2, read: (v, o) => v.getUint16(o, true) },
  '<i2': { size: 2, read: (v, o) => v.getInt16(o, true) },
  '<u4': { size: 4, read: (v, o) => v.getUint32(o, true) },
  '<i4': { size: 4, read: (v, o) => v.getInt32(o, true) },
  '<u8': { size: 8, read: (v, o) => Number(v.getBigUint64(o, true)) },
  '<i8': { size: 8, read: (v, o) => Number(v.getBigInt64(o, true)) },
  '<f2': { size: 2, read: (v, o) => v.getFloat16(o, true) },
  '<f4': { size: 4, read: (v, o) => v.getFloat32(o, true) },
  '<f8': { size: 8, read: (v, o) => v.getFloat64(o, true) },
};

function field(header: string, key: string, pattern: string): string {
  const match = new RegExp(`'${key}'\\s*:\\s*${pattern}`).exec(header);
  if (!match) throw new NpyError(`.npy header has no readable '${key}': ${header}`);
  return match[1]!;
}

export function parseNpy(bytes: Uint8Array): NpyArray {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (bytes.length < 10 || magic.some((b, i) => bytes[i] !== b)) throw new NpyError('not a .npy file (no \\x93NUMPY magic)');
  const major = bytes[6]!;
  if (major < 1 || major > 3) throw new NpyError(`.npy format version ${major} is not supported (1 to 3 are)`);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = major === 1 ? 10 : 12;
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(headerStart, headerStart + headerLength));
  const descr = field(header, 'descr', "'([^']+)'");
  if (field(header, 'fortran_order', '(True|False)') === 'True') throw new NpyError('.npy arrays in Fortran order are not supported; save with np.ascontiguousarray');
  const shape = field(header, 'shape', '\\(([^)]*)\\)')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
  // '=' and '<' are the same on every platform the runtime runs on (little-endian).
  const reader = READERS[descr.replace(/^=/, '<')];
  if (!reader) throw new NpyError(`.npy dtype '${descr}' is not supported; use little-endian bool, integer or float`);
  const length = shape.reduce((a, b) => a * b, 1);
  const dataStart = headerStart + headerLength;
  if (bytes.length - dataStart < length * reader.size) throw new NpyError(`.npy data is truncated: shape (${shape.join(', ')}) needs ${length * reader.size} bytes, the file has ${bytes.length - dataStart}`);
  const data = new Float64Array(length);
  for (let i = 0; i < length; i++) data[i] = reader.read(view, dataStart + i * reader.size);
  return { shape, data, descr };
}
