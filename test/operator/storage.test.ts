// The contract between the Deployment the operator builds and the runtime image,
// against a real S3 (MinIO on 127.0.0.1): the storage initializer's command line
// with the referenced Secret's variables fetches the model from s3://, and the
// model server's command line serves it from the path the operator gave it; with a
// fallback model, the second init container fetches it too and the server answers
// from it what the primary fails on.
// Only the container paths are remapped to a temporary folder (no kubelet here).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Container, V1PodSpec } from '@kubernetes/client-node';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { binaryPath } from '../cluster/binaries.ts';
import { freePorts } from '../cluster/ports.ts';
import { runFetch } from '../storage/run-fetch.ts';
import { s3Admin } from '../storage/s3-admin.ts';
import { buildDeployment } from '../../operator/src/resources/deployment.ts';
import { defaultAndValidate } from '../../operator/src/api/validation.ts';
import { DEFAULT_BUILD_CONFIG } from '../../operator/src/settings.ts';
import { FALLBACK_DIR, FETCH_DIR } from '../../operator/src/resources/storage.ts';
import { lookupModel, minusOneModel } from '../runtime/support/models.ts';
import { ROOT, eventually, readExample } from './support.ts';

const credentials = { accessKeyId: 'operator-test', secretAccessKey: 'operator-test-secret' };
const REGION = 'us-east-1';
const iris = readFileSync(join(ROOT, 'examples/models/iris.onnx'));

let minio: ChildProcess;
let endpoint: string;
let scratch: string;

before(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'modelship-operator-s3-'));
  const [port, consolePort] = await freePorts(2);
  endpoint = `http://127.0.0.1:${port}`;
  minio = spawn(binaryPath('minio'), ['server', join(scratch, 'data'), '--address', `127.0.0.1:${port}`, '--console-address', `127.0.0.1:${consolePort}`, '--quiet'], {
    env: { PATH: process.env['PATH'] ?? '', HOME: scratch, MINIO_ROOT_USER: credentials.accessKeyId, MINIO_ROOT_PASSWORD: credentials.secretAccessKey, MINIO_BROWSER: 'off' },
    stdio: 'ignore',
  });
  await eventually('minio ready', async () => ((await fetch(`${endpoint}/minio/health/ready`, { signal: AbortSignal.timeout(1000) })).status === 200 ? true : undefined), { timeoutMs: 30_000, intervalMs: 200 });
  const admin = s3Admin(endpoint, credentials.accessKeyId, credentials.secretAccessKey, REGION);
  await admin.createBucket('models');
  await admin.put('models', 'iris.onnx', iris);
  admin.close();
});

after(async () => {
  if (minio !== undefined && minio.exitCode === null) {
    const exited = once(minio, 'exit');
    minio.kill('SIGTERM');
    await exited;
  }
  if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
});

const remap = (args: readonly string[], dirs: Record<string, string>) =>
  args.map((a) => Object.entries(dirs).reduce((arg, [from, to]) => (arg.startsWith(from) ? arg.replace(from, to) : arg), a));
const flag = (args: readonly string[], name: string) => args[args.indexOf(name) + 1];

/**
 * What the Secret named by storageSecretRef holds, as the kubelet resolves an
 * init container's secretKeyRefs (keys the Secret lacks are optional and left out).
 */
function resolvedSecret(init: V1Container): Record<string, string> {
  const data: Record<string, string> = { AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey, AWS_ENDPOINT_URL: endpoint, AWS_REGION: REGION, NODE_OPTIONS: '--require=/nonexistent.js' };
  return Object.fromEntries(init.env!.flatMap((e) => (data[e.valueFrom!.secretKeyRef!.key] !== undefined ? [[e.name, data[e.valueFrom!.secretKeyRef!.key]!]] : [])));
}

/** Runs each init container's fetch as the kubelet would, in order, with its container paths remapped. */
async function runInitContainers(pod: V1PodSpec, dirs: Record<string, string>): Promise<void> {
  for (const init of pod.initContainers ?? []) {
    const [command, ...fetchArgs] = remap(init.args!, dirs);
    assert.equal(command, 'fetch', init.name);
    const fetched = await runFetch(fetchArgs, resolvedSecret(init));
    assert.equal(fetched.code, 0, `${init.name}: ${fetched.stderr}`);
  }
}

/** The model server's own command line, with only the paths remapped and the port and host made local. */
async function withRuntime(serverArgs: readonly string[], dirs: Record<string, string>, use: (url: string) => Promise<void>): Promise<void> {
  const [port] = await freePorts(1);
  const args = remap(serverArgs, dirs).map((a, i, all) => (all[i - 1] === '--port' ? String(port) : all[i - 1] === '--grpc-port' ? '0' : all[i - 1] === '--host' ? '127.0.0.1' : a));
  const runtime = spawn(process.execPath, [join(ROOT, 'runtime/src/main.ts'), ...args], { cwd: ROOT, stdio: 'ignore', env: { PATH: process.env['PATH'] ?? '' } });
  try {
    const url = `http://127.0.0.1:${port}`;
    await eventually('the runtime ready with the fetched model', async () => {
      if (runtime.exitCode !== null) throw new Error(`the runtime exited with ${runtime.exitCode}`);
      return (await fetch(`${url}/v2/health/ready`).catch(() => undefined))?.status === 200 ? true : undefined;
    }, { timeoutMs: 60_000, intervalMs: 200 });
    await use(url);
  } finally {
    if (runtime.exitCode === null) {
      const exited = once(runtime, 'exit');
      runtime.kill('SIGTERM');
      await exited;
    }
  }
}

