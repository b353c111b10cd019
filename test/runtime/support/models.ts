// Test models built on the fly (see onnx-builder.ts): an Identity per
// protocol datatype, a batchable FP32 pass-through, and a deliberately slow
// graph that keeps a worker busy for tens of milliseconds.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ELEM, writeModel, type Initializer, type Node, type ValueInfo } from './onnx-builder.ts';

export function tempDir(prefix = 'modelship-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Protocol datatype -> ONNX element type, for the all-datatypes model. */
export const DATATYPE_ELEMS = {
  BOOL: ELEM.BOOL, UINT8: ELEM.UINT8, UINT16: ELEM.UINT16, UINT32: ELEM.UINT32, UINT64: ELEM.UINT64,
  INT8: ELEM.INT8, INT16: ELEM.INT16, INT32: ELEM.INT32, INT64: ELEM.INT64,
  FP16: ELEM.FLOAT16, FP32: ELEM.FLOAT, FP64: ELEM.DOUBLE, BYTES: ELEM.STRING,
} as const;

/**
 * One input `in_<DT>` [batch, 2] and one output `out_<DT>` per datatype
 * (Identity), plus `fp16_as_fp32` = Cast(in_FP16) and `not_bool` = Not(in_BOOL),
 * so FP16 and BOOL are computed on, not only echoed.
 */
export function allDatatypesModel(dir: string): string {
  const inputs: ValueInfo[] = [];
  const outputs: ValueInfo[] = [];
  const nodes = [];
  for (const [dt, elem] of Object.entries(DATATYPE_ELEMS)) {
    inputs.push({ name: `in_${dt}`, elem, shape: ['batch', 2] });
    outputs.push({ name: `out_${dt}`, elem, shape: ['batch', 2] });
    nodes.push({ op: 'Identity', inputs: [`in_${dt}`], outputs: [`out_${dt}`] });
  }
  nodes.push({ op: 'Cast', inputs: ['in_FP16'], outputs: ['fp16_as_fp32'], attributes: [{ name: 'to', int: ELEM.FLOAT }] });
  outputs.push({ name: 'fp16_as_fp32', elem: ELEM.FLOAT, shape: ['batch', 2] });
  nodes.push({ op: 'Not', inputs: ['in_BOOL'], outputs: ['not_bool'] });
  outputs.push({ name: 'not_bool', elem: ELEM.BOOL, shape: ['batch', 2] });
  return writeModel(join(dir, 'all-datatypes.onnx'), { inputs, outputs, nodes });
}

/**
 * A fixed cost per run, like a real model's: the mean of `input` (FP32) is
 * spread over a [rows, 256] matrix that goes through four 256x256 MatMuls and
 * is averaged back to a scalar, times zero, in `out`. Depending on the input
 * keeps onnxruntime from folding it away. While one run takes this time,
 * concurrent requests queue, so tests of batching see batches form on any
 * machine instead of only under load.
 */
function fixedCost(input: string, out: string, rows: number): { nodes: Node[]; initializers: Initializer[] } {
  const n = 256;
  const eye = new Float32Array(n * n);
  for (let i = 0; i < n; i++) eye[i * n + i] = 1;
  const nodes: Node[] = [
    { op: 'ReduceMean', inputs: [input], outputs: ['cost_mean'], attributes: [{ name: 'keepdims', int: 0 }] },
    { op: 'Expand', inputs: ['cost_mean', 'cost_shape'], outputs: ['cost_h0'] },
  ];
  for (let i = 0; i < 4; i++) nodes.push({ op: 'MatMul', inputs: [`cost_h${i}`, 'cost_w'], outputs: [`cost_h${i + 1}`] });
  nodes.push({ op: 'ReduceMean', inputs: ['cost_h4'], outputs: ['cost_total'], attributes: [{ name: 'keepdims', int: 0 }] });
  nodes.push({ op: 'Mul', inputs: ['cost_total', 'cost_zero'], outputs: [out] });
  return {
    nodes,
    initializers: [
      { name: 'cost_shape', elem: ELEM.INT64, dims: [2], raw: new Uint8Array(new BigInt64Array([BigInt(rows), BigInt(n)]).buffer) },
      { name: 'cost_w', elem: ELEM.FLOAT, dims: [n, n], raw: new Uint8Array(eye.buffer) },
      { name: 'cost_zero', elem: ELEM.FLOAT, dims: [], raw: new Uint8Array(new Float32Array([0]).buffer) },
    ],
  };
}

/**
 * `x` FP32 [batch, ...dims] -> `y` = x * 2 (so a wrong split or a mix-up shows
 * in the values). `costRows` > 0 adds a fixed cost per run (see fixedCost).
 */
export function doubleModel(dir: string, dims: readonly (number | string)[] = [4], costRows = 0): string {
  const two = new Uint8Array(new Float32Array([2]).buffer);
  const cost = costRows > 0 ? fixedCost('x', 'zero', costRows) : undefined;
  return writeModel(join(dir, 'double.onnx'), {
    inputs: [{ name: 'x', elem: ELEM.FLOAT, shape: ['batch', ...dims] }],
    outputs: [{ name: 'y', elem: ELEM.FLOAT, shape: ['batch', ...dims] }],
    initializers: [{ name: 'two', elem: ELEM.FLOAT, dims: [], raw: two }, ...(cost?.initializers ?? [])],
    nodes: cost
      ? [{ op: 'Mul', inputs: ['x', 'two'], outputs: ['doubled'] }, ...cost.nodes, { op: 'Add', inputs: ['doubled', 'zero'], outputs: ['y'] }]
      : [{ op: 'Mul', inputs: ['x', 'two'], outputs: ['y'] }],
  });
}

/**
 * `x` FP32 [1, 256] -> `y` FP32 [1, 256]: x tiled to [repeats, 256], multiplied
 * by a 256x256 identity `layers` times, averaged back. Slow on purpose.
 */
export function slowModel(dir: string, repeats = 8192, layers = 8): string {
  const n = 256;
  const eye = new Float32Array(n * n);
  for (let i = 0; i < n; i++) eye[i * n + i] = 1;
  const nodes = [{ op: 'Tile', inputs: ['x', 'repeats'], outputs: ['h0'] }];
  for (let i = 0; i < layers; i++) nodes.push({ op: 'MatMul', inputs: [`h${i}`, 'w'], outputs: [`h${i + 1}`] });
  return writeModel(join(dir, 'slow.onnx'), {
    opset: 13,
    inputs: [{ name: 'x', elem: ELEM.FLOAT, shape: [1, n] }],
    outputs: [{ name: 'y', elem: ELEM.FLOAT, shape: [1, n] }],
    initializers: [
      { name: 'repeats', elem: ELEM.INT64, dims: [2], raw: new Uint8Array(new BigInt64Array([BigInt(repeats), 1n]).buffer) },
      { name: 'w', elem: ELEM.FLOAT, dims: [n, n], raw: new Uint8Array(eye.buffer) },
    ],
    nodes: [...nodes, { op: 'ReduceMean', inputs: [`h${layers}`], outputs: ['y'], attributes: [{ name: 'axes', ints: [0] }, { name: 'keepdims', int: 1 }] }],
  });
}

/**
 * `i` INT64 [batch, 1] -> `y` FP32 [batch, 1] = [10, 20, 30, 40][i]: onnxruntime
 * fails a run holding an index outside 0..3. `costRows` > 0 adds a fixed cost per run.
 */
export function lookupModel(dir: string, costRows = 0): string {
  const table: Initializer = { name: 'table', elem: ELEM.FLOAT, dims: [4], raw: new Uint8Array(new Float32Array([10, 20, 30, 40]).buffer) };
  const gather: Node = { op: 'Gather', inputs: ['table', 'i'], outputs: [costRows > 0 ? 'looked_up' : 'y'], attributes: [{ name: 'axis', int: 0 }] };
  const cost = costRows > 0 ? fixedCost('looked_up', 'zero', costRows) : undefined;
  return writeModel(join(dir, 'lookup.onnx'), {
    inputs: [{ name: 'i', elem: ELEM.INT64, shape: ['batch', 1] }],
    outputs: [{ name: 'y', elem: ELEM.FLOAT, shape: ['batch', 1] }],
    initializers: [table, ...(cost?.initializers ?? [])],
    nodes: cost ? [gather, ...cost.nodes, { op: 'Add', inputs: ['looked_up', 'zero'], outputs: ['y'] }] : [gather],
  });
}

/** `i` INT64 [batch, 1] -> `y` FP32 [batch, 1] = -1 for every row: the fallback model of lookupModel. */
export function minusOneModel(dir: string): string {
  return writeModel(join(dir, 'minus-one.onnx'), {
    inputs: [{ name: 'i', elem: ELEM.INT64, shape: ['batch', 1] }],
    outputs: [{ name: 'y', elem: ELEM.FLOAT, shape: ['batch', 1] }],
    initializers: [
      { name: 'zero', elem: ELEM.FLOAT, dims: [], raw: new Uint8Array(new Float32Array([0]).buffer) },
      { name: 'minus_one', elem: ELEM.FLOAT, dims: [], raw: new Uint8Array(new Float32Array([-1]).buffer) },
    ],
    nodes: [
      { op: 'Cast', inputs: ['i'], outputs: ['f'], attributes: [{ name: 'to', int: ELEM.FLOAT }] },
      { op: 'Mul', inputs: ['f', 'zero'], outputs: ['z'] },
      { op: 'Add', inputs: ['z', 'minus_one'], outputs: ['y'] },
    ],
  });
}

/**
 * `x` FP32 [1, 256], `n` UINT8 [len] -> `y` FP32 [1, 256]: x tiled to
 * [len, 256] and multiplied by a 256x256 identity 8 times, so one request's
 * run blocks its worker inside onnxruntime's native code for as long as `len`
 * says (a few seconds at 32768), while the warm-up (len 1) is instant.
 */
export function blockingModel(dir: string): string {
  const n = 256;
  const layers = 8;
  const eye = new Float32Array(n * n);
  for (let i = 0; i < n; i++) eye[i * n + i] = 1;
  const nodes: Node[] = [
    { op: 'Shape', inputs: ['n'], outputs: ['len'] },
    { op: 'Concat', inputs: ['len', 'one'], outputs: ['reps'], attributes: [{ name: 'axis', int: 0 }] },
    { op: 'Tile', inputs: ['x', 'reps'], outputs: ['h0'] },
  ];
  for (let i = 0; i < layers; i++) nodes.push({ op: 'MatMul', inputs: [`h${i}`, 'w'], outputs: [`h${i + 1}`] });
  nodes.push({ op: 'ReduceMean', inputs: [`h${layers}`], outputs: ['y'], attributes: [{ name: 'axes', ints: [0] }, { name: 'keepdims', int: 1 }] });
  return writeModel(join(dir, 'blocking.onnx'), {
    opset: 13,
    inputs: [
      { name: 'x', elem: ELEM.FLOAT, shape: [1, n] },
      { name: 'n', elem: ELEM.UINT8, shape: ['len'] },
    ],
    outputs: [{ name: 'y', elem: ELEM.FLOAT, shape: [1, n] }],
    initializers: [
      { name: 'one', elem: ELEM.INT64, dims: [1], raw: new Uint8Array(new BigInt64Array([1n]).buffer) },
      { name: 'w', elem: ELEM.FLOAT, dims: [n, n], raw: new Uint8Array(eye.buffer) },
    ],
    nodes,
  });
}

/** MNIST-shaped: `x` FP32 [batch, 784] -> `y` FP32 [batch, 1] (the row mean): big requests, small answers, as a classifier's. */
export function mnistShapedModel(dir: string): string {
  return writeModel(join(dir, 'mnist-shaped.onnx'), {
    opset: 13,
    inputs: [{ name: 'x', elem: ELEM.FLOAT, shape: ['batch', 784] }],
    outputs: [{ name: 'y', elem: ELEM.FLOAT, shape: ['batch', 1] }],
    nodes: [{ op: 'ReduceMean', inputs: ['x'], outputs: ['y'], attributes: [{ name: 'axes', ints: [1] }, { name: 'keepdims', int: 1 }] }],
  });
}
