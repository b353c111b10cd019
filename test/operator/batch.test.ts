// BatchInference on the real control plane: the API server refuses invalid
// manifests with a useful message (the CRD's schema and CEL rules, as
// generated from operator/src/api/batch-schema.ts).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { KubeApiError, type KubeObject } from '../../operator/src/kube/client.ts';
import { BATCH_INFERENCES } from '../../operator/src/kube/resources.ts';
import type { BatchInference } from '../../operator/src/api/batch-types.ts';
import { createNamespace, startTestCluster, type TestCluster } from './support.ts';

let tc: TestCluster;

before(async () => {
  tc = await startTestCluster();
});

after(async () => {
  await tc?.stop();
});

function batch(namespace: string, name: string, spec: Record<string, unknown> = {}): BatchInference {
  return {
    apiVersion: 'serving.modelship.io/v1alpha1',
    kind: 'BatchInference',
    metadata: { name, namespace },
    spec: {
      model: { modelFormat: { name: 'onnx' }, storageUri: 's3://models/iris.onnx' },
      input: { storageUri: 's3://data/iris.parquet', format: 'parquet' },
      output: { storageUri: 's3://out/iris/' },
      ...spec,
    } as never,
  };
}

const many = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i));
const model = { modelFormat: { name: 'onnx' }, storageUri: 's3://models/iris.onnx' };

const invalid: Array<[string, Record<string, unknown>, RegExp, string?]> = [
  ['neither model nor inferenceServiceRef', { model: undefined }, /exactly one of model and inferenceServiceRef must be set/],
  ['both model and inferenceServiceRef', { model, inferenceServiceRef: { name: 'iris' } }, /exactly one of model and inferenceServiceRef must be set/],
  ['an unknown input format', { input: { storageUri: 's3://data/x', format: 'xlsx' } }, /input\.format: Unsupported value: "xlsx"/],
  ['an unknown output format', { output: { storageUri: 's3://out/x', format: 'avro' } }, /output\.format: Unsupported value: "avro"/],
  ['an input on a web server', { input: { storageUri: 'https://host/data.csv', format: 'csv' } }, /input\.storageUri must start with s3:\/\/ or gs:\/\//],
  ['.. in the output prefix', { output: { storageUri: 's3://out/../other' } }, /output\.storageUri must not contain a '\.\.' path segment/],
  ['zero shards', { shards: 0 }, /shards.*greater than or equal to 1/],
  ['1001 shards', { shards: 1001 }, /shards.*less than or equal to 1000/],
  ['parallelism above shards', { shards: 2, parallelism: 3 }, /parallelism must not exceed shards/],
  ['maxFailedRowsPercent above 100', { maxFailedRowsPercent: 101 }, /maxFailedRowsPercent.*less than or equal to 100/],
  ['negative maxFailedRowsPercent', { maxFailedRowsPercent: -1 }, /maxFailedRowsPercent.*greater than or equal to 0/],
  ['maxFailedIndexes above shards', { shards: 2, retry: { maxFailedIndexes: 3 } }, /retry\.maxFailedIndexes must not exceed shards/],
  ['a sentence for a schedule', { schedule: 'every night at two' }, /schedule must be five cron fields or a macro/],
  ['a shell command for a schedule', { schedule: '0 2 * * *; rm -rf /' }, /schedule must be five cron fields or a macro/],
  ['four cron fields', { schedule: '0 2 * *' }, /schedule must be five cron fields or a macro/],
  ['timeZone without a schedule', { timeZone: 'Europe/Paris' }, /timeZone needs a schedule/],
  ['a column with a comma', { input: { storageUri: 's3://data/x.csv', format: 'csv', passthroughColumns: ['a,b'] } }, /passthroughColumns must not contain ','/],
  ['an input map key with =', { input: { storageUri: 's3://data/x.csv', format: 'csv', inputMap: { 'in=put': ['a'] } } }, /inputMap keys must not contain/],
  ['an empty column list', { input: { storageUri: 's3://data/x.csv', format: 'csv', inputMap: { input: [] } } }, /should have at least 1 items|must have at least 1 items/],
  ['257 passthrough columns', { input: { storageUri: 's3://data/x.csv', format: 'csv', passthroughColumns: many(257, (i) => `c${i}`) } }, /Too many: 257: must have at most 256 items/],
  ['a 2049-character input URI', { input: { storageUri: `s3://data/${'x'.repeat(2040)}`, format: 'csv' } }, /input\.storageUri: Too long: may not be (longer than|more than) 2048/],
  ['65 pod labels', { labels: Object.fromEntries(many(65, (i) => `k${i}`).map((k) => [k, 'v'])) }, /labels: Too many: 65: must have at most 64 items/],
  ['a 101-retry backoff', { retry: { backoffLimitPerIndex: 101 } }, /backoffLimitPerIndex.*less than or equal to 100/],
  ['an inferenceServiceRef name too long', { model: undefined, inferenceServiceRef: { name: 'x'.repeat(46) } }, /inferenceServiceRef\.name: Too long/],
  ['a model that is not ONNX', { model: { modelFormat: { name: 'pytorch' }, storageUri: 's3://m/x' } }, /Unsupported value: "pytorch"/],
  ['name too long for its Job', {}, /metadata.name must be at most 45 characters/, 'x'.repeat(46)],
  ['name that is not a DNS label', {}, /must be a DNS-1035 label/, '9lives'],
];

test(`${invalid.length} invalid BatchInference manifests are refused by the API server with a useful message`, async () => {
  await createNamespace(tc.admin, 'invalid-batch');
  for (const [what, spec, message, name] of invalid) {
    const manifest = batch('invalid-batch', name ?? 'bad', spec);
    const err = await tc.admin.create(BATCH_INFERENCES, manifest).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof KubeApiError, `${what}: accepted`);
    assert.equal(err.status, 422, `${what}: ${err.message}`);
    assert.match(err.message, message, what);
  }
  assert.equal((await tc.admin.list(BATCH_INFERENCES, { namespace: 'invalid-batch' })).items.length, 0);
});

