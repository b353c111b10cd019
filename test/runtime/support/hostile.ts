// Generates malformed and hostile inference requests for a model with one
// input `x` FP32 [batch, 4] and one output `y`: bad JSON, wrong types, huge and
// negative shapes, shape/data mismatches, unknown inputs, binary header lies,
// deep nesting, bad media types, oversized bodies, hostile v1 bodies. Seeded,
// so a failure names a reproducible case.

import { random } from './random.ts';

export interface HostileCase {
  readonly what: string;
  readonly path: string;
  readonly body: Uint8Array | string;
  readonly headers: Record<string, string>;
  /**
   * The status this case must get: 400 for a body that is not a valid request,
   * 413 for one over the size limit, 415 for a media type or encoding the
   * server does not take. Pinned per case, so a precise error regressing to a
   * generic one fails.
   */
  readonly status: 400 | 413 | 415;
}

const V2 = '/v2/models/m/infer';
const V1 = '/v1/models/m:predict';
const JSON_TYPE = { 'content-type': 'application/json' };

const valid = () => ({ id: 'h', inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] }], outputs: [{ name: 'y' }] });

function json(what: string, body: unknown, path = V2): HostileCase {
  return { what, path, body: JSON.stringify(body), headers: JSON_TYPE, status: 400 };
}

/** Sets a value at a dotted path (numbers index arrays) in a fresh valid body. */
function withValue(path: (string | number)[], value: unknown): unknown {
  const body: Record<string | number, unknown> = valid();
  let node: Record<string | number, unknown> = body;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[path.at(-1) as string | number] = value;
  return body;
}

function binary(what: string, header: unknown, tail: Uint8Array, headerLength?: string): HostileCase {
  const head = Buffer.from(JSON.stringify(header));
  return {
    what,
    path: V2,
    body: Buffer.concat([head, tail]),
    headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': headerLength ?? String(head.length) },
    status: 400,
  };
}

