// Where the model comes from and where the runtime finds it. pvc:// mounts the
// claim read-only; every other scheme is fetched by the storage initializer
// (`fetch --source <uri> --dest <dir>` of the runtime image) into an emptyDir.
export const PVC_MOUNT = '/mnt/pvc';
export const FETCH_DIR = '/mnt/models';
/** The fallback model's own volume (a claim or a fetch), whatever its scheme. */
export const FALLBACK_DIR = '/mnt/fallback';

export type Storage =
  | { kind: 'pvc'; claim: string; modelPath: string }
  | { kind: 'fetch'; uri: string; modelPath: string };

/**
 * The fetch writes a single object to <dest>/<basename>; a prefix (no .onnx
 * suffix) is copied as a directory and the runtime is pointed at the directory.
 */
export function parseStorageUri(uri: string, roots: { pvc: string; fetch: string } = { pvc: PVC_MOUNT, fetch: FETCH_DIR }): Storage {
  const pvc = /^pvc:\/\/([^/]+)(\/.*)?$/.exec(uri);
  if (pvc !== null) {
    const path = (pvc[2] ?? '').replace(/^\/+/, '');
    return { kind: 'pvc', claim: pvc[1] ?? '', modelPath: path === '' ? roots.pvc : `${roots.pvc}/${path}` };
  }
  const withoutQuery = uri.split(/[?#]/)[0] ?? uri;
  const base = withoutQuery.replace(/\/+$/, '').split('/').pop() ?? '';
  return { kind: 'fetch', uri, modelPath: base.endsWith('.onnx') ? `${roots.fetch}/${base}` : roots.fetch };
}
