// Volumes of a pod run as local processes: each volume is a host directory,
// and container paths in args and env are rewritten to those directories
// (there is no mount namespace). emptyDir -> a fresh dir under the pod's dir;
// a PersistentVolumeClaim -> the bound PersistentVolume's hostPath or local path.
import type { V1Container, V1PersistentVolume, V1Volume } from '@kubernetes/client-node';

export interface Mount {
  containerPath: string;
  hostPath: string;
  readOnly: boolean;
}

/** Where a volume lives on this machine, or why it cannot be provided. */
export type VolumeSource = { kind: 'emptyDir' } | { kind: 'pvc'; claim: string } | { kind: 'unsupported'; message: string };

export function volumeSource(volume: V1Volume): VolumeSource {
  if (volume.emptyDir !== undefined) return { kind: 'emptyDir' };
  if (volume.persistentVolumeClaim !== undefined) return { kind: 'pvc', claim: volume.persistentVolumeClaim.claimName };
  return { kind: 'unsupported', message: `volume ${volume.name}: only emptyDir and persistentVolumeClaim volumes can be provided by the local node agent` };
}

/** The host directory a PersistentVolume stands for, if it is one we can use. */
export function persistentVolumePath(pv: V1PersistentVolume): string | undefined {
  return pv.spec?.hostPath?.path ?? pv.spec?.local?.path;
}

/** The container's mounts, longest container path first (so nested mounts win). */
export function containerMounts(container: V1Container, volumeDirs: ReadonlyMap<string, string>): Mount[] | { error: string } {
  const mounts: Mount[] = [];
  for (const m of container.volumeMounts ?? []) {
    const dir = volumeDirs.get(m.name);
    if (dir === undefined) return { error: `container ${container.name} mounts unknown volume ${m.name}` };
    const sub = (m.subPath ?? '').replace(/^\/+/, '');
    if (sub.split('/').includes('..')) return { error: `container ${container.name}: subPath ${m.subPath} escapes its volume` };
    mounts.push({ containerPath: m.mountPath.replace(/\/+$/, '') || '/', hostPath: sub === '' ? dir : `${dir}/${sub}`, readOnly: m.readOnly === true });
  }
  return mounts.sort((a, b) => b.containerPath.length - a.containerPath.length);
}

function rewriteOne(value: string, mounts: readonly Mount[]): string {
  for (const m of mounts) {
    if (value === m.containerPath) return m.hostPath;
    if (value.startsWith(`${m.containerPath}/`)) return m.hostPath + value.slice(m.containerPath.length);
  }
  return value;
}

/** A container path (or `--flag=path`) -> the host path; anything else is returned unchanged. */
export function rewritePath(value: string, mounts: readonly Mount[]): string {
  const eq = value.indexOf('=');
  if (value.startsWith('-') && eq > 0) return value.slice(0, eq + 1) + rewriteOne(value.slice(eq + 1), mounts);
  return rewriteOne(value, mounts);
}
