// Checks every committed example model against its committed reference
// outputs (computed by Python onnxruntime in examples/models/generate.py),
// by running the model with onnxruntime-node in-process. A model that fails
// to load in the runtime's onnxruntime, or that computes something else than
// the generator saw, fails here before any server is involved.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';

const MODELS_DIR = fileURLToPath(new URL('../../examples/models/', import.meta.url));

interface V2Tensor {
  name: string;
  datatype: string;
  shape: number[];
  data: Array<number | boolean | string>;
}
interface Reference {
  inputs: V2Tensor[];
  outputs: V2Tensor[];
}

// KServe v2 datatype -> onnxruntime tensor type. Tests only: the runtime's
// own codec lives in runtime/src/protocol and has its own tests.
const ORT_TYPES: Record<string, ort.Tensor.Type> = {
  BOOL: 'bool',
  UINT8: 'uint8',
  UINT16: 'uint16',
  UINT32: 'uint32',
  UINT64: 'uint64',
  INT8: 'int8',
  INT16: 'int16',
  INT32: 'int32',
  INT64: 'int64',
  FP16: 'float16',
  FP32: 'float32',
  FP64: 'float64',
  BYTES: 'string',
};

function toOrt(t: V2Tensor): ort.Tensor {
  const type = ORT_TYPES[t.datatype];
  assert.ok(type, `unknown datatype ${t.datatype}`);
  const d = t.data;
  switch (type) {
    case 'bool':
      return new ort.Tensor('bool', Uint8Array.from(d, (v) => (v ? 1 : 0)), t.shape);
    case 'string':
      return new ort.Tensor('string', d.map(String), t.shape);
    case 'int64':
      return new ort.Tensor('int64', BigInt64Array.from(d, (v) => BigInt(v as number)), t.shape);
    case 'uint64':
      return new ort.Tensor('uint64', BigUint64Array.from(d, (v) => BigInt(v as number)), t.shape);
    case 'float16': {
      // onnxruntime-node 1.30 on Node >= 23 cannot take float16 inputs the
      // documented way: onnxruntime-common turns the data into a Float16Array,
      // whose byte length the native binding reads as 0 ("not enough space",
      // microsoft/onnxruntime#26791, fix pending in #32323). The binding does
      // accept the raw bits in a Uint16Array, so build a uint16 tensor and
      // relabel it.
      const bits = new Uint16Array(Float16Array.from(d as number[]).buffer);
      const tensor = new ort.Tensor('uint16', bits, t.shape);
      Object.defineProperty(tensor, 'type', { value: 'float16' });
      return tensor as ort.Tensor;
    }
    default:
      return new ort.Tensor(type as 'float32', d as number[], t.shape);
  }
}

function fromOrt(t: ort.Tensor): Array<number | boolean | string> {
  let data = t.data as ArrayLike<number | bigint | string | boolean>;
  if (t.type === 'float16' && data instanceof Uint16Array) data = new Float16Array(data.buffer, data.byteOffset, data.length);
  return Array.from(data, (v) => {
    if (typeof v === 'bigint') return Number(v);
    if (t.type === 'bool') return Boolean(v);
    return v as number | string;
  });
}

// Reference outputs come from onnxruntime on another platform build (Python
// wheel vs Node binding): float kernels may differ in the last bits.
function assertClose(actual: number[], expected: number[], what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    const tolerance = 1e-5 + 1e-4 * Math.abs(e);
    assert.ok(Math.abs(a - e) <= tolerance, `${what}[${i}]: got ${a}, expected ${e}`);
  }
}

function references(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.reference.json'))
    .sort();
}

async function load(modelFile: string): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(path.join(MODELS_DIR, modelFile), {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
  });
}

function signature(values: readonly ort.InferenceSession.ValueMetadata[]): Record<string, unknown> {
  return Object.fromEntries(
    values.map((v) => [v.name, v.isTensor ? { type: v.type, shape: v.shape.map((d) => (typeof d === 'number' ? d : -1)) } : 'non-tensor']),
  );
}

