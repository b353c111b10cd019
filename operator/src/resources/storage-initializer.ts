// The storage initializer: the runtime image's `fetch` command as an init
// container that copies the model into the pod's model volume. Pure.
//
// Credentials, in the order the runtime's SDK chains try them:
// - storageSecretRef: only the variables the fetch reads are taken from the
//   Secret (secretKeyRef, each optional), never the whole Secret by envFrom,
//   so a tenant's Secret cannot set NODE_OPTIONS or the fetch policy.
// - otherwise the pod's own service account: what a platform webhook injects
//   (IRSA, EKS Pod Identity) or the node answers (GKE Workload Identity)
//   reaches the init container as is; and when the administrator names a
//   token audience (--storage-token-audience), the pod's service-account
//   token for that audience is projected into the init container alone, for
//   an OIDC-trusting STS (AssumeRoleWithWebIdentity with spec's storageRoleArn).
// The fetch policy comes from the operator's flags, passed as flags (which
// win over any environment).
import type { V1Container, V1EnvVar, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import type { PredictorSpec } from '../api/types.ts';
import type { StorageConfig } from '../settings.ts';
import { STORAGE_INITIALIZER_NAME } from '../names.ts';
import { FETCH_DIR } from './storage.ts';

/** The variables a storage Secret may supply (runtime/src/storage/README.md documents each). */
export const STORAGE_SECRET_KEYS = [
  'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_REGION', 'AWS_DEFAULT_REGION',
  'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL_STS', 'AWS_ROLE_ARN',
  'S3_ENDPOINT', 'S3_USE_HTTPS', 'S3_FORCE_PATH_STYLE',
  'GOOGLE_OAUTH_ACCESS_TOKEN', 'CLOUDSDK_AUTH_ACCESS_TOKEN', 'STORAGE_EMULATOR_HOST',
] as const;

export const STORAGE_TOKEN_VOLUME = 'storage-token';
export const STORAGE_TOKEN_DIR = '/var/run/secrets/modelship.io/storage';
const TOKEN_LIFETIME_SECONDS = 3600;

export interface StorageInitializer {
  container: V1Container;
  volumes: V1Volume[];
}

/** The storage variables of a Secret, key by key (each optional), never the whole Secret. */
export function storageSecretEnv(secret: string): V1EnvVar[] {
  return STORAGE_SECRET_KEYS.map((key) => ({ name: key, valueFrom: { secretKeyRef: { name: secret, key, optional: true } } }));
}

function credentials(model: PredictorSpec['model'], storage: StorageConfig): { env: V1EnvVar[]; mounts: V1VolumeMount[]; volumes: V1Volume[] } {
  const secret = model.storageSecretRef?.name;
  if (secret !== undefined) return { env: storageSecretEnv(secret), mounts: [], volumes: [] };
  if (storage.tokenAudience === '') return { env: [], mounts: [], volumes: [] };
  return {
    env: [
      { name: 'AWS_WEB_IDENTITY_TOKEN_FILE', value: `${STORAGE_TOKEN_DIR}/token` },
      ...(model.storageRoleArn !== undefined ? [{ name: 'AWS_ROLE_ARN', value: model.storageRoleArn }] : []),
      { name: 'AWS_ROLE_SESSION_NAME', value: 'modelship-storage-initializer' },
    ],
    mounts: [{ name: STORAGE_TOKEN_VOLUME, mountPath: STORAGE_TOKEN_DIR, readOnly: true }],
    volumes: [
      {
        name: STORAGE_TOKEN_VOLUME,
        projected: { sources: [{ serviceAccountToken: { audience: storage.tokenAudience, expirationSeconds: TOKEN_LIFETIME_SECONDS, path: 'token' } }] },
      },
    ],
  };
}

/** `target` names the init container and where it writes: the primary model by default, or the fallback model. */
export function buildStorageInitializer(
  uri: string,
  model: PredictorSpec['model'],
  storage: StorageConfig,
  base: Pick<V1Container, 'image' | 'imagePullPolicy' | 'securityContext' | 'resources'>,
  mounts: V1VolumeMount[],
  target: { name: string; dest: string } = { name: STORAGE_INITIALIZER_NAME, dest: FETCH_DIR },
): StorageInitializer {
  const creds = credentials(model, storage);
  return {
    container: {
      name: target.name,
      ...base,
      args: [
        'fetch', '--source', uri, '--dest', target.dest,
        '--idle-timeout-seconds', String(storage.idleTimeoutSeconds),
        '--max-model-bytes', String(storage.maxModelBytes),
        '--allow-metadata-addresses', String(storage.allowMetadataAddresses),
      ],
      ...(creds.env.length > 0 ? { env: creds.env } : {}),
      terminationMessagePolicy: 'FallbackToLogsOnError',
      volumeMounts: [...mounts, ...creds.mounts],
    },
    volumes: creds.volumes,
  };
}
