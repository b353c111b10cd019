// An S3 server for the local cluster: MinIO (built from its Go module by the
// cluster build script) on 127.0.0.1, a bucket with the example models, and
// the Secret the examples name (modelship-s3: AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY, AWS_ENDPOINT_URL, AWS_REGION), so s3:// examples run
// unchanged: the runtime's `fetch` init container downloads from it.
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { binaryPath } from '../cluster/binaries.ts';
import { freePorts } from '../cluster/ports.ts';
import { s3Admin } from '../storage/s3-admin.ts';
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
  /** Writes an object, creating the bucket first when it is new. */
  put(bucket: string, key: string, body: Buffer): Promise<void>;
  stop(): Promise<void>;
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
    const admin = s3Admin(endpoint, USER, PASSWORD, REGION);
    try {
      await admin.createBucket('models');
      for (const file of readdirSync(modelsDir).filter((f) => f.endsWith('.onnx'))) {
        await admin.put('models', file, readFileSync(join(modelsDir, file)));
      }
    } finally {
      admin.close();
    }
  } catch (err) {
    await minio.kill();
    throw err;
  }
  const buckets = new Set(['models']);
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
    put: async (bucket, key, body) => {
      const admin = s3Admin(endpoint, USER, PASSWORD, REGION);
      try {
        if (!buckets.has(bucket)) await admin.createBucket(bucket);
        buckets.add(bucket);
        await admin.put(bucket, key, body);
      } finally {
        admin.close();
      }
    },
    stop: () => minio.kill(),
  };
}
