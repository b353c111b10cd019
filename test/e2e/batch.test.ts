// End to end on the local cluster where pods really run: a BatchInference
// over an iris-shaped Parquet dataset in MinIO becomes an indexed Job of 4
// shards; the node agent runs each shard as the runtime image's `batch`
// subcommand (JOB_COMPLETION_INDEX from the downward API, the summary in the
// termination log); the run completes with every row counted in status, and
// the part files read back from MinIO match in-process onnxruntime-node
// predictions row for row. A shard's pod deleted mid-run is replaced by the
// Job, the other shards are not scored again, and the Parquet parts, read back
// by DuckDB, hold every row once. A scheduled BatchInference's CronJob starts a
// run that completes and writes under its own prefix. A BatchInference whose
// inferenceServiceRef names an InferenceService just promoted from canary
// scores with the promoted revision's model.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { BatchV1Api, CoreV1Api, CustomObjectsApi, type V1Pod } from '@kubernetes/client-node';
import { parquetWriteBuffer } from 'hyparquet-writer';
import * as ort from 'onnxruntime-node';
import { dump } from 'js-yaml';
import { REPO_ROOT, startLocalCluster, type LocalCluster } from '../localcluster/local-cluster.ts';
import { S3_SECRET, startObjectStore, type ObjectStore } from '../localcluster/object-store.ts';
import { until } from '../localcluster/http.ts';
import type { BatchInference } from '../../operator/src/api/batch-types.ts';
import { BATCH_CONTAINER_NAME } from '../../operator/src/names.ts';
import { duckdbRun } from '../batch/support.ts';

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

async function inProcess(features: number[][], model = 'iris.onnx'): Promise<{ labels: number[]; probabilities: Float32Array }> {
  const session = await ort.InferenceSession.create(join(REPO_ROOT, 'examples/models', model));
  const rows = features[0]!.length;
  const data = new Float32Array(rows * 4);
  for (let i = 0; i < rows; i++) for (let j = 0; j < 4; j++) data[i * 4 + j] = features[j]![i]!;
  const out = await session.run({ input: new ort.Tensor('float32', data, [rows, 4]) });
  await session.release();
  return { labels: Array.from(out['label']!.data as BigInt64Array, Number), probabilities: out['probabilities']!.data as Float32Array };
}

const inProcessLabels = async (features: number[][]): Promise<number[]> => (await inProcess(features)).labels;

async function readBytes(key: string): Promise<Uint8Array> {
  const s3 = new S3Client({ endpoint: store.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'modelship-local', secretAccessKey: 'modelship-local-secret' } });
  try {
    const reply = await s3.send(new GetObjectCommand({ Bucket: 'predictions', Key: key }));
    return await reply.Body!.transformToByteArray();
  } finally {
    s3.destroy();
  }
}

const readObject = async (key: string): Promise<string> => Buffer.from(await readBytes(key)).toString('utf8');

const COLUMNS = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];
const data = dataset(ROWS);

async function uploadDataset(key = 'iris/day.parquet', rows = data): Promise<void> {
  const parquet = parquetWriteBuffer({
    columnData: [{ name: 'id', data: rows.ids, type: 'INT32' }, ...COLUMNS.map((name, j) => ({ name, data: rows.features[j]!, type: 'FLOAT' as const }))],
    rowGroupSize: rows.ids.length / 8,
  });
  await store.put('datasets', key, Buffer.from(parquet));
  await store.put('predictions', '.keep', Buffer.from(''));
}

async function apply(name: string, extra: Record<string, unknown>): Promise<void> {
  const manifest = {
    apiVersion: 'serving.modelship.io/v1alpha1', kind: 'BatchInference', metadata: { name, namespace: NS },
    spec: {
      model: { modelFormat: { name: 'onnx' }, storageUri: 's3://models/iris.onnx', storageSecretRef: { name: S3_SECRET } },
      input: { storageUri: 's3://datasets/iris/day.parquet', format: 'parquet', idColumn: 'id', inputMap: { input: COLUMNS } },
      output: { storageUri: `s3://predictions/${name}/`, format: 'jsonl', outputs: ['label'] },
      storageSecretRef: { name: S3_SECRET },
      shards: SHARDS,
      parallelism: 2,
      batchSize: 128,
      ...extra,
    },
  };
  // An extra key set to undefined removes it (inferenceServiceRef in place of model).
  manifest.spec = Object.fromEntries(Object.entries(manifest.spec).filter(([, v]) => v !== undefined)) as typeof manifest.spec;
  const file = join(local.cluster.dataDir, `batch-${name}.yaml`);
  writeFileSync(file, dump(manifest));
  await local.kubectl(['apply', '-f', file]);
}

