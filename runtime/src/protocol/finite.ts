// The one place that decides which tensor values are refused before a model
// sees them: NaN, +-Inf and numbers the declared datatype cannot hold. A
// float model answers such inputs with NaN probabilities and a confident
// label (issue 11), so they are a client error, whatever path the tensor came
// by: JSON (checked while copying, see v2-json.ts), the binary extension or
// gRPC raw bytes (scanned here after decoding).
import { RejectedInputError } from '../errors.ts';
import { DATATYPES, type Datatype, type TensorData } from './datatypes.ts';

function shown(value: unknown): string {
  return typeof value === 'number' || typeof value === 'bigint' ? String(value) : JSON.stringify(value)?.slice(0, 32) ?? String(value);
}

/**
 * The error for element `index` of input `name`: `original` is the value as
 * sent; a finite original that stored as +-Inf overflowed the datatype.
 */
export function refusedFloat(name: string, datatype: Datatype, index: number, original: number): RejectedInputError {
  if (Number.isFinite(original)) {
    return new RejectedInputError('overflow', `input '${name}': element ${index} is ${shown(original)}, which overflows ${datatype}; non-finite values are refused`);
  }
  return new RejectedInputError('non_finite', `input '${name}': element ${index} is ${shown(original)}; non-finite values (NaN, Infinity) are refused`);
}

/** An integer element outside its datatype's bounds. */
export function refusedInteger(name: string, datatype: Datatype, index: number, value: number | bigint): RejectedInputError {
  const { min, max } = DATATYPES[datatype];
  return new RejectedInputError('overflow', `input '${name}': element ${index} is ${shown(value)}, expected an integer in [${min}, ${max}] for ${datatype}`);
}

/**
 * Scans decoded float data (binary extension, gRPC raw bytes) for NaN and
 * +-Inf; other datatypes cannot hold them, and their bytes always fit.
 */
export function checkFinite(name: string, datatype: Datatype, data: TensorData): void {
  if (DATATYPES[datatype].kind !== 'float') return;
  const values = data as Float32Array;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    // v - v is NaN exactly for NaN and +-Inf: one subtraction, no call.
    if (v - v !== 0) throw refusedFloat(name, datatype, i, v);
  }
}
