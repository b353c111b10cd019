// End to end on the local cluster where pods really run: a BatchInference
// over an iris-shaped Parquet dataset in MinIO becomes an indexed Job of 4
// shards; the node agent runs each shard as the runtime image's `batch`
// subcommand (JOB_COMPLETION_INDEX from the downward API, the summary in the
// termination log); the run completes with every row counted in status, and
// the part files read back from MinIO match in-process onnxruntime-node
// predictions row for row.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { parquetWriteBuffer } from 'hyparquet-writer';
import * as ort from 'onnxruntime-node';
import { dump } from 'js-yaml';
import { REPO_ROOT, startLocalCluster, type LocalCluster } from '../localcluster/local-cluster.ts';
import { S3_SECRET, startObjectStore, type ObjectStore } from '../localcluster/object-store.ts';
import { until } from '../localcluster/http.ts';
import type { BatchInference } from '../../operator/src/api/batch-types.ts';

const NS = 'default';
const ROWS = 4000;
const SHARDS = 4;

let local: LocalCluster;
let store: ObjectStore;
before(async () => {
  local = await startLocalCluster({ log: process.env['E2E_LOG'] ? (l) => console.error(l) : undefined });
  store = await startObjectStore(join(local.cluster.dataDir, 'minio'), join(REPO_ROOT, 'examples/models'));
  await store.addSecret(local.cluster.kubeConfig, NS);
});
after(async () => {
  if (process.env['E2E_KEEP_LOGS']) console.error(`operator log: ${local?.operator?.tail(80)}`);
  await store?.stop();
  await local?.stop();
});

/** Iris-shaped rows from a fixed-seed generator: the same dataset every run. */
function dataset(rows: number): { ids: number[]; features: number[][] } {
  let seed = 12345;
  const next = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const ids = Array.from({ length: rows }, (_, i) => 100000 + i);
  const features = [4.3, 2.0, 1.0, 0.1].map((low, j) => Array.from({ length: rows }, () => Math.round((low + next() * [3.6, 2.4, 5.9, 2.4][j]!) * 10) / 10));
  return { ids, features };
}

async function inProcessLabels(features: number[][]): Promise<number[]> {
  const session = await ort.InferenceSession.create(join(REPO_ROOT, 'examples/models/iris.onnx'));
  const rows = features[0]!.length;
  const data = new Float32Array(rows * 4);
  for (let i = 0; i < rows; i++) for (let j = 0; j < 4; j++) data[i * 4 + j] = features[j]![i]!;
  const out = await session.run({ input: new ort.Tensor('float32', data, [rows, 4]) });
  await session.release();
  return Array.from(out['label']!.data as BigInt64Array, Number);
}

async function readObject(key: string): Promise<string> {
  const s3 = new S3Client({ endpoint: store.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'modelship-local', secretAccessKey: 'modelship-local-secret' } });
  try {
    const reply = await s3.send(new GetObjectCommand({ Bucket: 'predictions', Key: key }));
    return await reply.Body!.transformToString();
  } finally {
    s3.destroy();
  }
}

test(`a BatchInference of ${SHARDS} shards over a Parquet dataset in MinIO completes; its outputs match in-process predictions`, async () => {
  const { ids, features } = dataset(ROWS);
  const columns = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];
  const parquet = parquetWriteBuffer({
    columnData: [{ name: 'id', data: ids, type: 'INT32' }, ...columns.map((name, j) => ({ name, data: features[j]!, type: 'FLOAT' as const }))],
    rowGroupSize: ROWS / 8,
  });
  await store.put('datasets', 'iris/day.parquet', Buffer.from(parquet));
  await store.put('predictions', '.keep', Buffer.from(''));

  const manifest = {
    apiVersion: 'serving.modelship.io/v1alpha1', kind: 'BatchInference', metadata: { name: 'iris-day', namespace: NS },
    spec: {
      model: { modelFormat: { name: 'onnx' }, storageUri: 's3://models/iris.onnx', storageSecretRef: { name: S3_SECRET } },
      input: { storageUri: 's3://datasets/iris/day.parquet', format: 'parquet', idColumn: 'id', inputMap: { input: columns } },
      output: { storageUri: 's3://predictions/iris-day/', format: 'jsonl', outputs: ['label'] },
      storageSecretRef: { name: S3_SECRET },
      shards: SHARDS,
      parallelism: 2,
      batchSize: 128,
    },
  };
  const file = join(local.cluster.dataDir, 'batch-iris-day.yaml');
  writeFileSync(file, dump(manifest));
  await local.kubectl(['apply', '-f', file]);

  const custom = local.cluster.kubeConfig.makeApiClient(CustomObjectsApi);
  const read = async () => (await custom.getNamespacedCustomObject({ group: 'serving.modelship.io', version: 'v1alpha1', namespace: NS, plural: 'batchinferences', name: 'iris-day' })) as BatchInference;
  const done = await until('the run to finish', 300_000, async () => {
    const o = await read();
    return o.status?.phase === 'Complete' || o.status?.phase === 'Failed' ? o : undefined;
  }, 1000).catch(async (err: unknown) => {
    throw new Error(`${String(err)}\nstatus: ${JSON.stringify((await read()).status)}\noperator: ${local.operator?.tail(40)}`);
  });
  assert.equal(done.status!.phase, 'Complete', JSON.stringify(done.status));
  assert.equal(done.status!.progress, `${SHARDS}/${SHARDS}`);
  assert.equal(done.status!.rowsScored, ROWS, 'every row counted from the shards\' termination messages');
  assert.equal(done.status!.rowsFailed, 0);
  assert.ok((done.status!.rowsPerSecond ?? 0) > 0);

  const expected = await inProcessLabels(features);
  const byId = new Map<number, number>();
  for (let shard = 0; shard < SHARDS; shard++) {
    const text = await readObject(`iris-day/part-${shard}.jsonl`);
    for (const line of text.split('\n').filter((l) => l !== '')) {
      const row = JSON.parse(line) as { id: number; label: number };
      assert.ok(!byId.has(row.id), `row ${row.id} scored twice`);
      byId.set(row.id, row.label);
    }
    const marker = JSON.parse(await readObject(`iris-day/_markers/part-${shard}.json`)) as { rowsScored: number };
    assert.ok(marker.rowsScored >= 0);
  }
  assert.equal(byId.size, ROWS, 'every row scored exactly once across the shards');
  const mismatches = ids.filter((id, i) => byId.get(id) !== expected[i]);
  assert.deepEqual(mismatches, [], 'batch predictions equal in-process predictions row for row');
});