async function readBatch(name: string): Promise<BatchInference> {
  const custom = local.cluster.kubeConfig.makeApiClient(CustomObjectsApi);
  return (await custom.getNamespacedCustomObject({ group: 'serving.modelship.io', version: 'v1alpha1', namespace: NS, plural: 'batchinferences', name })) as BatchInference;
}

async function waitFor(name: string, what: string, timeoutMs: number, done: (o: BatchInference) => boolean): Promise<BatchInference> {
  return await until(what, timeoutMs, async () => {
    const o = await readBatch(name);
    return done(o) ? o : undefined;
  }, 1000).catch(async (err: unknown) => {
    throw new Error(`${String(err)}\nstatus: ${JSON.stringify((await readBatch(name)).status)}\noperator: ${local.operator?.tail(40)}`);
  });
}

/** id -> label over every part file of a run, each id once. */
async function predictions(prefix: string): Promise<Map<number, number>> {
  const byId = new Map<number, number>();
  for (let shard = 0; shard < SHARDS; shard++) {
    const text = await readObject(`${prefix}part-${shard}.jsonl`);
    for (const line of text.split('\n').filter((l) => l !== '')) {
      const row = JSON.parse(line) as { id: number; label: number };
      assert.ok(!byId.has(row.id), `row ${row.id} scored twice`);
      byId.set(row.id, row.label);
    }
    const marker = JSON.parse(await readObject(`${prefix}_markers/part-${shard}.json`)) as { rowsScored: number };
    assert.ok(marker.rowsScored >= 0);
  }
  return byId;
}

test(`a BatchInference of ${SHARDS} shards over a Parquet dataset in MinIO completes; its outputs match in-process predictions`, async () => {
  await uploadDataset();
  const { ids, features } = data;
  await apply('iris-day', {});
  const done = await waitFor('iris-day', 'the run to finish', 300_000, (o) => o.status?.phase === 'Complete' || o.status?.phase === 'Failed');
  assert.equal(done.status!.phase, 'Complete', JSON.stringify(done.status));
  assert.equal(done.status!.progress, `${SHARDS}/${SHARDS}`);
  assert.equal(done.status!.rowsScored, ROWS, 'every row counted from the shards\' termination messages');
  assert.equal(done.status!.rowsFailed, 0);
  assert.ok((done.status!.rowsPerSecond ?? 0) > 0);

  const expected = await inProcessLabels(features);
  const byId = await predictions('iris-day/');
  assert.equal(byId.size, ROWS, 'every row scored exactly once across the shards');
  const mismatches = ids.filter((id, i) => byId.get(id) !== expected[i]);
  assert.deepEqual(mismatches, [], 'batch predictions equal in-process predictions row for row');
});

// Enough rows that a shard scores for seconds, so the kill lands mid-run.
const KILL_ROWS = 400_000;