export function hostileCases(seed = 42, maxBodyBytes = 1024 * 1024): HostileCase[] {
  const rnd = random(seed);
  const int = (n: number) => Math.floor(rnd() * n);
  const cases: HostileCase[] = [];
  const text = JSON.stringify(valid());

  // Bad JSON: every truncation of a valid body, and random bytes.
  for (let i = 0; i < text.length; i++) cases.push({ what: `truncated at ${i}`, path: V2, body: text.slice(0, i), headers: JSON_TYPE, status: 400 });
  for (let i = 0; i < 200; i++) {
    const bytes = new Uint8Array(1 + int(300)).map(() => int(256));
    cases.push({ what: `random bytes #${i}`, path: V2, body: bytes, headers: JSON_TYPE, status: 400 });
  }
  for (const garbage of ['', ' ', 'null', 'true', '0', '"x"', '[]', '{}', '{"inputs":}', "{'inputs':[]}", '{"inputs":[{]}', 'NaN', '{"inputs":[NaN]}', '\u0000', '\ufeff{}']) {
    cases.push({ what: `garbage ${JSON.stringify(garbage)}`, path: V2, body: garbage, headers: JSON_TYPE, status: 400 });
  }

  // Wrong types and values at every field.
  const substitutions: [(string | number)[], unknown[]][] = [
    [['inputs'], [null, {}, [], 'x', 1, [null], [1], [{}], [[]]]],
    [['inputs', 0], [null, 'x', 1, [], {}]],
    [['inputs', 0, 'name'], [null, 0, true, [], {}, '', 'nope', 'X', 'x ', '__proto__', 'constructor', 'y']],
    [['inputs', 0, 'datatype'], [null, 0, 'FP8', 'fp32', 'FLOAT', 'INT32', 'FP64', 'FP16', 'BYTES', 'BOOL', 'INT64', [], {}]],
    [['inputs', 0, 'shape'], [null, 'x', '1,4', {}, [], [4], [1, 4, 1], [-1, 4], [1.5, 4], [1, -4], ['1', 4], [1, 5], [0, 4], [2, 4], [1, null], [[1], 4], [true, 4]]],
    [['inputs', 0, 'data'], [null, 'x', {}, [], [1, 2, 3], [1, 2, 3, 4, 5], [[1, 2, 3, 4, 5]], ['1', '2', '3', '4'], [null, 1, 2, 3], [true, 1, 2, 3], [[1, 2], [3, 4]], [{}, 1, 2, 3], [[1, 2, 3, [4]]], [[[1, 2, 3, 4]]]]],
    [['inputs', 0, 'parameters'], [[], 'x', 1, { binary_data_size: 16 }, { binary_data_size: -1 }, { binary_data_size: 'x' }, { binary_data_size: 1.5 }]],
    [['outputs'], ['x', {}, 1, [null], [{}], [1], [{ name: 'nope' }], [{ name: 'y' }, { name: 'y' }], [{ name: 'y', parameters: [] }], [{ name: 'y', parameters: { binary_data: 'yes' } }], [{ name: '' }]]],
    [['id'], [1, {}, [], true, null]],
    [['parameters'], [[], 'x', 1, null, { binary_data_output: 'yes' }, { binary_data_output: 1 }]],
  ];
  for (const [path, values] of substitutions) {
    for (const value of values) cases.push(json(`${path.join('.')} = ${JSON.stringify(value)}`, withValue(path, value)));
  }
  cases.push(json('an extra unknown input', { inputs: [valid().inputs[0], { name: 'extra', datatype: 'FP32', shape: [1], data: [1] }] }));
  cases.push(json('a duplicated input', { inputs: [valid().inputs[0], valid().inputs[0]] }));
  cases.push(json('ten thousand inputs', { inputs: Array.from({ length: 10_000 }, (_, i) => ({ name: `i${i}`, datatype: 'FP32', shape: [1], data: [1] })) }));
  cases.push(json('a __proto__ input', JSON.parse('{"inputs":[{"name":"x","datatype":"FP32","shape":[1,4],"data":[1,2,3,4],"__proto__":{"binary_data_size":1}}],"__proto__":{"inputs":1},"outputs":[{"name":"toString"}]}')));

  // Huge shapes with little data: must be refused before anything is allocated.
  const huge = [2 ** 31, 2 ** 32, 2 ** 40, 2 ** 53 - 1, 2 ** 53, 1e15, 1e300, 1e9];
  for (const n of huge) cases.push(json(`shape [${n},4]`, withValue(['inputs', 0, 'shape'], [n, 4])));
  for (let i = 0; i < 80; i++) {
    const rows = 10 ** (3 + int(12)) + int(1000);
    cases.push(json(`huge rows ${rows}`, withValue(['inputs', 0, 'shape'], [rows, 4])));
  }

  // Shape and data length disagreeing, flat and nested.
  for (let i = 0; i < 300; i++) {
    const rows = int(6);
    let length = int(30);
    if (length === rows * 4) length++;
    const data = Array.from({ length }, () => rnd() * 10);
    const nested = i % 2 === 1 && length > 0;
    cases.push(json(`shape [${rows},4] with ${length} ${nested ? 'nested' : 'flat'} values`, withValue(['inputs', 0], { name: 'x', datatype: 'FP32', shape: [rows, 4], data: nested ? [data] : data })));
  }

  // Negative and fractional dimensions.
  for (let i = 0; i < 80; i++) {
    const shape = [int(2) ? -(1 + int(1000)) : 1, int(2) ? -(1 + int(5)) : 4];
    if (shape[0] !== undefined && shape[0] > 0 && shape[1] === 4) shape[1] = -4;
    cases.push(json(`negative shape ${JSON.stringify(shape)}`, withValue(['inputs', 0, 'shape'], shape)));
  }
  for (let i = 0; i < 20; i++) cases.push(json(`fractional shape #${i}`, withValue(['inputs', 0, 'shape'], [1 + rnd(), 4])));

  // Binary extension lies.
  const floats = (n: number) => new Uint8Array(new Float32Array(n).fill(1).buffer);
  const binaryInput = (size: number, shape = [1, 4]) => ({ inputs: [{ name: 'x', datatype: 'FP32', shape, parameters: { binary_data_size: size } }] });
  for (const size of [0, 1, 3, 15, 17, 32, 1_000_000, 2 ** 40]) cases.push(binary(`binary_data_size ${size} for 16 bytes`, binaryInput(size), floats(4)));
  for (const extra of [1, 4, 100]) cases.push(binary(`${extra} stray bytes after the tensors`, binaryInput(16), new Uint8Array([...floats(4), ...new Uint8Array(extra)])));
  for (const n of [0, 1, 2, 3, 5, 8]) cases.push(binary(`${n * 4} bytes for a [1,4] tensor`, binaryInput(n * 4), floats(n)));
  const goodHeader = Buffer.from(JSON.stringify(binaryInput(16)));
  for (const lie of ['', '-1', 'abc', '1.5', ' 7', '0x10', '1e2', '99999999999999999999', String(goodHeader.length + 17), String(goodHeader.length + 1000000), '5', '1', String(goodHeader.length - 1), '0']) {
    cases.push(binary(`Inference-Header-Content-Length ${JSON.stringify(lie)}`, binaryInput(16), floats(4), lie));
  }
  for (let i = 0; i < 60; i++) {
    const declared = int(64);
    const sent = int(64);
    if (declared === 16 && sent === 4) continue;
    cases.push(binary(`random binary lie #${i} (${declared} declared, ${sent * 4} sent)`, binaryInput(declared), floats(sent)));
  }
  cases.push(binary('binary size on a non-binary request', binaryInput(16), new Uint8Array(0)));
  cases.push({ what: 'binary size without the header', path: V2, body: JSON.stringify(binaryInput(16)), headers: JSON_TYPE, status: 400 });

  // Deep nesting (the parser, not our recursion, sees these: our walk is bounded by the model's rank).
  for (const depth of [100, 10_000, 100_000, 500_000]) {
    cases.push({ what: `array nested ${depth} deep`, path: V2, body: `${'['.repeat(depth)}${']'.repeat(depth)}`, headers: JSON_TYPE, status: 400 });
    const data = `${'['.repeat(depth)}1${']'.repeat(depth)}`;
    cases.push({ what: `data nested ${depth} deep`, path: V2, body: `{"inputs":[{"name":"x","datatype":"FP32","shape":[1,4],"data":${data}}]}`, headers: JSON_TYPE, status: 400 });
  }
  cases.push({ what: 'unterminated deep nesting', path: V2, body: '{"a":'.repeat(100_000), headers: JSON_TYPE, status: 400 });
  // Bodies that would build far more objects than their size suggests (guarded before JSON.parse).
  const fill = (unit: string) => unit.repeat(Math.floor((maxBodyBytes - 100) / unit.length));
  for (const unit of ['{},', '[],', '[0],', '{"a":{}},']) {
    cases.push({ what: `a body of ${JSON.stringify(unit)} repeated`, path: V2, body: `{"inputs":[{"name":"x","datatype":"FP32","shape":[1,4],"data":[${fill(unit)}1]}]}`, headers: JSON_TYPE, status: 400 });
  }

  // Media types, encodings and sizes.
  for (const type of ['multipart/form-data; boundary=x', 'text/html', 'image/png', 'application/xml']) {
    cases.push({ what: `content type ${type}`, path: V2, body: text, headers: { 'content-type': type }, status: 415 });
  }
  // Form-labelled JSON is served (curl -d); form data that is not JSON is not.
  for (const form of ['a=1&b=2', `inputs=${encodeURIComponent(JSON.stringify(valid().inputs))}`]) {
    cases.push({ what: `form data ${JSON.stringify(form.slice(0, 20))}`, path: V2, body: form, headers: { 'content-type': 'application/x-www-form-urlencoded' }, status: 415 });
  }
  for (const encoding of ['gzip', 'br', 'deflate']) cases.push({ what: `content encoding ${encoding}`, path: V2, body: text, headers: { ...JSON_TYPE, 'content-encoding': encoding }, status: 415 });
  for (const extra of [1, 1000, maxBodyBytes]) {
    cases.push({ what: `body ${extra} bytes over the limit`, path: V2, body: `{"inputs":[],"pad":"${'x'.repeat(maxBodyBytes + extra)}"}`, headers: JSON_TYPE, status: 413 });
  }

  // KServe v1.
  for (const body of [null, [], {}, { instances: null }, { instances: [] }, { instances: 'x' }, { instances: [[1, 2, 3]] }, { instances: [[1, 2, 3, 4], [1]] }, { instances: [['a', 'b', 'c', 'd']] }, { instances: [{ nope: [1, 2, 3, 4] }] }, { instances: [[[1, 2, 3, 4]]] }, { instances: [1] }, { instances: [null] }, { instances: [{}] }]) {
    cases.push(json(`v1 ${JSON.stringify(body)}`, body, V1));
  }
  for (let i = 0; i < 60; i++) {
    const width = int(8);
    if (width === 4) continue;
    cases.push(json(`v1 rows of ${width}`, { instances: Array.from({ length: 1 + int(4) }, () => Array.from({ length: width }, () => rnd())) }, V1));
  }
  return cases;
}
