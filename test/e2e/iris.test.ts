// End to end on the local cluster where pods really run: `kubectl apply` the
// iris example, the real operator, scheduler, controller-manager and node
// agent bring up the runtime, the InferenceService reports Ready with a URL,
// and predictions come back over HTTP through the Service; a fallback model
// fetched by its own init container answers what the primary fails on.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { REPO_ROOT, startLocalCluster, type LocalCluster } from '../localcluster/local-cluster.ts';
import { S3_SECRET, startObjectStore, type ObjectStore } from '../localcluster/object-store.ts';
import { http, sleep, until } from '../localcluster/http.ts';
import { startLoad } from './load.ts';
import { lookupModel, minusOneModel } from '../runtime/support/models.ts';

const NS = 'default';
const NAME = 'iris-pvc';
const reference = JSON.parse(readFileSync(join(REPO_ROOT, 'examples/models/iris.reference.json'), 'utf8')) as {
  inputs: unknown[];
  outputs: Array<{ name: string; data: number[] }>;
};

let local: LocalCluster;
let store: ObjectStore;
before(async () => {
  local = await startLocalCluster({ log: process.env['E2E_LOG'] ? (l) => console.error(l) : undefined });
  await local.addModelStore(NS);
  store = await startObjectStore(join(local.cluster.dataDir, 'minio'), join(REPO_ROOT, 'examples/models'));
  await store.addSecret(local.cluster.kubeConfig, NS);
});
after(async () => {
  if (process.env['E2E_KEEP_LOGS']) console.error(`operator log: ${local?.operator?.tail(80)}`);
  await store?.stop();
  await local?.stop();
});

interface Isvc {
  status?: { url?: string; conditions?: Array<{ type: string; status: string; reason?: string; message?: string }> };
}

test('kubectl apply the iris example -> Ready with a URL -> predictions through the Service', async () => {
  const custom = local.cluster.kubeConfig.makeApiClient(CustomObjectsApi);
  const applied = Date.now();
  await local.kubectl(['apply', '-n', NS, '-f', join(REPO_ROOT, 'examples/iris-pvc.yaml')]);

  // Time to first prediction: from the apply to the first correct answer through the Service.
  const url = await until('the Service on the proxy', 30_000, async () => local.proxy.url(NS, NAME));
  const infer = `${url}/v2/models/${NAME}/infer`;
  const first = await until('a first prediction', 120_000, async () => {
    const reply = await http(infer, { inputs: reference.inputs }).catch(() => undefined);
    return reply?.status === 200 ? reply : undefined;
  }, 100);
  const firstPredictionMs = Date.now() - applied;

  const outputs = (JSON.parse(first.body) as { outputs: Array<{ name: string; data: number[] }> }).outputs;
  const label = outputs.find((o) => o.name === 'label');
  assert.deepEqual(label?.data, reference.outputs.find((o) => o.name === 'label')?.data);

  const isvc = await until('status Ready with a URL', 60_000, async () => {
    const obj = (await custom.getNamespacedCustomObject({ group: 'serving.modelship.io', version: 'v1alpha1', namespace: NS, plural: 'inferenceservices', name: NAME })) as Isvc;
    const ready = obj.status?.conditions?.find((c) => c.type === 'Ready');
    return ready?.status === 'True' && obj.status?.url ? obj : undefined;
  });
  const readyMs = Date.now() - applied;
  assert.equal(isvc.status?.url, `http://${NAME}.${NS}.svc.cluster.local`);
  console.log(`time to first prediction after kubectl apply: ${firstPredictionMs} ms; status Ready observed after ${readyMs} ms`);

  // The pods behind the Service are the node agent's, on loopback addresses.
  const pods = JSON.parse(await local.kubectl(['get', 'pods', '-n', NS, '-l', `serving.modelship.io/inferenceservice=${NAME}`, '-o', 'json'])) as {
    items: Array<{ spec: { nodeName: string }; status: { podIP: string; phase: string } }>;
  };
  assert.ok(pods.items.length >= 1);
  for (const p of pods.items) {
    assert.equal(p.spec.nodeName, 'local-node-1');
    assert.match(p.status.podIP, /^127\./);
  }
  // Metadata and readiness of the model through the same Service.
  assert.equal((await http(`${url}/v2/models/${NAME}/ready`)).status, 200);
});

