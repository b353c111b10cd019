// `main.ts batch` end to end on local files: each format in and out, shards,
// bad rows, the failed-rows limit and exit codes, the termination log, and
// resume from markers. Outputs are compared row by row with onnxruntime-node
// called directly on the same rows.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parquetWriteFile } from 'hyparquet-writer';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { parse } from 'csv-parse/sync';
import { IRIS, irisReference, runBatch, type Reference } from './support.ts';

const ROWS = 600;
let dir: string;
let features: Float32Array;
let reference: Reference;

// Deterministic iris-like rows; a few values with many digits, to catch any lossy float handling.
function feature(row: number, k: number): number {
  return Math.fround(((row * 7 + k * 13) % 70) / 10 + 0.123456789 * k);
}

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'modelship-batch-'));
  features = new Float32Array(ROWS * 4);
  for (let r = 0; r < ROWS; r++) for (let k = 0; k < 4; k++) features[r * 4 + k] = feature(r, k);
  reference = await irisReference(features);
  const names = ['a', 'b', 'c', 'd'];
  const jsonl: string[] = [];
  const csv: string[] = ['id,a,b,c,d,tag'];
  for (let r = 0; r < ROWS; r++) {
    const f = Array.from(features.subarray(r * 4, r * 4 + 4));
    jsonl.push(JSON.stringify({ id: r, tag: `t${r}`, ...Object.fromEntries(f.map((v, k) => [names[k], v])) }));
    csv.push(`${r},${f.join(',')},"t${r}, quoted"`);
  }
  writeFileSync(path.join(dir, 'rows.jsonl'), `${jsonl.join('\n')}\n`);
  writeFileSync(path.join(dir, 'rows.csv'), `${csv.join('\n')}\n`);
  // A second JSONL input with the vector in one array field, and bad rows of every kind.
  const vectors = Array.from({ length: ROWS }, (_, r) => JSON.stringify({ id: r, x: Array.from(features.subarray(r * 4, r * 4 + 4)) }));
  vectors[10] = 'not json at all';
  vectors[20] = JSON.stringify({ id: 20, x: [1, 2, 3] });
  vectors[30] = JSON.stringify({ id: 30, x: [1, 2, 'NaN', 4] });
  vectors[40] = JSON.stringify({ id: 40 });
  writeFileSync(path.join(dir, 'vectors.jsonl'), `${vectors.join('\n')}\n`);
  // Parquet written by another implementation than the reader's (hyparquet-writer), 3 row groups.
  parquetWriteFile({
    filename: path.join(dir, 'rows.parquet'),
    columnData: [
      { name: 'id', data: BigInt64Array.from({ length: ROWS }, (_, r) => BigInt(r)), type: 'INT64' },
      ...names.map((name, k) => ({ name, data: Float32Array.from({ length: ROWS }, (_, r) => features[r * 4 + k]!), type: 'FLOAT' as const })),
    ],
    rowGroupSize: 200,
  });
});
after(() => rmSync(dir, { recursive: true, force: true }));

function checkRow(id: number, label: unknown, probabilities: readonly unknown[], what: string): void {
  assert.equal(Number(label), Number(reference.label[id]), `${what}: label of row ${id}`);
  for (let k = 0; k < 3; k++) assert.equal(Math.fround(Number(probabilities[k])), reference.probabilities[id * 3 + k], `${what}: probability ${k} of row ${id}`);
}

async function runShards(count: number, args: string[]): Promise<void> {
  for (let i = 0; i < count; i++) {
    const run = await runBatch([...args, '--shard-count', String(count)], { JOB_COMPLETION_INDEX: String(i) });
    assert.equal(run.code, 0, `shard ${i}: ${run.stdout}${run.stderr}`);
  }
}

