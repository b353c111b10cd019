// What spec.predictor.logger and spec.predictor.tracing add to the runtime
// container: flags, the blob sink's credentials and, for a pvc:// sink, a
// read-write volume. Pure. The identity flags (InferenceService, namespace,
// component, revision) are what every CloudEvent and span carries; they are
// passed only when logging or tracing is on, so enabling neither leaves the
// pod template of existing InferenceServices unchanged.
import type { V1EnvFromSource, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import type { DefaultedInferenceService } from '../api/types.ts';
import { LOGGER_VOLUME } from '../names.ts';

/** Where a pvc:// logger claim is mounted in the runtime container. */
export const LOGGER_MOUNT = '/mnt/logger';
export const COMPONENT = 'predictor';

export interface ObservabilityPieces {
  readonly args: readonly string[];
  readonly envFrom: readonly V1EnvFromSource[];
  readonly volumes: readonly V1Volume[];
  readonly volumeMounts: readonly V1VolumeMount[];
}

const NONE: ObservabilityPieces = Object.freeze({ args: [], envFrom: [], volumes: [], volumeMounts: [] });

/** s3:// and gs:// pass through; pvc://claim/path becomes a file:// URI under the claim's mount. */
function loggerStorage(uri: string): { uri: string; claim?: string } {
  const pvc = /^pvc:\/\/([^/]+)(\/.*)?$/.exec(uri);
  if (pvc === null) return { uri };
  const path = (pvc[2] ?? '').replace(/\/+$/, '');
  return { uri: `file://${LOGGER_MOUNT}${path}`, claim: pvc[1] as string };
}

export function observabilityFor(isvc: DefaultedInferenceService, revision: string | undefined): ObservabilityPieces {
  const { logger, tracing } = isvc.spec.predictor;
  const tracingOn = tracing?.endpoint !== undefined;
  if (logger === undefined && !tracingOn) return NONE;
  const args = [
    '--inference-service', isvc.metadata.name,
    '--namespace', isvc.metadata.namespace ?? 'default',
    '--component', COMPONENT,
    ...(revision !== undefined ? ['--revision', revision] : []),
  ];
  const envFrom: V1EnvFromSource[] = [];
  const volumes: V1Volume[] = [];
  const volumeMounts: V1VolumeMount[] = [];
  if (logger !== undefined) {
    if (logger.url !== undefined) args.push('--logger-url', logger.url);
    args.push('--logger-mode', logger.mode ?? 'all');
    if (logger.metadataHeaders !== undefined && logger.metadataHeaders.length > 0) args.push('--logger-metadata-headers', logger.metadataHeaders.join(','));
    if (logger.sampleRate !== undefined) args.push('--logger-sample-rate', String(logger.sampleRate));
    if (logger.storageUri !== undefined) {
      const storage = loggerStorage(logger.storageUri);
      args.push('--logger-storage-uri', storage.uri);
      if (storage.claim !== undefined) {
        volumes.push({ name: LOGGER_VOLUME, persistentVolumeClaim: { claimName: storage.claim } });
        volumeMounts.push({ name: LOGGER_VOLUME, mountPath: LOGGER_MOUNT });
      }
    }
    if (logger.storageSecretRef !== undefined) envFrom.push({ secretRef: { name: logger.storageSecretRef.name } });
  }
  if (tracingOn) {
    args.push('--tracing-endpoint', tracing.endpoint as string);
    if (tracing.samplingRatio !== undefined) args.push('--tracing-sampling-ratio', String(tracing.samplingRatio));
  }
  return { args, envFrom, volumes, volumeMounts };
}