test('a shard\'s pod deleted mid-run: the Job replaces it, finished shards are not scored again, every row is in the output once', async () => {
  const big = dataset(KILL_ROWS);
  await uploadDataset('iris/big.parquet', big);
  const name = 'iris-kill';
  await apply(name, {
    input: { storageUri: 's3://datasets/iris/big.parquet', format: 'parquet', idColumn: 'id', inputMap: { input: COLUMNS } },
    output: { storageUri: `s3://predictions/${name}/`, format: 'parquet', outputs: ['label'] },
    parallelism: SHARDS,
    batchSize: 1024,
  });
  const core = local.cluster.kubeConfig.makeApiClient(CoreV1Api);
  const shardPods = async (): Promise<V1Pod[]> => (await core.listNamespacedPod({ namespace: NS, labelSelector: `batch.kubernetes.io/job-name=${name}` })).items;
  const index = (p: V1Pod) => p.metadata?.annotations?.['batch.kubernetes.io/job-completion-index'];
  // Shard 1 is deleted once its log says it is scoring (model loaded, rows being read), as `kubectl delete pod` would.
  const victim = await until('shard 1 to be scoring', 300_000, async () => {
    const pod = (await shardPods()).find((p) => index(p) === '1' && p.status?.phase === 'Running');
    const log = pod && local.agent.containerLog(NS, pod.metadata!.name!, BATCH_CONTAINER_NAME);
    return log?.includes('"message":"scoring shard"') ? pod : undefined;
  }, 100);
  await core.deleteNamespacedPod({ name: victim.metadata!.name!, namespace: NS });

  const done = await waitFor(name, 'the run to finish', 600_000, (o) => o.status?.phase === 'Complete' || o.status?.phase === 'Failed');
  assert.equal(done.status!.phase, 'Complete', JSON.stringify(done.status));
  assert.equal(done.status!.rowsScored, KILL_ROWS);
  const job = await local.cluster.kubeConfig.makeApiClient(BatchV1Api).readNamespacedJob({ name, namespace: NS });
  assert.equal(job.status?.failed, 1, 'the deleted pod counted as failed: it was stopped before its shard finished');
  assert.equal(job.status?.succeeded, SHARDS);
  const succeeded = (await shardPods()).filter((p) => p.status?.phase === 'Succeeded');
  assert.deepEqual(succeeded.map(index).sort(), ['0', '1', '2', '3'], 'each shard scored to the end exactly once');
  assert.notEqual(succeeded.find((p) => index(p) === '1')!.metadata!.uid, victim.metadata!.uid, 'shard 1 finished in a replacement pod');
  const markers = await Promise.all([0, 1, 2, 3].map(async (i) => JSON.parse(await readObject(`${name}/_markers/part-${i}.json`)) as { rowsScored: number }));
  assert.equal(markers.reduce((sum, m) => sum + m.rowsScored, 0), KILL_ROWS);

  // The parts read back by another implementation (DuckDB), against in-process predictions.
  const dir = join(local.cluster.dataDir, name);
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < SHARDS; i++) writeFileSync(join(dir, `part-${i}.parquet`), await readBytes(`${name}/part-${i}.parquet`));
  const csv = join(dir, 'out.csv');
  duckdbRun(`copy (select id, label from '${dir}/part-*.parquet' order by id) to '${csv}' (header false)`);
  const lines = readFileSync(csv, 'utf8').trimEnd().split('\n');
  assert.equal(lines.length, KILL_ROWS, 'every row once');
  const expected = await inProcessLabels(big.features);
  let mismatches = 0;
  lines.forEach((line, r) => {
    const [id, label] = line.split(',').map(Number);
    if ((id !== big.ids[r] || label !== expected[r]) && mismatches++ < 5) assert.fail(`row ${r}: batch ${line}, expected id ${big.ids[r]} label ${expected[r]}`);
  });
  assert.equal(mismatches, 0);
});

