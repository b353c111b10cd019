// The Open Inference Protocol datatypes the runtime accepts, and how each maps
// to an onnxruntime tensor type and a typed array. One table, so the codecs,
// validation, workers and metadata can never disagree about a datatype.

export type Datatype =
  | 'BOOL'
  | 'UINT8'
  | 'UINT16'
  | 'UINT32'
  | 'UINT64'
  | 'INT8'
  | 'INT16'
  | 'INT32'
  | 'INT64'
  | 'FP16'
  | 'FP32'
  | 'FP64'
  | 'BYTES';

export type OrtType =
  | 'bool'
  | 'uint8'
  | 'uint16'
  | 'uint32'
  | 'uint64'
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'float16'
  | 'float32'
  | 'float64'
  | 'string';

export type NumericArray =
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigUint64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Float16Array
  | Float32Array
  | Float64Array;

/** Tensor elements: a typed array for numeric and BOOL tensors, strings for BYTES. */
export type TensorData = NumericArray | string[];

type ArrayCtor = { new (length: number): NumericArray; new (buffer: ArrayBuffer, byteOffset?: number, length?: number): NumericArray; readonly BYTES_PER_ELEMENT: number };

export interface DatatypeInfo {
  readonly datatype: Datatype;
  readonly ort: OrtType;
  /** Undefined for BYTES (variable-length elements). */
  readonly array: ArrayCtor | undefined;
  readonly bytesPerElement: number;
  /** How a JSON element is checked and converted; see protocol/v2-json.ts. */
  readonly kind: 'float' | 'int' | 'bigint' | 'bool' | 'bytes';
  /** Inclusive bounds for 'int' kinds (others: unused). */
  readonly min: number;
  readonly max: number;
}

function info(datatype: Datatype, ort: OrtType, array: ArrayCtor | undefined, kind: DatatypeInfo['kind'], min = 0, max = 0): DatatypeInfo {
  return Object.freeze({ datatype, ort, array, bytesPerElement: array?.BYTES_PER_ELEMENT ?? 0, kind, min, max });
}

export const DATATYPES: Readonly<Record<Datatype, DatatypeInfo>> = Object.freeze({
  BOOL: info('BOOL', 'bool', Uint8Array, 'bool'),
  UINT8: info('UINT8', 'uint8', Uint8Array, 'int', 0, 0xff),
  UINT16: info('UINT16', 'uint16', Uint16Array, 'int', 0, 0xffff),
  UINT32: info('UINT32', 'uint32', Uint32Array, 'int', 0, 0xffffffff),
  UINT64: info('UINT64', 'uint64', BigUint64Array as unknown as ArrayCtor, 'bigint', 0, Number.MAX_SAFE_INTEGER),
  INT8: info('INT8', 'int8', Int8Array, 'int', -0x80, 0x7f),
  INT16: info('INT16', 'int16', Int16Array, 'int', -0x8000, 0x7fff),
  INT32: info('INT32', 'int32', Int32Array, 'int', -0x80000000, 0x7fffffff),
  INT64: info('INT64', 'int64', BigInt64Array as unknown as ArrayCtor, 'bigint', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
  FP16: info('FP16', 'float16', Float16Array, 'float'),
  FP32: info('FP32', 'float32', Float32Array, 'float'),
  FP64: info('FP64', 'float64', Float64Array, 'float'),
  BYTES: info('BYTES', 'string', undefined, 'bytes'),
});

const BY_ORT: ReadonlyMap<string, DatatypeInfo> = new Map(Object.values(DATATYPES).map((d) => [d.ort, d]));

export function isDatatype(value: unknown): value is Datatype {
  return typeof value === 'string' && Object.hasOwn(DATATYPES, value);
}

/** The protocol datatype of an onnxruntime tensor type, or undefined when the protocol has none (uint4, int4). */
export function datatypeOfOrt(ort: string): Datatype | undefined {
  return BY_ORT.get(ort)?.datatype;
}

/** Allocates a zeroed tensor buffer; BYTES gets empty strings. */
export function allocate(datatype: Datatype, length: number): TensorData {
  const ctor = DATATYPES[datatype].array;
  return ctor ? new ctor(length) : new Array<string>(length).fill('');
}

export function isNumericArray(data: TensorData): data is NumericArray {
  return !Array.isArray(data);
}