describe('batch formats', () => {
  it('JSONL in, Parquet out, 3 shards: every row once, in order, equal to in-process predictions', async () => {
    const out = path.join(dir, 'out-jsonl');
    await runShards(3, ['--model-path', IRIS, '--input', path.join(dir, 'rows.jsonl'), '--output', out, '--output-format', 'parquet', '--id-column', 'id', '--passthrough-columns', 'tag', '--input-map', 'input=a,b,c,d', '--batch-size', '64']);
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) {
      const rows = await parquetReadObjects({ file: await asyncBufferFromFile(path.join(out, `part-${i}.parquet`)) });
      for (const row of rows) {
        ids.push(Number(row.id));
        assert.equal(row.tag, `t${Number(row.id)}`);
        checkRow(Number(row.id), row.label, row.probabilities as number[], 'jsonl');
      }
      const marker = JSON.parse(readFileSync(path.join(out, `_markers/part-${i}.json`), 'utf8'));
      assert.equal(marker.rowsScored, rows.length);
      assert.equal(marker.rowsFailed, 0);
    }
    assert.deepEqual(ids, Array.from({ length: ROWS }, (_, r) => r));
    assert.equal(existsSync(path.join(out, 'errors')), false, 'no errors file for a clean run');
    assert.deepEqual(readdirSync(out).filter((f) => f.startsWith('.')), [], 'no temporary files left');
  });

  it('CSV in and out, 4 shards, default column mapping: numbers parsed from text, outputs one column per value', async () => {
    const out = path.join(dir, 'out-csv');
    await runShards(4, ['--model-path', IRIS, '--input', path.join(dir, 'rows.csv'), '--output', out, '--id-column', 'id', '--passthrough-columns', 'tag']);
    const ids: number[] = [];
    for (let i = 0; i < 4; i++) {
      const records = parse(readFileSync(path.join(out, `part-${i}.csv`)), { columns: true }) as Record<string, string>[];
      for (const r of records) {
        ids.push(Number(r.id));
        assert.equal(r.tag, `t${r.id}, quoted`);
        checkRow(Number(r.id), r.label, [r.probabilities_0, r.probabilities_1, r.probabilities_2], 'csv');
      }
    }
    assert.deepEqual(ids, Array.from({ length: ROWS }, (_, r) => r));
  });

  it('Parquet in (3 row groups over 2 shards), JSONL out', async () => {
    const out = path.join(dir, 'out-parquet');
    await runShards(2, ['--model-path', IRIS, '--input', path.join(dir, 'rows.parquet'), '--output', out, '--output-format', 'jsonl', '--id-column', 'id', '--outputs', 'probabilities']);
    const lines = [0, 1].flatMap((i) => readFileSync(path.join(out, `part-${i}.jsonl`), 'utf8').trim().split('\n').map((l) => JSON.parse(l)));
    assert.deepEqual(lines.map((l) => l.id), Array.from({ length: ROWS }, (_, r) => r));
    assert.deepEqual(Object.keys(lines[0]), ['id', 'probabilities']);
    for (const l of lines) checkRow(l.id, reference.label[l.id], l.probabilities, 'parquet');
  });

  it('sends bad rows to errors/ with where and why, scores the rest, and exits 3 only past the limit', async () => {
    const termination = path.join(dir, 'termination-log');
    writeFileSync(termination, '');
    const args = ['--model-path', IRIS, '--input', path.join(dir, 'vectors.jsonl'), '--id-column', 'id', '--input-map', 'input=x', '--termination-log-path', termination];
    const strict = await runBatch([...args, '--output', path.join(dir, 'out-bad-strict')]);
    assert.equal(strict.code, 3, strict.stdout);
    const summary = JSON.parse(readFileSync(termination, 'utf8'));
    assert.deepEqual([summary.rowsScored, summary.rowsFailed, summary.withinLimit], [ROWS - 4, 4, false]);
    // The verdict is kept: a retry finds the marker and answers the same without scoring.
    const retry = await runBatch([...args, '--output', path.join(dir, 'out-bad-strict')]);
    assert.equal(retry.code, 3);
    assert.ok(retry.logs.some((l) => l.message === 'shard already done; not scoring it again'));

    const out = path.join(dir, 'out-bad');
    const tolerant = await runBatch([...args, '--output', out, '--max-failed-rows-percent', '1']);
    assert.equal(tolerant.code, 0, tolerant.stdout);
    const errors = readFileSync(path.join(out, 'errors/part-0.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(
      errors.map((e) => [e.row, e.line, e.reason.replace(/:.*/s, '')]).sort((a, b) => a[0] - b[0]),
      [[10, 11, 'not valid JSON'], [20, 21, 'input input'], [30, 31, 'column x'], [40, 41, 'column x']],
    );
    for (const e of errors) assert.equal(e.file, 'vectors.jsonl');
    const scored = readFileSync(path.join(out, 'part-0.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(scored.length, ROWS - 4);
    for (const s of scored) checkRow(s.id, s.label, s.probabilities, 'vectors');
  });

  it('a shard whose marker exists is not scored again; one without a marker is', async () => {
    const out = path.join(dir, 'out-resume');
    const args = ['--model-path', IRIS, '--input', path.join(dir, 'rows.parquet'), '--output', out, '--id-column', 'id', '--shard-count', '2'];
    assert.equal((await runBatch([...args, '--shard-index', '0'])).code, 0);
    assert.equal((await runBatch([...args, '--shard-index', '1'])).code, 0);
    const part0 = path.join(out, 'part-0.parquet');
    const before0 = statSync(part0).mtimeMs;
    // A shard killed before its marker: its part may exist, but without the marker it is scored again.
    rmSync(path.join(out, '_markers/part-1.json'));
    writeFileSync(path.join(out, 'part-1.parquet'), 'torn');
    const again0 = await runBatch([...args, '--shard-index', '0']);
    const again1 = await runBatch([...args, '--shard-index', '1']);
    assert.equal(again0.code, 0);
    assert.ok(again0.logs.some((l) => l.message === 'shard already done; not scoring it again'));
    assert.ok(!again0.logs.some((l) => l.message === 'scoring shard'));
    assert.equal(statSync(part0).mtimeMs, before0, 'the finished part is not rewritten');
    assert.ok(again1.logs.some((l) => l.message === 'scoring shard'));
    const rows = await parquetReadObjects({ file: await asyncBufferFromFile(path.join(out, 'part-1.parquet')) });
    assert.equal(rows.length, 200, 'shard 1 has the third row group');
  });

  it('says what is wrong before scoring when columns do not fit the model', async () => {
    const run = await runBatch(['--model-path', IRIS, '--input', path.join(dir, 'rows.csv'), '--output', path.join(dir, 'out-misfit')]);
    assert.equal(run.code, 1);
    assert.match(run.stdout, /input input takes 4 values per row, but 6 columns feed it/);
    assert.equal(existsSync(path.join(dir, 'out-misfit', '_markers')), false);
  });
});
