import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultBatchSpec } from './batch-validation.ts';
import type { BatchInferenceSpec } from './batch-types.ts';

const base: BatchInferenceSpec = {
  model: { modelFormat: { name: 'onnx' }, storageUri: 's3://models/iris.onnx' },
  input: { storageUri: 's3://data/x.parquet', format: 'parquet' },
  output: { storageUri: 's3://out/x/' },
};

test('schema defaults are filled into a copy', () => {
  const spec = structuredClone(base);
  const r = defaultBatchSpec({ spec });
  assert.ok(r.ok);
  assert.equal(r.spec.shards, 1);
  assert.equal(r.spec.retry.backoffLimitPerIndex, 3);
  assert.equal(r.spec.successfulRunsHistoryLimit, 3);
  assert.equal(r.spec.failedRunsHistoryLimit, 1);
  assert.equal(spec.shards, undefined, 'the input is not mutated');
});

test('the cross-field rules the API server enforces with CEL are checked again', () => {
  const cases: Array<[Partial<BatchInferenceSpec>, RegExp]> = [
    [{ model: undefined }, /exactly one of model and inferenceServiceRef/],
    [{ inferenceServiceRef: { name: 'iris' } }, /exactly one of model and inferenceServiceRef/],
    [{ shards: 2, parallelism: 3 }, /parallelism: must not exceed shards/],
    [{ shards: 2, retry: { maxFailedIndexes: 5 } }, /maxFailedIndexes: must not exceed shards/],
    [{ shards: 0 }, /spec\.shards: must be >= 1/],
    [{ input: { storageUri: 's3://d/x', format: 'xml' as never } }, /spec\.input\.format: must be one of jsonl, csv, parquet/],
  ];
  for (const [patch, message] of cases) {
    const r = defaultBatchSpec({ spec: { ...base, ...patch } });
    assert.ok(!r.ok, String(message));
    assert.match(r.errors.join('; '), message);
  }
});
