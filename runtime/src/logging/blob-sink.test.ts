import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createBlobSink, fileStore, objectKey, parseBlobUri } from './blob-sink.ts';
import { REQUEST_TYPE, RESPONSE_TYPE, type PayloadEvent } from './events.ts';

const identity = { inferenceService: 'iris', namespace: 'ml', component: 'predictor', revision: 'rev-1' };
const ev = (id: string, type: PayloadEvent['type']): PayloadEvent => ({ id, type, time: '2026-11-29T10:00:00.000Z', identity, traceparent: undefined, metadata: undefined, body: `{"id":"${id}"}` });

test('storage URIs split into scheme, bucket or directory, and prefix', () => {
  assert.deepEqual(parseBlobUri('s3://logs/iris/'), { scheme: 's3', root: 'logs', prefix: 'iris' });
  assert.deepEqual(parseBlobUri('gs://logs'), { scheme: 'gs', root: 'logs', prefix: '' });
  assert.deepEqual(parseBlobUri('file:///mnt/logger/iris/'), { scheme: 'file', root: '/mnt/logger/iris', prefix: '' });
  assert.throws(() => parseBlobUri('https://x/y'), /unsupported logger storage URI/);
});

test('object keys are hive-style hour partitions, unique per writer and sequence', () => {
  const at = new Date(Date.UTC(2026, 10, 9, 7, 5, 3));
  assert.equal(objectKey('iris', 'rev-1-pod-a', at, 42), 'iris/year=2026/month=11/day=09/hour=07/rev-1-pod-a-20261109T070503Z-000042.jsonl');
  assert.equal(objectKey('', 'w', at, 0), 'year=2026/month=11/day=09/hour=07/w-20261109T070503Z-000000.jsonl');
});

test('a batch becomes one JSONL file, written whole under the prefix', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'modelship-blob-'));
  try {
    const sink = createBlobSink({ store: fileStore(dir), prefix: 'p', writer: 'w', now: () => new Date(Date.UTC(2026, 0, 2, 3)) });
    const result = await sink.write([ev('a', REQUEST_TYPE), ev('a', RESPONSE_TYPE), ev('b', REQUEST_TYPE)]);
    assert.deepEqual(result.failed, []);
    const hour = path.join(dir, 'p/year=2026/month=01/day=02/hour=03');
    const files = readdirSync(hour);
    assert.deepEqual(files, ['w-20260102T030000Z-000000.jsonl'], 'no temporary file left behind');
    const lines = readFileSync(path.join(hour, files[0]!), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((l) => [l.id, l.type]), [['a', REQUEST_TYPE], ['a', RESPONSE_TYPE], ['b', REQUEST_TYPE]]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
