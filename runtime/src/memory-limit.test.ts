import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { detectMemoryLimit, parseMemoryLimit } from './memory-limit.ts';

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'cgroup-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe('memory limit', () => {
  it('parses limits, and reads max, huge v1 values and garbage as no limit', () => {
    assert.equal(parseMemoryLimit('2147483648\n'), 2 ** 31);
    assert.equal(parseMemoryLimit('max\n'), undefined);
    assert.equal(parseMemoryLimit('9223372036854771712\n'), undefined);
    assert.equal(parseMemoryLimit(''), undefined);
  });

  it('reads cgroup v2 memory.max, else v1 memory.limit_in_bytes, else nothing', () => {
    assert.equal(detectMemoryLimit(tree({ 'memory.max': '1073741824\n' })), 2 ** 30);
    assert.equal(detectMemoryLimit(tree({ 'memory.max': 'max\n', 'memory/memory.limit_in_bytes': '1024\n' })), undefined);
    assert.equal(detectMemoryLimit(tree({ 'memory/memory.limit_in_bytes': '536870912\n' })), 2 ** 29);
    assert.equal(detectMemoryLimit(tree({})), undefined);
  });
});
