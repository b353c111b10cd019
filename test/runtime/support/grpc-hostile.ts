// Generates malformed and hostile gRPC ModelInfer requests (as bytes) for a
// model with one input `x` FP32 [batch, 4] and one output `y`: random bytes,
// every truncation and seeded bit flips of a valid message, and field-level
// lies (datatypes, huge or deep shapes, raw sizes and counts, typed contents
// in the wrong field, unknown names, oversize). Seeded, so a failure names a
// reproducible case.
import { create, toBinary, type MessageInitShape } from '@bufbuild/protobuf';
import { ModelInferRequestSchema } from '../../../runtime/src/grpc/gen/grpc_predict_v2_pb.ts';
import { random } from './random.ts';

export interface GrpcHostileCase {
  readonly what: string;
  readonly bytes: Uint8Array;
  /** Bit flips may still make a valid request: then OK is an acceptable answer too. */
  readonly mayPass?: boolean;
}

type Init = MessageInitShape<typeof ModelInferRequestSchema>;

const floats = (n: number) => new Uint8Array(new Float32Array(n).fill(1).buffer);
const input = (over: Record<string, unknown> = {}) => ({ name: 'x', datatype: 'FP32', shape: [1n, 4n], ...over });
export const validInit = (): Init => ({ modelName: 'm', id: 'h', inputs: [input()], outputs: [{ name: 'y' }], rawInputContents: [floats(4)] });
const encode = (init: Init): Uint8Array => toBinary(ModelInferRequestSchema, create(ModelInferRequestSchema, init));

export function grpcHostileCases(seed = 7, maxMessageBytes = 1024 * 1024): GrpcHostileCase[] {
  const rnd = random(seed);
  const int = (n: number) => Math.floor(rnd() * n);
  const cases: GrpcHostileCase[] = [];
  const valid = encode(validInit());
  const field = (what: string, over: Partial<Init>) => cases.push({ what, bytes: encode({ ...validInit(), ...over } as Init) });

  for (let i = 1; i < valid.length; i++) cases.push({ what: `truncated at ${i}`, bytes: valid.subarray(0, i), mayPass: true });
  for (let i = 0; i < 320; i++) cases.push({ what: `random bytes #${i}`, bytes: new Uint8Array(1 + int(400)).map(() => int(256)), mayPass: true });
  for (let i = 0; i < 300; i++) {
    const bytes = valid.slice();
    for (let f = 0; f <= int(4); f++) bytes[int(bytes.length)]! ^= 1 << int(8);
    cases.push({ what: `bit flips #${i}`, bytes, mayPass: true });
  }
  // A length prefix claiming far more than the message holds, and a deep nest of empty submessages.
  cases.push({ what: 'length prefix past the end', bytes: new Uint8Array([0x2a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x0a]) });
  cases.push({ what: 'unterminated varint', bytes: new Uint8Array([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]) });

  for (const modelName of ['', 'nope', 'M', 'm ', '../m', 'm'.repeat(5000)]) field(`model name ${JSON.stringify(modelName.slice(0, 20))}`, { modelName });
  field('unknown version', { modelVersion: '9' });
  for (const datatype of ['', 'fp32', 'FP8', 'FP64', 'INT32', 'BYTES', 'BOOL', 'FP16', 'x'.repeat(1000)]) field(`datatype ${datatype.slice(0, 10)}`, { inputs: [input({ datatype })] });
  const shapes: bigint[][] = [[], [4n], [1n, 5n], [-1n, 4n], [1n, -4n], [2n ** 40n, 4n], [2n ** 62n, 2n ** 62n], [2n ** 63n - 1n, 0n], [0n, 4n], [2n, 4n], Array(17).fill(1n), [1n, 4n, 1n]];
  for (const shape of shapes) field(`shape [${shape.join(',').slice(0, 40)}]`, { inputs: [input({ shape })] });
  for (const size of [0, 1, 3, 15, 17, 32, 100_000]) field(`raw size ${size}`, { rawInputContents: [new Uint8Array(size)] });
  field('two raw entries for one input', { rawInputContents: [floats(4), floats(4)] });
  field('raw and contents', { inputs: [input({ contents: { fp32Contents: [1, 2, 3, 4] } })] });
  field('no data at all', { rawInputContents: [] });
  field('contents in the wrong field', { rawInputContents: [], inputs: [input({ contents: { intContents: [1, 2, 3, 4] } })] });
  field('contents in two fields', { rawInputContents: [], inputs: [input({ contents: { fp32Contents: [1, 2, 3, 4], fp64Contents: [1] } })] });
  field('too many listed elements', { rawInputContents: [], inputs: [input({ contents: { fp32Contents: new Array(100_000).fill(1) } })] });
  field('no inputs', { inputs: [], rawInputContents: [] });
  field('unknown input', { inputs: [input({ name: 'z' })] });
  field('empty input name', { inputs: [input({ name: '' })] });
  field('duplicate input', { inputs: [input(), input()], rawInputContents: [floats(4), floats(4)] });
  field('unknown output', { outputs: [{ name: 'z' }] });
  field('duplicate output', { outputs: [{ name: 'y' }, { name: 'y' }] });
  field('empty output name', { outputs: [{ name: '' }] });
  field('oversized message', { inputs: [input({ shape: [BigInt(maxMessageBytes / 16 + 1), 4n] })], rawInputContents: [floats(maxMessageBytes / 4 + 16)] });
  return cases;
}
