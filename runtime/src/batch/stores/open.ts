// Opens the stores a batch run's --input and --output name. Each cloud SDK is
// loaded only when its store is used, as the model fetch does.
import { gcsSettings, s3Settings } from '../../storage/config.ts';
import type { BatchConfig } from '../config.ts';
import type { Location } from '../location.ts';
import { localInput, localOutput } from './local.ts';
import type { InputStore, OutputStore } from './store.ts';

export interface Stores {
  readonly input: InputStore;
  readonly output: OutputStore;
  close(): void;
}

type Clients = { s3?: import('@aws-sdk/client-s3').S3Client; gcs?: import('@google-cloud/storage').Storage };

async function clientsFor(config: BatchConfig, env: NodeJS.ProcessEnv, kinds: Set<Location['kind']>): Promise<Clients> {
  const policy = { allowMetadataAddresses: config.allowMetadataAddresses };
  const errors: string[] = [];
  const clients: Clients = {};
  if (kinds.has('s3')) {
    const settings = s3Settings(env, errors);
    if (errors.length > 0) throw new Error(errors.join('; '));
    const { s3Client } = await import('../../storage/s3.ts');
    clients.s3 = await s3Client(settings, { retries: config.retries, idleMs: config.idleTimeoutMs, policy });
  }
  if (kinds.has('gs')) {
    const settings = gcsSettings(env, config.gcsEndpoint === undefined ? undefined : new URL(config.gcsEndpoint), errors);
    if (errors.length > 0) throw new Error(errors.join('; '));
    const { gcsClient } = await import('../../storage/gcs.ts');
    clients.gcs = await gcsClient(settings, { retries: config.retries, policy });
  }
  return clients;
}

async function inputOf(location: Location, clients: Clients): Promise<InputStore> {
  if (location.kind === 'local') return localInput(location.path);
  if (location.kind === 's3') return (await import('./s3.ts')).s3Input(clients.s3!, location.bucket, location.prefix);
  return (await import('./gcs.ts')).gcsInput(clients.gcs!, location.bucket, location.prefix);
}

async function outputOf(location: Location, clients: Clients): Promise<OutputStore> {
  if (location.kind === 'local') return localOutput(location.path);
  if (location.kind === 's3') return (await import('./s3.ts')).s3Output(clients.s3!, location.bucket, location.prefix);
  return (await import('./gcs.ts')).gcsOutput(clients.gcs!, location.bucket, location.prefix);
}

export async function openStores(config: BatchConfig, env: NodeJS.ProcessEnv): Promise<Stores> {
  const clients = await clientsFor(config, env, new Set([config.input.kind, config.output.kind]));
  return {
    input: await inputOf(config.input, clients),
    output: await outputOf(config.output, clients),
    close: () => clients.s3?.destroy(),
  };
}
