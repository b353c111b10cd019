// `runtime profile` end to end: the committed example profiles are rebuilt
// byte for byte from the committed training data (reproducible), the same
// data in every supported format gives the same feature statistics, and bad
// data or flags fail with a message and an exit code.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse as parseCsv } from 'csv-parse/sync';
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { Profile } from '../../runtime/src/profile/profile.ts';
import { tempDir } from './support/models.ts';

const ROOT = join(import.meta.dirname, '../..');
const MAIN = join(ROOT, 'runtime/src/main.ts');
const MODELS = join(ROOT, 'examples/models');

function run(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN, 'profile', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** A .npy file (format 1.0) of float32 rows, written by the documented layout. */
function writeNpy(path: string, rows: number[][]): void {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows.length}, ${rows[0]!.length}), }`;
  header += ' '.repeat(64 - ((10 + header.length + 1) % 64)) + '\n';
  const data = new Float32Array(rows.flat());
  const prefix = Buffer.alloc(10);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(prefix);
  prefix.writeUInt16LE(header.length, 8);
  writeFileSync(path, Buffer.concat([prefix, Buffer.from(header, 'latin1'), Buffer.from(data.buffer)]));
}

/** What must not depend on the file format: every feature's statistics, the outputs. */
function statistics(profile: Profile): unknown {
  return { features: profile.inputs[0]!.features.map(({ name: _, ...f }) => f), outputs: profile.outputs };
}

describe('runtime profile', () => {
  const dir = tempDir('profile-cli-');

  for (const model of ['iris', 'iris-v2']) {
    it(`rebuilds examples/models/${model}.profile.json byte for byte`, async () => {
      const out = join(dir, `${model}.profile.json`);
      const result = await run(['--model', join(MODELS, `${model}.onnx`), '--data', join(MODELS, 'iris.train.csv'), '--out', out]);
      assert.equal(result.code, 0, result.output);
      assert.equal(readFileSync(out, 'utf8'), readFileSync(join(MODELS, `${model}.profile.json`), 'utf8'));
    });
  }

  it('reads the same data from csv, jsonl, parquet and npy alike', async () => {
    const records = parseCsv(readFileSync(join(MODELS, 'iris.train.csv')), { columns: true }) as Record<string, string>[];
    const columns = Object.keys(records[0]!);
    const rows = records.map((r) => columns.map((c) => Number(r[c])));
    writeFileSync(join(dir, 'columns.jsonl'), rows.map((r) => JSON.stringify(Object.fromEntries(columns.map((c, i) => [c, r[i]])))).join('\n'));
    writeFileSync(join(dir, 'by-input.jsonl'), rows.map((r) => JSON.stringify({ input: r })).join('\n'));
    writeNpy(join(dir, 'train.npy'), rows);
    writeFileSync(join(dir, 'train.parquet'), Buffer.from(parquetWriteBuffer({ columnData: columns.map((name, i) => ({ name, data: rows.map((r) => r[i]!), type: 'DOUBLE' as const })) })));
    const expected = JSON.parse(readFileSync(join(MODELS, 'iris.profile.json'), 'utf8')) as Profile;
    for (const file of ['columns.jsonl', 'by-input.jsonl', 'train.npy', 'train.parquet']) {
      const out = join(dir, `${file}.profile.json`);
      const result = await run(['--model', join(MODELS, 'iris.onnx'), '--data', join(dir, file), '--out', out]);
      assert.equal(result.code, 0, `${file}: ${result.output}`);
      const profile = JSON.parse(readFileSync(out, 'utf8')) as Profile;
      assert.deepEqual(statistics(profile), statistics(expected), file);
      const names = profile.inputs[0]!.features.map((f) => f.name);
      assert.deepEqual(names, file.startsWith('train.p') || file === 'columns.jsonl' ? columns : ['input[0]', 'input[1]', 'input[2]', 'input[3]'], file);
    }
  });

  it('refuses data that does not fit the model, and bad flags', async () => {
    writeFileSync(join(dir, 'three.csv'), 'a,b,c\n1,2,3\n');
    const narrow = await run(['--model', join(MODELS, 'iris.onnx'), '--data', join(dir, 'three.csv'), '--out', join(dir, 'x.json')]);
    assert.equal(narrow.code, 1);
    assert.match(narrow.output, /gives 3 values per row; input 'input' takes 4/);
    writeFileSync(join(dir, 'text.csv'), 'a,b,c,d\n1,2,x,4\n');
    const text = await run(['--model', join(MODELS, 'iris.onnx'), '--data', join(dir, 'text.csv'), '--out', join(dir, 'x.json')]);
    assert.equal(text.code, 1);
    assert.match(text.output, /row 1 feature 'c': 'x' is not a number/);
    const missing = await run(['--model', join(MODELS, 'iris.onnx'), '--data', join(MODELS, 'iris.train.csv')]);
    assert.equal(missing.code, 2);
    assert.match(missing.output, /--out .* is required/);
  });
});