test('a run is immutable, a schedule is editable, and neither can become the other', async () => {
  await createNamespace(tc.admin, 'edit-batch');
  const run = await tc.admin.create(BATCH_INFERENCES, batch('edit-batch', 'once', { shards: 2 }));
  const edited = { ...run, spec: { ...run.spec, shards: 3 } };
  const err = await tc.admin.update(BATCH_INFERENCES, edited).then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof KubeApiError && err.status === 422 && /spec of a run without a schedule is immutable/.test(err.message), String(err));
  const toSchedule = { ...run, spec: { ...run.spec, schedule: '@daily' } };
  const err2 = await tc.admin.update(BATCH_INFERENCES, toSchedule).then(() => undefined, (e: unknown) => e);
  assert.ok(err2 instanceof KubeApiError && /schedule cannot be added or removed/.test(err2.message), String(err2));

  const nightly = await tc.admin.create(BATCH_INFERENCES, batch('edit-batch', 'nightly', { schedule: '0 2 * * *', timeZone: 'Europe/Paris' }));
  const updated = await tc.admin.update(BATCH_INFERENCES, { ...nightly, spec: { ...nightly.spec, schedule: '30 3 * * 1-5', shards: 4 } });
  assert.equal(updated.spec.schedule, '30 3 * * 1-5');
  assert.equal(updated.spec.shards, 4);
  assert.equal(updated.spec.successfulRunsHistoryLimit, 3, 'the API server applied the schema default');
  const err3 = await tc.admin.update(BATCH_INFERENCES, { ...updated, spec: { ...updated.spec, schedule: undefined } } as KubeObject as BatchInference).then(() => undefined, (e: unknown) => e);
  assert.ok(err3 instanceof KubeApiError && /schedule cannot be added or removed/.test(err3.message), String(err3));
});