describe('example models match their committed references', () => {
  const files = references(MODELS_DIR);

  it('has a reference for every model and a model for every reference', () => {
    const models = readdirSync(MODELS_DIR, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.onnx'))
      .sort();
    assert.deepEqual(
      models,
      files.map((f) => f.replace(/\.reference\.json$/, '.onnx')),
    );
    // The runtime, operator examples and benchmark name these files.
    for (const required of ['iris.onnx', 'iris-v2.onnx', 'mnist-mlp.onnx']) assert.ok(models.includes(required), required);
    for (const datatype of Object.keys(ORT_TYPES)) {
      assert.ok(models.includes(path.join('dtypes', `identity_${datatype.toLowerCase()}.onnx`)), datatype);
    }
  });

  for (const file of files) {
    it(file, async () => {
      const ref = JSON.parse(readFileSync(path.join(MODELS_DIR, file), 'utf8')) as Reference;
      const session = await load(file.replace(/\.reference\.json$/, '.onnx'));
      try {
        const feeds = Object.fromEntries(ref.inputs.map((t) => [t.name, toOrt(t)]));
        const results = await session.run(feeds);
        for (const expected of ref.outputs) {
          const got = results[expected.name];
          assert.ok(got, `missing output ${expected.name}`);
          assert.equal(got.type, ORT_TYPES[expected.datatype], `${expected.name}: type`);
          assert.deepEqual(got.dims, expected.shape, `${expected.name}: shape`);
          const data = fromOrt(got);
          if (expected.datatype === 'FP32' || expected.datatype === 'FP64') {
            assertClose(data as number[], expected.data as number[], expected.name);
          } else {
            assert.deepEqual(data, expected.data, expected.name);
          }
        }
      } finally {
        await session.release();
      }
    });
  }
});

describe('example model signatures', () => {
  it('iris and iris-v2 share input [-1,4] -> label [-1], probabilities [-1,3]', async () => {
    for (const file of ['iris.onnx', 'iris-v2.onnx']) {
      const session = await load(file);
      assert.deepEqual(signature(session.inputMetadata), { input: { type: 'float32', shape: [-1, 4] } }, file);
      assert.deepEqual(
        signature(session.outputMetadata),
        { label: { type: 'int64', shape: [-1] }, probabilities: { type: 'float32', shape: [-1, 3] } },
        file,
      );
      await session.release();
    }
  });

  it('mnist-mlp is input [-1,784] -> logits [-1,10] and batches row-independently', async () => {
    const session = await load('mnist-mlp.onnx');
    assert.deepEqual(signature(session.inputMetadata), { input: { type: 'float32', shape: [-1, 784] } });
    assert.deepEqual(signature(session.outputMetadata), { logits: { type: 'float32', shape: [-1, 10] } });
    const ref = JSON.parse(readFileSync(path.join(MODELS_DIR, 'mnist-mlp.reference.json'), 'utf8')) as Reference;
    const input = ref.inputs[0]!;
    const logits = ref.outputs[0]!.data as number[];
    // Each row alone (batch 1) must give that row's slice of the batched
    // reference: what the runtime's dynamic batcher relies on.
    for (let row = 0; row < input.shape[0]!; row++) {
      const one = new ort.Tensor('float32', Float32Array.from(input.data.slice(row * 784, (row + 1) * 784) as number[]), [1, 784]);
      const out = (await session.run({ input: one })).logits!;
      assert.deepEqual(out.dims, [1, 10]);
      assertClose(Array.from(out.data as Float32Array), logits.slice(row * 10, (row + 1) * 10), `row ${row}`);
    }
    await session.release();
  });

  it('iris probabilities are a distribution whose arg-max is the label', () => {
    for (const file of ['iris.reference.json', 'iris-v2.reference.json']) {
      const ref = JSON.parse(readFileSync(path.join(MODELS_DIR, file), 'utf8')) as Reference;
      const labels = ref.outputs.find((t) => t.name === 'label')!.data as number[];
      const probs = ref.outputs.find((t) => t.name === 'probabilities')!.data as number[];
      labels.forEach((label, row) => {
        const p = probs.slice(row * 3, row * 3 + 3);
        assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-5, `${file} row ${row} sums to 1`);
        assert.equal(p.indexOf(Math.max(...p)), label, `${file} row ${row}`);
      });
    }
  });
});
