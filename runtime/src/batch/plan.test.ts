import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { planByteShard, planRowGroupShard, type RowGroupInfo } from './plan.ts';

// A seeded generator, so a failure names a case that reproduces.
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('planByteShard', () => {
  it('tiles every byte of every file exactly once, in order, for any file sizes and shard count', () => {
    const rand = random(7);
    for (let trial = 0; trial < 300; trial++) {
      const files = Array.from({ length: 1 + Math.floor(rand() * 5) }, (_, i) => ({ name: `f${i}`, size: Math.floor(rand() * 50) }));
      const count = 1 + Math.floor(rand() * 9);
      const seen = files.map((f) => new Array<number>(f.size).fill(0));
      let lastKey = -1;
      for (let index = 0; index < count; index++) {
        for (const piece of planByteShard(files, index, count)) {
          const f = files.findIndex((x) => x.name === piece.file);
          assert.ok(piece.start < piece.end, 'no empty pieces');
          // Pieces come in file order, and shards follow each other.
          const key = f * 1000 + piece.start;
          assert.ok(key > lastKey, `trial ${trial}: pieces in order`);
          lastKey = key;
          for (let b = piece.start; b < piece.end; b++) seen[f]![b]!++;
        }
      }
      assert.ok(seen.every((bytes) => bytes.every((n) => n === 1)), `trial ${trial}: every byte in exactly one shard`);
    }
  });

  it('splits one file into near-equal ranges', () => {
    const pieces = [0, 1, 2, 3].map((i) => planByteShard([{ name: 'a', size: 1000 }], i, 4));
    assert.deepEqual(pieces.map((p) => p.map((x) => [x.start, x.end])), [[[0, 250]], [[250, 500]], [[500, 750]], [[750, 1000]]]);
  });

  it('gives whole small files to shards and splits a file that straddles a boundary', () => {
    const files = [{ name: 'a', size: 10 }, { name: 'b', size: 10 }, { name: 'c', size: 20 }];
    assert.deepEqual(planByteShard(files, 0, 2), [{ file: 'a', start: 0, end: 10 }, { file: 'b', start: 0, end: 10 }]);
    assert.deepEqual(planByteShard(files, 1, 2), [{ file: 'c', start: 0, end: 20 }]);
  });

  it('stays exact past 2^53 bytes times the shard count', () => {
    const size = 2 ** 50;
    const a = planByteShard([{ name: 'a', size }], 4, 7);
    const b = planByteShard([{ name: 'a', size }], 5, 7);
    assert.equal(a[0]!.end, b[0]!.start);
  });
});

describe('planRowGroupShard', () => {
  it('gives every non-empty row group to exactly one shard, balanced by rows', () => {
    const rand = random(11);
    for (let trial = 0; trial < 200; trial++) {
      const groups: RowGroupInfo[] = [];
      for (let f = 0; f < 1 + Math.floor(rand() * 3); f++) {
        let first = 0;
        for (let g = 0; g < Math.floor(rand() * 8); g++) {
          const rows = Math.floor(rand() * 100);
          groups.push({ file: `f${f}`, group: g, firstRow: first, rows });
          first += rows;
        }
      }
      const count = 1 + Math.floor(rand() * 6);
      const owners = new Map<RowGroupInfo, number>();
      for (let i = 0; i < count; i++) for (const g of planRowGroupShard(groups, i, count)) {
        assert.equal(owners.has(g), false, `trial ${trial}: group in two shards`);
        owners.set(g, i);
      }
      assert.equal(owners.size, groups.filter((g) => g.rows > 0).length, `trial ${trial}: every group scored`);
    }
  });

  it('keeps row groups in order within and across shards', () => {
    const groups = Array.from({ length: 8 }, (_, g) => ({ file: 'a', group: g, firstRow: g * 10, rows: 10 }));
    assert.deepEqual([0, 1, 2, 3].map((i) => planRowGroupShard(groups, i, 4).map((g) => g.group)), [[0, 1], [2, 3], [4, 5], [6, 7]]);
  });
});
