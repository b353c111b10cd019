import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chooseModelFile, ModelFileError, resolveModelFile } from './model-file.ts';

describe('chooseModelFile', () => {
  const cases: Array<[string[], string | undefined]> = [
    [['model.onnx'], 'model.onnx'],
    [['a.onnx', 'model.onnx', 'b.onnx'], 'model.onnx'],
    [['style.onnx', 'README.md', 'labels.txt'], 'style.onnx'],
    [['a.onnx', 'b.onnx'], undefined],
    [['model.onnx.data', 'weights.bin'], undefined],
    [[], undefined],
  ];
  for (const [names, expected] of cases) it(`${JSON.stringify(names)} -> ${expected}`, () => assert.equal(chooseModelFile(names), expected));
});

describe('resolveModelFile', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'modelship-model-file-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const make = (name: string, files: string[]): string => {
    const d = path.join(dir, name);
    mkdirSync(d, { recursive: true });
    for (const f of files) writeFileSync(path.join(d, f), '');
    return d;
  };

  it('passes a file through and picks model.onnx or the only .onnx in a directory', async () => {
    const kserve = make('kserve', ['model.onnx', 'other.onnx']);
    assert.equal(await resolveModelFile(path.join(kserve, 'other.onnx')), path.join(kserve, 'other.onnx'));
    assert.equal(await resolveModelFile(kserve), path.join(kserve, 'model.onnx'));
    const single = make('single', ['style.onnx', 'labels.txt']);
    assert.equal(await resolveModelFile(single), path.join(single, 'style.onnx'));
  });

  it('ignores a subdirectory named like a model', async () => {
    const d = make('subdir', ['real.onnx']);
    mkdirSync(path.join(d, 'model.onnx'));
    assert.equal(await resolveModelFile(d), path.join(d, 'real.onnx'));
  });

  it('says what it found when it cannot choose', async () => {
    await assert.rejects(resolveModelFile(make('two', ['a.onnx', 'b.onnx'])), (e: unknown) => e instanceof ModelFileError && /several \.onnx files \(a\.onnx, b\.onnx\) and no model\.onnx/.test(e.message));
    await assert.rejects(resolveModelFile(make('none', ['weights.bin'])), /no model\.onnx or other \.onnx file in the directory \(found weights\.bin\)/);
    await assert.rejects(resolveModelFile(make('empty', [])), /\(it is empty\)/);
    await assert.rejects(resolveModelFile(path.join(dir, 'missing')), /no such file or directory/);
  });
});
