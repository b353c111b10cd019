// The PersistentVolume and claim behind `pvc://model-store/...` in the
// examples: a hostPath PV over a local directory holding the repo's example
// models as iris/iris.onnx etc., bound to the claim by the real
// PersistentVolume controller of kube-controller-manager. The node agent
// mounts a PVC as its bound PV's path.
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { V1PersistentVolume, V1PersistentVolumeClaim } from '@kubernetes/client-node';

export const MODEL_STORE_CLAIM = 'model-store';

/**
 * Copies examples/models/<name>.onnx to <dir>/<name>/<name>.onnx, the layout
 * the pvc examples name, with its training profile <name>.profile.json beside
 * it when there is one (the runtime loads it from there, docs/monitoring.md).
 */
export function populateModelStore(modelsDir: string, dir: string): void {
  const files = readdirSync(modelsDir);
  for (const file of files.filter((f) => f.endsWith('.onnx'))) {
    const name = file.slice(0, -'.onnx'.length);
    mkdirSync(join(dir, name), { recursive: true });
    copyFileSync(join(modelsDir, file), join(dir, name, file));
    const profile = `${name}.profile.json`;
    if (files.includes(profile)) copyFileSync(join(modelsDir, profile), join(dir, name, profile));
  }
}

export function modelStoreVolume(dir: string, namespace: string): { pv: V1PersistentVolume; pvc: V1PersistentVolumeClaim } {
  const name = `${MODEL_STORE_CLAIM}-${namespace}`;
  return {
    pv: {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name },
      spec: {
        capacity: { storage: '1Gi' },
        accessModes: ['ReadOnlyMany'],
        storageClassName: '',
        persistentVolumeReclaimPolicy: 'Retain',
        hostPath: { path: dir, type: 'Directory' },
        // Pre-bound, so the claim gets this volume and no other.
        claimRef: { namespace, name: MODEL_STORE_CLAIM },
      },
    },
    pvc: {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: MODEL_STORE_CLAIM, namespace },
      spec: { accessModes: ['ReadOnlyMany'], storageClassName: '', volumeName: name, resources: { requests: { storage: '1Gi' } } },
    },
  };
}
