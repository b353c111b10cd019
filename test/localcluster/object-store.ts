// An S3 server for the local cluster: MinIO (built from its Go module by the
// cluster build script) on 127.0.0.1, a bucket with the example models, and
// the Secret the examples name (modelship-s3: AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY, AWS_ENDPOINT_URL, AWS_REGION), so s3:// examples run
// unchanged: the runtime's `fetch` init container downloads from it.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { signRequest, uriEncode } from '../../runtime/src/storage/sigv4.ts';
import { binaryPath } from '../cluster/binaries.ts';
import { freePorts } from '../cluster/ports.ts';
import { ManagedProcess } from '../cluster/processes.ts';
import { http, until } from './http.ts';

export const S3_SECRET = 'modelship-s3';
const USER = 'modelship-local';
const PASSWORD = 'modelship-local-secret';
const REGION = 'us-east-1';

export interface ObjectStore {
  endpoint: string;
  /** Creates the modelship-s3 Secret in a namespace. */
  addSecret(kubeConfig: KubeConfig, namespace: string): Promise<void>;
  stop(): Promise<void>;
}

async function s3(endpoint: string, method: 'PUT', pathname: string, body?: Buffer): Promise<void> {
  const url = new URL(`${endpoint}${pathname}`);
  const payloadHash = createHash('sha256').update(body ?? Buffer.alloc(0)).digest('hex');
  const headers = signRequest({ method, url, region: REGION, credentials: { accessKeyId: USER, secretAccessKey: PASSWORD }, now: new Date(), payloadHash });
  delete headers['host'];
  const res = await fetch(url, { method, headers, ...(body ? { body } : {}), signal: AbortSignal.timeout(10_000) });
  if (res.status !== 200) throw new Error(`S3 ${method} ${pathname}: ${res.status} ${await res.text()}`);
}

/** MinIO with bucket `models` holding every examples/models/*.onnx at its file name. */
export async function startObjectStore(dir: string, modelsDir: string, log?: (line: string) => void): Promise<ObjectStore> {
  mkdirSync(join(dir, 'data'), { recursive: true });
  const [port, consolePort] = (await freePorts(2)) as [number, number];
  const endpoint = `http://127.0.0.1:${port}`;
  const minio = new ManagedProcess({
    name: 'minio',
    // env -i: MinIO reads its credentials from the environment, and nothing else of ours should leak in.
    command: 'env',
    args: [
      '-i', `PATH=${process.env['PATH'] ?? ''}`, `HOME=${dir}`, `MINIO_ROOT_USER=${USER}`, `MINIO_ROOT_PASSWORD=${PASSWORD}`, 'MINIO_BROWSER=off',
      binaryPath('minio'), 'server', join(dir, 'data'), '--address', `127.0.0.1:${port}`, '--console-address', `127.0.0.1:${consolePort}`, '--quiet',
    ],
    logFile: join(dir, 'minio.log'),
    ...(log ? { log } : {}),
  });
  try {
    await until('MinIO ready', 30_000, async () => {
      if (!minio.running) throw new Error(`minio exited:\n${minio.tail()}`);
      return (await http(`${endpoint}/minio/health/ready`, undefined, 1000)).status === 200 ? true : undefined;
    });
    await s3(endpoint, 'PUT', '/models');
    for (const file of readdirSync(modelsDir).filter((f) => f.endsWith('.onnx'))) {
      await s3(endpoint, 'PUT', `/models/${uriEncode(file, true)}`, readFileSync(join(modelsDir, file)));
    }
  } catch (err) {
    await minio.kill();
    throw err;
  }
  return {
    endpoint,
    addSecret: async (kubeConfig, namespace) => {
      await kubeConfig.makeApiClient(CoreV1Api).createNamespacedSecret({
        namespace,
        body: {
          metadata: { name: S3_SECRET },
          stringData: { AWS_ACCESS_KEY_ID: USER, AWS_SECRET_ACCESS_KEY: PASSWORD, AWS_ENDPOINT_URL: endpoint, AWS_REGION: REGION },
        },
      });
    },
    stop: () => minio.kill(),
  };
}
