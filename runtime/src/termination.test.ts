import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { MAX_TERMINATION_MESSAGE, terminationMessage, writeTerminationMessage } from './termination.ts';

describe('termination message', () => {
  it('is one line, capped', () => {
    assert.equal(terminationMessage(new Error('loading m.onnx failed:\n  protobuf parsing failed.\n')), 'loading m.onnx failed: protobuf parsing failed.');
    const long = terminationMessage(new Error('x'.repeat(5000)));
    assert.equal(long.length, MAX_TERMINATION_MESSAGE);
    assert.ok(long.endsWith('...'));
  });

  it('is written only where the file exists (the kubelet creates it)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'termination-'));
    const path = join(dir, 'termination-log');
    assert.equal(writeTerminationMessage(path, new Error('gone')), false);
    writeFileSync(path, '');
    assert.equal(writeTerminationMessage(path, new Error('loading failed:\nbad file')), true);
    assert.equal(readFileSync(path, 'utf8'), 'loading failed: bad file');
  });
});