test('examples/iris.yaml: the init container fetches from S3 with the Secret, the server serves what it fetched', async () => {
  const manifest = readExample('iris.yaml');
  const defaulted = defaultAndValidate({ ...manifest, metadata: { ...manifest.metadata, namespace: 'default' } });
  assert.ok(defaulted.ok);
  const pod = buildDeployment(defaulted.isvc, DEFAULT_BUILD_CONFIG).spec!.template.spec!;
  const init = pod.initContainers![0]!;
  const server = pod.containers[0]!;
  assert.ok(init.env!.every((e) => e.valueFrom?.secretKeyRef?.name === 'modelship-s3'));
  assert.equal(resolvedSecret(init)['NODE_OPTIONS'], undefined, 'a key outside the list never reaches the container');

  const dirs = { [FETCH_DIR]: join(scratch, 'mnt-models') };
  await runInitContainers(pod, dirs);
  assert.deepEqual(readFileSync(flag(remap(server.args!, dirs), '--model-path')!), iris, 'the file is where --model-path points');
  await withRuntime(server.args!, dirs, async (url) => {
    const meta = await (await fetch(`${url}/v2/models/iris`)).json() as { name: string };
    assert.equal(meta.name, 'iris');
  });
});

test('fallback.storageUri: both init containers fetch from S3, and the fallback model answers what the primary fails on', async () => {
  const models = mkdtempSync(join(scratch, 'built-'));
  const admin = s3Admin(endpoint, credentials.accessKeyId, credentials.secretAccessKey, REGION);
  await admin.put('models', 'lookup/lookup.onnx', readFileSync(lookupModel(models)));
  await admin.put('models', 'fallbacks/minus-one.onnx', readFileSync(minusOneModel(models)));
  admin.close();
  const defaulted = defaultAndValidate({
    metadata: { name: 'lookup', namespace: 'default' },
    spec: {
      predictor: {
        model: { modelFormat: { name: 'onnx' }, storageUri: 's3://models/lookup/lookup.onnx', storageSecretRef: { name: 'modelship-s3' } },
        fallback: { storageUri: 's3://models/fallbacks/minus-one.onnx', on: ['error'] },
      },
    },
  });
  assert.ok(defaulted.ok, defaulted.ok ? '' : defaulted.errors.join('; '));
  const pod = buildDeployment(defaulted.isvc, DEFAULT_BUILD_CONFIG).spec!.template.spec!;
  assert.deepEqual(pod.initContainers!.map((c) => c.name), ['storage-initializer', 'fallback-initializer']);
  const server = pod.containers[0]!;
  const dirs = { [FETCH_DIR]: join(scratch, 'lookup-models'), [FALLBACK_DIR]: join(scratch, 'lookup-fallback') };
  await runInitContainers(pod, dirs);
  assert.deepEqual(readFileSync(flag(remap(server.args!, dirs), '--fallback-model-path')!), readFileSync(join(models, 'minus-one.onnx')), 'the fallback is where --fallback-model-path points');

  await withRuntime(server.args!, dirs, async (url) => {
    const infer = async (i: number) => {
      const response = await fetch(`${url}/v2/models/lookup/infer`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs: [{ name: 'i', datatype: 'INT64', shape: [1, 1], data: [i] }] }),
      });
      return { status: response.status, fallback: response.headers.get('x-modelship-fallback'), body: await response.json() as { outputs: Array<{ data: number[] }>; parameters?: unknown } };
    };
    // Index 9 is outside the primary's table: onnxruntime fails the run, the fallback model answers -1.
    const bad = await infer(9);
    assert.equal(bad.status, 200, JSON.stringify(bad.body));
    assert.equal(bad.fallback, 'true');
    assert.deepEqual(bad.body.parameters, { fallback: true });
    assert.deepEqual(bad.body.outputs[0]!.data, [-1]);
    const good = await infer(2);
    assert.equal(good.status, 200, JSON.stringify(good.body));
    assert.equal(good.fallback, null);
    assert.deepEqual(good.body.outputs[0]!.data, [30]);
  });
});

test('a wrong secret fails the init container (the pod would report FailedToLoad)', async () => {
  const bad = await runFetch(['--source', 's3://models/iris.onnx', '--dest', join(scratch, 'bad')], {
    AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: 'wrong', AWS_ENDPOINT_URL: endpoint, AWS_REGION: REGION,
  });
  assert.notEqual(bad.code, 0);
  assert.match(bad.stdout + bad.stderr, /HTTP 403 SignatureDoesNotMatch/);
});
