import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { README, renderReadme, withBlock, BEGIN, END } from './readme.ts';

describe('bench/README.md figures', () => {
  it('are generated from the committed records (run node bench/runtime/readme.ts)', () => {
    assert.ok(readFileSync(README, 'utf8') === renderReadme(), 'bench/README.md is stale: run `node bench/runtime/readme.ts`');
  });

  it('name the latest record and quote its targets as measured', () => {
    const text = renderReadme();
    const block = text.slice(text.indexOf(BEGIN), text.indexOf(END));
    const latest = JSON.parse(readFileSync(new URL('../results/runtime-latest.json', import.meta.url), 'utf8')) as { startedAt: string; formats: Record<string, { targets: { id: string; measured: number; pass: boolean }[] }> };
    assert.ok(block.includes(`bench/results/runtime-${latest.startedAt.replace(/[:.]/g, '-')}.json`));
    const b = latest.formats.json?.targets.find((t) => t.id === 'b');
    assert.ok(b);
    assert.ok(block.includes(`**${b.measured.toFixed(2)} ${b.pass ? 'PASS' : 'MISS'}**`), 'the JSON (b) figure and verdict of the latest record');
  });

  it('refuses a README without the markers', () => {
    assert.throws(() => withBlock('# no markers', 'x'), /no generated block markers/);
  });
});
