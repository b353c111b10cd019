// Every committed example model served over HTTP reproduces its committed
// reference outputs (examples/models/**/X.reference.json), through the v2 JSON
// path and, for numeric outputs, the binary extension.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { postJson, startTestServer } from './support/server.ts';

const MODELS = fileURLToPath(new URL('../../examples/models/', import.meta.url));

interface RefTensor {
  name: string;
  datatype: string;
  shape: number[];
  data: unknown[];
}

function references(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? references(join(dir, e.name)) : e.name.endsWith('.reference.json') ? [join(dir, e.name)] : [],
  );
}

function close(actual: unknown[], expected: unknown[], datatype: string, what: string): void {
  assert.equal(actual.length, expected.length, what);
  expected.forEach((e, i) => {
    const a = actual[i];
    if (datatype.startsWith('FP') && typeof e === 'number' && typeof a === 'number') {
      assert.ok(Math.abs(a - e) <= 1e-5 + 1e-4 * Math.abs(e), `${what}[${i}]: ${a} vs ${e}`);
    } else assert.deepEqual(a, e, `${what}[${i}]`);
  });
}

describe('committed example models over HTTP', () => {
  for (const file of references(MODELS)) {
    const model = file.replace(/\.reference\.json$/, '.onnx');
    const name = file.slice(MODELS.length).replace(/\.reference\.json$/, '');
    it(`${name} reproduces its reference`, async () => {
      const ref = JSON.parse(readFileSync(file, 'utf8')) as { inputs: RefTensor[]; outputs: RefTensor[] };
      const server = await startTestServer(model, ['--workers', '1'], 'ref');
      try {
        const { status, body } = await postJson(`${server.url}/v2/models/ref/infer`, { inputs: ref.inputs });
        assert.equal(status, 200, JSON.stringify(body));
        for (const expected of ref.outputs) {
          const actual = (body.outputs as RefTensor[]).find((o) => o.name === expected.name);
          assert.ok(actual, `output ${expected.name}`);
          assert.equal(actual.datatype, expected.datatype);
          assert.deepEqual(actual.shape, expected.shape);
          close(actual.data, expected.data, expected.datatype, `${name} ${expected.name}`);
        }
      } finally {
        await server.close();
      }
    });
  }
});
