// Text readers over byte-range shards: every row read by exactly one shard,
// whatever the shard count and however lines fall on range boundaries.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { planByteShard } from '../plan.ts';
import { localInput } from '../stores/local.ts';
import { csvReader } from './csv.ts';
import { jsonlReader } from './jsonl.ts';
import type { ShardReader } from '../records.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'modelship-batch-readers-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function readAll(reader: ShardReader, column: string): Promise<{ values: unknown[]; bad: { row: number; line?: number; byte?: number; reason: string }[] }> {
  const values: unknown[] = [];
  const bad: { row: number; line?: number; byte?: number; reason: string }[] = [];
  for await (const { rows, bad: b } of reader.batches(3)) {
    const col = rows.column(column);
    for (let i = 0; i < rows.length; i++) values.push(col[i]);
    for (const x of b) bad.push({ row: x.position.row, line: x.position.line, byte: x.position.byte, reason: x.reason });
  }
  return { values, bad };
}

describe('JSONL byte-range shards', () => {
  it('read every line exactly once for every shard count, with CRLF, blank lines and no final newline', async () => {
    const lines = Array.from({ length: 40 }, (_, i) => JSON.stringify({ id: i, pad: 'x'.repeat(i % 7) }));
    const text = lines.map((l, i) => (i % 5 === 0 ? `${l}\r\n` : i % 9 === 0 ? `${l}\n\n` : `${l}\n`)).join('').trimEnd();
    const file = path.join(dir, 'a.jsonl');
    writeFileSync(file, text);
    const store = localInput(file);
    const files = await store.list();
    for (let count = 1; count <= 12; count++) {
      const ids: unknown[] = [];
      for (let i = 0; i < count; i++) ids.push(...(await readAll(jsonlReader(store, planByteShard(files, i, count)), 'id')).values);
      assert.deepEqual(ids, lines.map((_, i) => i), `${count} shards`);
    }
  });

  it('reports a line that is not a JSON object with its line number and byte offset', async () => {
    const file = path.join(dir, 'b.jsonl');
    writeFileSync(file, '{"id":1}\n[1,2]\n{"id":\n{"id":4}\n');
    const store = localInput(file);
    const { values, bad } = await readAll(jsonlReader(store, planByteShard(await store.list(), 0, 1)), 'id');
    assert.deepEqual(values, [1, 4]);
    assert.deepEqual(bad.map((b) => [b.row, b.line, b.byte, b.reason.split(':')[0]]), [[1, 2, 9, 'not a JSON object'], [2, 3, 15, 'not valid JSON']]);
  });
});

describe('CSV byte-range shards', () => {
  it('read every record exactly once for every shard count, each shard using the file header', async () => {
    const rows = Array.from({ length: 30 }, (_, i) => `${i},"v ${i}, quoted",${i * 2}`);
    const file = path.join(dir, 'a.csv');
    writeFileSync(file, `\uFEFFid,text,double\r\n${rows.join('\r\n')}\r\n`);
    const store = localInput(file);
    const files = await store.list();
    for (let count = 1; count <= 10; count++) {
      const ids: unknown[] = [];
      const texts: unknown[] = [];
      for (let i = 0; i < count; i++) {
        const reader = csvReader(store, planByteShard(files, i, count));
        assert.deepEqual(await reader.columns(), ['id', 'text', 'double']);
        for await (const { rows: batch } of reader.batches(4)) {
          for (let r = 0; r < batch.length; r++) {
            ids.push(batch.column('id')[r]);
            texts.push(batch.column('text')[r]);
          }
        }
      }
      assert.deepEqual(ids, rows.map((_, i) => String(i)), `${count} shards`);
      assert.equal(texts[7], 'v 7, quoted');
    }
  });

  it('reports a record with the wrong number of fields, with its line', async () => {
    const file = path.join(dir, 'b.csv');
    writeFileSync(file, 'a,b\n1,2\n3\n4,5,6\n7,8\n');
    const store = localInput(file);
    const { values, bad } = await readAll(csvReader(store, planByteShard(await store.list(), 0, 1)), 'a');
    assert.deepEqual(values, ['1', '7']);
    assert.deepEqual(bad.map((b) => [b.row, b.line, b.reason]), [[1, 3, '1 fields, the header has 2'], [2, 4, '3 fields, the header has 2']]);
  });
});