test('inferenceServiceRef after a canary promotion: the run scores with the promoted revision\'s model', async () => {
  await local.addModelStore(NS);
  const isvc = 'iris-live';
  const applyIsvc = async (predictor: Record<string, unknown>) => {
    const file = join(local.cluster.dataDir, `${isvc}.json`);
    writeFileSync(file, JSON.stringify({ apiVersion: 'serving.modelship.io/v1alpha1', kind: 'InferenceService', metadata: { name: isvc, namespace: NS }, spec: { predictor } }));
    await local.kubectl(['apply', '-f', file]);
  };
  const model = (name: string) => ({ modelFormat: { name: 'onnx' }, storageUri: `pvc://model-store/${name}/${name}.onnx` });
  const rolledOut = async (): Promise<string | undefined> => {
    const o = JSON.parse(await local.kubectl(['get', 'inferenceservice', '-n', NS, isvc, '-o', 'json'])) as { status?: { conditions?: { type: string; status: string }[]; components?: { predictor?: { latestRolledoutRevision?: string } } } };
    const ready = o.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
    return ready ? o.status?.components?.predictor?.latestRolledoutRevision : undefined;
  };
  const explain = async (err: unknown): Promise<never> => {
    const pods = await local.kubectl(['get', 'pods,pvc,pv', '-A', '-o', 'yaml']).catch(() => '');
    throw new Error(`${String(err)}\n${await local.kubectl(['get', 'inferenceservice', '-n', NS, isvc, '-o', 'json']).catch(() => '')}\n${pods}\noperator: ${local.operator?.tail(30)}`);
  };
  await applyIsvc({ model: model('iris') });
  const v1 = await until('v1 Ready and rolled out', 300_000, rolledOut, 1000).catch(explain);
  // A canary of v2, then its promotion (canaryTrafficPercent removed: all traffic to the latest revision).
  await applyIsvc({ canaryTrafficPercent: 20, model: model('iris-v2') });
  await applyIsvc({ model: model('iris-v2') });
  const v2 = await until('v2 promoted and rolled out', 300_000, async () => {
    const r = await rolledOut();
    return r !== undefined && r !== v1 ? r : undefined;
  }, 1000).catch(explain);

  await uploadDataset();
  const name = 'iris-live-scoring';
  await apply(name, { model: undefined, inferenceServiceRef: { name: isvc }, output: { storageUri: `s3://predictions/${name}/`, format: 'jsonl', outputs: ['label', 'probabilities'] } });
  const done = await waitFor(name, 'the run to finish', 300_000, (o) => o.status?.phase === 'Complete' || o.status?.phase === 'Failed');
  assert.equal(done.status!.phase, 'Complete', JSON.stringify(done.status));
  assert.equal(done.status!.revision, v2, 'status records the promoted revision');
  assert.equal(done.status!.model, `${isvc}/${v2}`);

  const [old, promoted] = await Promise.all([inProcess(data.features, 'iris.onnx'), inProcess(data.features, 'iris-v2.onnx')]);
  const rows = new Map<number, { label: number; probabilities: number[] }>();
  for (let shard = 0; shard < SHARDS; shard++) {
    for (const line of (await readObject(`${name}/part-${shard}.jsonl`)).split('\n').filter((l) => l !== '')) {
      const row = JSON.parse(line) as { id: number; label: number; probabilities: number[] };
      rows.set(row.id, row);
    }
  }
  assert.equal(rows.size, ROWS);
  let differs = 0;
  data.ids.forEach((id, r) => {
    const got = rows.get(id)!;
    const want = Array.from(promoted.probabilities.subarray(r * 3, r * 3 + 3));
    assert.ok(got.probabilities.every((p, k) => Math.abs(p - want[k]!) < 1e-6), `row ${id}: ${got.probabilities} vs the promoted model's ${want}`);
    // The forest ties some rows (0.5/0.5); which class wins a tie depends on float rounding, which
    // depends on the rows batched together: the label is compared where there is a winner.
    const [first, second] = [...want].sort((a, b) => b - a);
    if (first! - second! > 1e-5) assert.equal(got.label, promoted.labels[r], `row ${id}: label of the promoted model`);
    if (want.some((p, k) => Math.abs(p - old.probabilities[r * 3 + k]!) > 1e-3)) differs++;
  });
  assert.ok(differs > ROWS / 2, `the two revisions' models disagree on most rows (${differs}), so the comparison tells them apart`);
});

test('a schedule: the CronJob starts a run, which completes under its own prefix', async () => {
  // Every minute: the CronJob controller starts the first run at the next minute boundary.
  await apply('iris-nightly', { schedule: '* * * * *' });
  const done = await waitFor('iris-nightly', 'a scheduled run to finish', 300_000, (o) => (o.status?.conditions ?? []).some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True'));
  const s = done.status!;
  assert.equal(s.conditions!.find((c) => c.type === 'Complete')!.status, 'True', JSON.stringify(s));
  assert.equal(s.cronJobName, 'iris-nightly');
  assert.ok(s.lastScheduleTime !== undefined);
  assert.match(s.jobName ?? '', /^iris-nightly-\d+$/);
  assert.equal(s.outputUri, `s3://predictions/iris-nightly/${s.jobName}/`, 'each run writes under its own prefix');
  assert.equal(s.rowsScored, ROWS);
  // Stop further runs before looking at the files.
  await local.kubectl(['patch', 'batchinference', 'iris-nightly', '--type=merge', '-p', '{"spec":{"suspend":true}}']);
  const byId = await predictions(`iris-nightly/${s.jobName}/`);
  assert.equal(byId.size, ROWS);
});