test('examples/iris.yaml unchanged: the fetch init container downloads the model from S3 (MinIO) with the Secret, then it serves', async () => {
  const applied = Date.now();
  await local.kubectl(['apply', '-n', NS, '-f', join(REPO_ROOT, 'examples/iris.yaml')]);
  const url = await until('the Service on the proxy', 30_000, async () => local.proxy.url(NS, 'iris'));
  const reply = await until('a prediction from the S3-fetched model', 120_000, async () => {
    const r = await http(`${url}/v2/models/iris/infer`, { inputs: reference.inputs }).catch(() => undefined);
    return r?.status === 200 ? r : undefined;
  }, 200);
  const label = (JSON.parse(reply.body) as { outputs: Array<{ name: string; data: number[] }> }).outputs.find((o) => o.name === 'label');
  assert.deepEqual(label?.data, reference.outputs.find((o) => o.name === 'label')?.data);
  console.log(`s3 example: first prediction ${Date.now() - applied} ms after kubectl apply`);
  const pods = JSON.parse(await local.kubectl(['get', 'pods', '-n', NS, '-l', 'serving.modelship.io/inferenceservice=iris', '-o', 'json'])) as {
    items: Array<{ status: { initContainerStatuses?: Array<{ name: string; state: { terminated?: { exitCode: number } } }> } }>;
  };
  const init = pods.items[0]?.status.initContainerStatuses?.[0];
  assert.equal(init?.name, 'storage-initializer');
  assert.equal(init?.state.terminated?.exitCode, 0);
});

