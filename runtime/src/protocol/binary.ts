// The binary tensor data extension of the Open Inference Protocol: a JSON
// header of `Inference-Header-Content-Length` bytes followed by raw tensor
// bytes (little-endian, row-major; BYTES elements as a 4-byte little-endian
// length then the bytes), in the order of the tensors that declare
// `binary_data_size`.
import { InvalidInputError } from '../errors.ts';
import { DATATYPES, isNumericArray, type Datatype, type TensorData } from './datatypes.ts';

export const HEADER_LENGTH_HEADER = 'inference-header-content-length';

/** Splits a request body into its JSON header and binary part, refusing a length that lies. */
export function splitBinaryBody(body: Buffer, headerValue: string): { json: Buffer; binary: Buffer } {
  if (!/^\d{1,15}$/.test(headerValue)) throw new InvalidInputError(`Inference-Header-Content-Length must be a non-negative integer, got ${JSON.stringify(headerValue.slice(0, 32))}`);
  const length = Number(headerValue);
  if (length > body.length) throw new InvalidInputError(`Inference-Header-Content-Length is ${length} but the body has only ${body.length} bytes`);
  return { json: body.subarray(0, length), binary: body.subarray(length) };
}

// Little-endian hosts only (x86-64, arm64): typed arrays then read the wire
// bytes as they are. Checked once so a big-endian port fails loudly.
if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error('the binary tensor extension needs a little-endian host');

const utf8 = new TextDecoder('utf-8');

/**
 * Decodes one tensor's bytes into a freshly allocated typed array (a copy, so
 * it is aligned and owns its buffer, which lets it move to a worker thread).
 */
export function decodeBinaryData(bytes: Uint8Array, datatype: Datatype, count: number, name: string): TensorData {
  const info = DATATYPES[datatype];
  if (info.array) {
    const expected = count * info.bytesPerElement;
    if (bytes.byteLength !== expected) {
      throw new InvalidInputError(`input '${name}': its binary data is ${bytes.byteLength} bytes, ${count} ${datatype} elements need ${expected}`);
    }
    const out = new info.array(count);
    new Uint8Array(out.buffer).set(bytes);
    return out;
  }
  const out = new Array<string>(count);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 0;
  for (let i = 0; i < count; i++) {
    if (offset + 4 > bytes.byteLength) throw new InvalidInputError(`input '${name}': binary BYTES data ends before element ${i} of ${count}`);
    const length = view.getUint32(offset, true);
    offset += 4;
    if (offset + length > bytes.byteLength) throw new InvalidInputError(`input '${name}': BYTES element ${i} claims ${length} bytes past the end of its data`);
    out[i] = utf8.decode(bytes.subarray(offset, offset + length));
    offset += length;
  }
  if (offset !== bytes.byteLength) throw new InvalidInputError(`input '${name}': ${bytes.byteLength - offset} bytes left over after ${count} BYTES elements`);
  return out;
}

/** The wire bytes of a tensor's elements (a view, not a copy, for numeric tensors). */
export function encodeBinaryData(data: TensorData): Uint8Array {
  if (isNumericArray(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const parts = data.map((s) => Buffer.from(s, 'utf8'));
  const out = Buffer.allocUnsafe(parts.reduce((n, p) => n + 4 + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.writeUInt32LE(part.length, offset);
    part.copy(out, offset + 4);
    offset += 4 + part.length;
  }
  return out;
}
