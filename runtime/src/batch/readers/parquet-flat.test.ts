// The flat numeric fast path against hyparquet's own reader on the same file:
// every value of every row group equal, nulls where the file has them, over
// several pages per chunk, dictionary and PLAIN pages, and each physical type.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { localInput } from '../stores/local.ts';
import { parquetReader } from './parquet.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'modelship-parquet-flat-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const ROWS = 5000;

function file(): string {
  const at = (r: number) => ((r * 7919) % 1013) / 7;
  const name = path.join(dir, 'flat.parquet');
  const buffer = parquetWriteBuffer({
    columnData: [
      { name: 'i64', data: BigInt64Array.from({ length: ROWS }, (_, r) => BigInt(r) * 3_000_000_000n), type: 'INT64', nullable: false },
      // Few distinct values: dictionary pages.
      { name: 'dict', data: Float32Array.from({ length: ROWS }, (_, r) => (r % 5) / 4), type: 'FLOAT' },
      // Many distinct values: PLAIN pages.
      { name: 'plain', data: Float64Array.from({ length: ROWS }, (_, r) => at(r) + 1e-9 * r), type: 'DOUBLE' },
      { name: 'i32', data: Int32Array.from({ length: ROWS }, (_, r) => r - 2500), type: 'INT32' },
      // Nulls in some pages only.
      { name: 'holes', data: Array.from({ length: ROWS }, (_, r) => (r % 997 === 0 && r < 3000 ? null : Math.fround(at(r)))), type: 'FLOAT' },
      { name: 'text', data: Array.from({ length: ROWS }, (_, r) => `t${r}`), type: 'STRING' },
    ],
    rowGroupSize: 2048,
    pageSize: 1024,
  });
  writeFileSync(name, Buffer.from(buffer));
  return name;
}

describe('Parquet flat numeric columns', () => {
  it('decode to the values hyparquet reads, as typed arrays where a group has no nulls', async () => {
    const name = file();
    const expected = await parquetReadObjects({ file: await asyncBufferFromFile(name) });
    const store = localInput(name);
    const shard = await parquetReader(store, await store.list(), 0, 1);
    const columns = ['i64', 'dict', 'plain', 'i32', 'holes', 'text'];
    shard.setColumns(columns);
    let row = 0;
    const kinds = new Map<string, Set<string>>();
    for await (const { rows } of shard.reader.batches(700)) {
      for (const c of columns) {
        const values = rows.column(c);
        kinds.set(c, (kinds.get(c) ?? new Set()).add(values.constructor.name));
        for (let i = 0; i < rows.length; i++) assert.deepEqual(values[i], expected[row + i]![c], `row ${row + i} column ${c}`);
      }
      row += rows.length;
    }
    assert.equal(row, ROWS);
    assert.deepEqual([...kinds.get('dict')!], ['Float32Array']);
    assert.deepEqual([...kinds.get('plain')!], ['Float64Array']);
    assert.deepEqual([...kinds.get('i32')!], ['Int32Array']);
    assert.deepEqual([...kinds.get('i64')!], ['BigInt64Array']);
    // Groups 0 and 1 hold nulls (JS arrays with null), group 2 none.
    assert.deepEqual([...kinds.get('holes')!].sort(), ['Array', 'Float32Array']);
    assert.deepEqual([...kinds.get('text')!], ['Array']);
  });
});
