// Each statistic against scipy's value for the same histograms
// (examples/models/drift-statistics.scipy.json, written by generate.py).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { binIndex, categoryHistograms, compareHistograms, PSI_FLOOR, share } from './drift-statistics.ts';

interface Expected {
  readonly psi: number | null;
  readonly jensenShannon: number | null;
  readonly ks?: number | null;
  readonly liveCounts?: number[];
  readonly outOfRangeShare?: number | null;
  readonly unseenShare?: number | null;
}
type Case =
  | { name: string; kind: 'numeric'; edges: number[]; referenceCounts: number[]; min: number; max: number; live: number[]; expected: Expected }
  | { name: string; kind: 'categorical'; categories: Record<string, number>; live: string[]; expected: Expected };

const fixture = JSON.parse(readFileSync(new URL('../../examples/models/drift-statistics.scipy.json', import.meta.url), 'utf8')) as { psiFloor: number; cases: Case[] };

function close(actual: number | null, expected: number | null | undefined, what: string): void {
  if (expected === null || expected === undefined) {
    assert.equal(actual, null, what);
    return;
  }
  assert.ok(actual !== null && Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)), `${what}: ${actual} vs scipy ${expected}`);
}

describe('drift statistics against scipy', () => {
  it('uses the same PSI floor as the fixture', () => assert.equal(PSI_FLOOR, fixture.psiFloor));

  it('covers the edges the issue names', () => {
    const names = fixture.cases.map((c) => c.name);
    for (const edge of ['empty window', 'constant feature', 'single bin', 'categorical empty window']) assert.ok(names.includes(edge), edge);
  });

  for (const c of fixture.cases) {
    it(c.name, () => {
      if (c.kind === 'numeric') {
        const counts = new Array<number>(c.referenceCounts.length).fill(0);
        let outside = 0;
        for (const v of c.live) {
          counts[binIndex(c.edges, v)]! += 1;
          if (v < c.min || v > c.max) outside += 1;
        }
        assert.deepEqual(counts, c.expected.liveCounts, 'live histogram (numpy searchsorted)');
        close(share(outside, c.live.length), c.expected.outOfRangeShare, 'out-of-range share');
        const stats = compareHistograms(c.referenceCounts, counts, true);
        close(stats.psi, c.expected.psi, 'psi');
        close(stats.jensenShannon, c.expected.jensenShannon, 'jensen-shannon');
        close(stats.ks, c.expected.ks, 'ks');
      } else {
        const live = new Map<string, number>();
        for (const v of c.live) live.set(v, (live.get(v) ?? 0) + 1);
        const h = categoryHistograms(c.categories, live);
        close(share(h.unseen, c.live.length), c.expected.unseenShare, 'unseen share');
        const stats = compareHistograms(h.reference, h.live, false);
        close(stats.psi, c.expected.psi, 'psi');
        close(stats.jensenShannon, c.expected.jensenShannon, 'jensen-shannon');
        assert.equal(stats.ks, null, 'no KS for categories');
      }
    });
  }

  it('puts values outside the edges in the first and last bins', () => {
    assert.equal(binIndex([0, 1, 2], -5), 0);
    assert.equal(binIndex([0, 1, 2], 1), 1);
    assert.equal(binIndex([0, 1, 2], 2), 1, 'the last bin is closed');
    assert.equal(binIndex([0, 1, 2], 9), 1);
    assert.equal(binIndex([3, 3], 7), 0, 'a constant feature has one bin');
  });
});
