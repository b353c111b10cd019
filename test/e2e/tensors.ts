// Request bodies for the end-to-end load: a KServe v2 request with the
// tensor as raw bytes (binary data extension), so that the runtime's work per
// request is inference rather than JSON parsing, and queueing happens where
// the autoscaler looks for it: in front of the model.
import type { RawBody } from '../localcluster/http.ts';

export function binaryFp32Request(input: string, rows: number, width: number, seed = 1): RawBody {
  const data = new Float32Array(rows * width);
  let x = seed;
  for (let i = 0; i < data.length; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    data[i] = x / 2147483648;
  }
  const header = Buffer.from(JSON.stringify({
    inputs: [{ name: input, datatype: 'FP32', shape: [rows, width], parameters: { binary_data_size: data.byteLength } }],
  }));
  return {
    raw: Buffer.concat([header, Buffer.from(data.buffer)]),
    headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(header.length) },
  };
}