// A pod deleted while traffic flows through the Service: the operator's pods
// sleep in preStop (the node agent runs it, as the kubelet does) while the
// Service drops the terminating pod, then the runtime drains; no request fails.
test('a model server pod deleted under load: no request through the Service fails', async () => {
  const name = 'iris-two';
  const file = join(local.cluster.dataDir, `${name}.yaml`);
  writeFileSync(file, readFileSync(join(REPO_ROOT, 'examples/iris-pvc.yaml'), 'utf8').replace('name: iris-pvc', `name: ${name}`).replace('  predictor:\n', '  predictor:\n    minReplicas: 2\n'));
  await local.kubectl(['apply', '-n', NS, '-f', file]);
  const selector = `serving.modelship.io/inferenceservice=${name}`;
  type Pod = { metadata: { name: string; deletionTimestamp?: string }; status: { conditions?: Array<{ type: string; status: string }> } };
  const readyPods = async () => (JSON.parse(await local.kubectl(['get', 'pods', '-n', NS, '-l', selector, '-o', 'json'])) as { items: Pod[] }).items
    .filter((p) => !p.metadata.deletionTimestamp && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
  const [victim] = await until('two ready pods', 120_000, async () => ((await readyPods()).length === 2 ? await readyPods() : undefined), 500);
  const url = await until('the Service on the proxy', 30_000, async () => local.proxy.url(NS, name));
  const infer = `${url}/v2/models/${name}/infer`;
  await until('a prediction', 60_000, async () => ((await http(infer, { inputs: reference.inputs }).catch(() => undefined))?.status === 200 ? true : undefined), 200);

  const load = startLoad({ url: infer, body: { inputs: reference.inputs }, concurrency: 4, durationMs: 60_000, maxRequests: 50_000 });
  await sleep(2_000);
  const deleted = Date.now();
  await local.kubectl(['delete', 'pod', '-n', NS, victim!.metadata.name, '--wait=false']);
  // Through the preStop sleep, the runtime's drain and the replacement pod's start.
  await until('the deleted pod gone', 120_000, async () => {
    const all = (JSON.parse(await local.kubectl(['get', 'pods', '-n', NS, '-l', selector, '-o', 'json'])) as { items: Pod[] }).items;
    return all.some((p) => p.metadata.name === victim!.metadata.name) ? undefined : true;
  }, 500);
  const goneAfterMs = Date.now() - deleted;
  await sleep(2_000);
  load.stop();
  const result = await load.done;
  console.log(`pod deleted under load: gone after ${goneAfterMs} ms; ${result.ok} ok / ${result.failed} failed of ${result.sent} (${JSON.stringify(result.statuses)})`);
  assert.ok(result.ok > 100, `the load ran (${result.ok} answered)`);
  assert.equal(result.failed, 0, `requests failed while a pod was deleted: ${JSON.stringify(result.statuses)}`);
});

test("examples/kserve-onnx.yaml: KServe's ONNX sample, its storageUri a prefix holding model.onnx, served from MinIO", async () => {
  // KServe's sample bucket laid out in MinIO: gs://kfserving-examples/models/onnx/model.onnx
  // becomes s3://kfserving-examples/models/onnx/model.onnx (with a sibling that must
  // not be picked), and the manifest is the shipped one with only the storageUri
  // pointed there and the Secret that reaches MinIO named.
  await store.put('kfserving-examples', 'models/onnx/model.onnx', readFileSync(join(REPO_ROOT, 'examples/models/iris.onnx')));
  await store.put('kfserving-examples', 'models/onnx/README.txt', Buffer.from('KServe sample layout'));
  const shipped = readFileSync(join(REPO_ROOT, 'examples/kserve-onnx.yaml'), 'utf8');
  assert.match(shipped, /storageUri: "gs:\/\/kfserving-examples\/models\/onnx"/);
  const manifest = shipped.replace(
    'storageUri: "gs://kfserving-examples/models/onnx"',
    `storageUri: "s3://kfserving-examples/models/onnx"\n      storageSecretRef:\n        name: ${S3_SECRET}`,
  );
  const file = join(local.cluster.dataDir, 'kserve-onnx.yaml');
  writeFileSync(file, manifest);
  await local.kubectl(['apply', '-n', NS, '-f', file]);
  const name = 'style-sample';
  const url = await until('the Service on the proxy', 30_000, async () => local.proxy.url(NS, name));
  const reply = await until('a prediction from the model under the prefix', 120_000, async () => {
    const r = await http(`${url}/v2/models/${name}/infer`, { inputs: reference.inputs }).catch(() => undefined);
    return r?.status === 200 ? r : undefined;
  }, 200);
  const label = (JSON.parse(reply.body) as { outputs: Array<{ name: string; data: number[] }> }).outputs.find((o) => o.name === 'label');
  assert.deepEqual(label?.data, reference.outputs.find((o) => o.name === 'label')?.data);
  const pods = JSON.parse(await local.kubectl(['get', 'pods', '-n', NS, '-l', `serving.modelship.io/inferenceservice=${name}`, '-o', 'json'])) as {
    items: Array<{ spec: { containers: Array<{ args: string[] }> } }>;
  };
  const args = pods.items[0]!.spec.containers[0]!.args;
  assert.equal(args[args.indexOf('--model-path') + 1], '/mnt/models', 'the runtime was given the directory and chose model.onnx in it');
});

test('fallback.storageUri: a second init container fetches the fallback model from S3; it answers what the primary fails on', async () => {
  // The primary fails at run time on an index outside its table (onnxruntime's Gather); the fallback model answers -1.
  const dir = mkdtempSync(join(local.cluster.dataDir, 'fallback-models-'));
  await store.put('models', 'lookup/lookup.onnx', readFileSync(lookupModel(dir)));
  await store.put('models', 'fallbacks/minus-one.onnx', readFileSync(minusOneModel(dir)));
  const name = 'lookup';
  const file = join(local.cluster.dataDir, `${name}.yaml`);
  writeFileSync(file, JSON.stringify({
    apiVersion: 'serving.modelship.io/v1alpha1',
    kind: 'InferenceService',
    metadata: { name },
    spec: {
      predictor: {
        model: { modelFormat: { name: 'onnx' }, storageUri: 's3://models/lookup/lookup.onnx', storageSecretRef: { name: S3_SECRET } },
        fallback: { storageUri: 's3://models/fallbacks/minus-one.onnx', on: ['error'] },
      },
    },
  }));
  await local.kubectl(['apply', '-n', NS, '-f', file]);
  const url = await until('the Service on the proxy', 30_000, async () => local.proxy.url(NS, name));
  const infer = (i: number) => http(`${url}/v2/models/${name}/infer`, { inputs: [{ name: 'i', datatype: 'INT64', shape: [1, 1], data: [i] }] });
  const good = await until('a prediction from the primary', 120_000, async () => {
    const r = await infer(2).catch(() => undefined);
    return r?.status === 200 ? r : undefined;
  }, 200);
  assert.deepEqual((JSON.parse(good.body) as { outputs: Array<{ data: number[] }> }).outputs[0]!.data, [30]);
  assert.equal(good.headers?.['x-modelship-fallback'], undefined);
  const bad = await infer(9);
  assert.equal(bad.status, 200, bad.body);
  assert.equal(bad.headers?.['x-modelship-fallback'], 'true');
  const answer = JSON.parse(bad.body) as { outputs: Array<{ data: number[] }>; parameters?: unknown };
  assert.deepEqual(answer.outputs[0]!.data, [-1]);
  assert.deepEqual(answer.parameters, { fallback: true });
  const pods = JSON.parse(await local.kubectl(['get', 'pods', '-n', NS, '-l', `serving.modelship.io/inferenceservice=${name}`, '-o', 'json'])) as {
    items: Array<{ status: { initContainerStatuses?: Array<{ name: string; state: { terminated?: { exitCode: number } } }> } }>;
  };
  assert.deepEqual(pods.items[0]?.status.initContainerStatuses?.map((s) => [s.name, s.state.terminated?.exitCode]), [['storage-initializer', 0], ['fallback-initializer', 0]]);
});
