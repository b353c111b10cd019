// The contract between the Deployment the operator builds and the runtime image,
// against a real S3 (MinIO on 127.0.0.1): the storage initializer's command line
// with the referenced Secret's variables fetches the model from s3://, and the
// model server's command line serves it from the path the operator gave it.
// Only the container paths are remapped to a temporary folder (no kubelet here).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
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
import { FETCH_DIR } from '../../operator/src/resources/storage.ts';
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

const remap = (args: readonly string[], dir: string) => args.map((a) => (a.startsWith(FETCH_DIR) ? a.replace(FETCH_DIR, dir) : a));
const flag = (args: readonly string[], name: string) => args[args.indexOf(name) + 1];

test('examples/iris.yaml: the init container fetches from S3 with the Secret, the server serves what it fetched', async () => {
  const manifest = readExample('iris.yaml');
  const defaulted = defaultAndValidate({ ...manifest, metadata: { ...manifest.metadata, namespace: 'default' } });
  assert.ok(defaulted.ok);
  const pod = buildDeployment(defaulted.isvc, DEFAULT_BUILD_CONFIG).spec!.template.spec!;
  const init = pod.initContainers![0]!;
  const server = pod.containers[0]!;
  assert.ok(init.env!.every((e) => e.valueFrom?.secretKeyRef?.name === 'modelship-s3'));
  // What the Secret named by storageSecretRef holds, as the kubelet resolves the
  // init container's secretKeyRefs (keys the Secret lacks are optional and left out).
  const data: Record<string, string> = { AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey, AWS_ENDPOINT_URL: endpoint, AWS_REGION: REGION, NODE_OPTIONS: '--require=/nonexistent.js' };
  const secret = Object.fromEntries(init.env!.flatMap((e) => (data[e.valueFrom!.secretKeyRef!.key] !== undefined ? [[e.name, data[e.valueFrom!.secretKeyRef!.key]!]] : [])));
  assert.equal(secret['NODE_OPTIONS'], undefined, 'a key outside the list never reaches the container');

  const models = join(scratch, 'mnt-models');
  const [command, ...fetchArgs] = remap(init.args!, models);
  assert.equal(command, 'fetch');
  const fetched = await runFetch(fetchArgs, secret);
  assert.equal(fetched.code, 0, fetched.stderr);
  const modelPath = remap(server.args!, models);
  assert.deepEqual(readFileSync(flag(modelPath, '--model-path')!), iris, 'the file is where --model-path points');

  // The model server's own command line, with only the port and host made local.
  const [port] = await freePorts(1);
  const args = modelPath.map((a, i, all) => (all[i - 1] === '--port' ? String(port) : all[i - 1] === '--grpc-port' ? '0' : all[i - 1] === '--host' ? '127.0.0.1' : a));
  const runtime = spawn(process.execPath, [join(ROOT, 'runtime/src/main.ts'), ...args], { cwd: ROOT, stdio: 'ignore', env: { PATH: process.env['PATH'] ?? '' } });
  try {
    await eventually('the runtime ready with the fetched model', async () => ((await fetch(`http://127.0.0.1:${port}/v2/health/ready`)).status === 200 ? true : undefined), { timeoutMs: 30_000, intervalMs: 200 });
    const meta = await (await fetch(`http://127.0.0.1:${port}/v2/models/iris`)).json() as { name: string };
    assert.equal(meta.name, 'iris');
  } finally {
    const exited = once(runtime, 'exit');
    runtime.kill('SIGTERM');
    await exited;
  }
});

test('a wrong secret fails the init container (the pod would report FailedToLoad)', async () => {
  const bad = await runFetch(['--source', 's3://models/iris.onnx', '--dest', join(scratch, 'bad')], {
    AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: 'wrong', AWS_ENDPOINT_URL: endpoint, AWS_REGION: REGION,
  });
  assert.notEqual(bad.code, 0);
  assert.match(bad.stdout + bad.stderr, /HTTP 403 SignatureDoesNotMatch/);
});
