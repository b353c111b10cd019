// Where each remote object lands under --dest. Object keys come from the
// store, i.e. from whoever can write to the bucket, so a key like
// `model/../../etc/passwd` must never escape the destination folder.
import path from 'node:path';
import { FetchError } from './errors.ts';

export class UnsafePathError extends FetchError {}

/**
 * The path relative to the prefix, for a key the prefix selects, or
 * undefined for keys outside it. The prefix is a folder (`models/iris`
 * selects `models/iris/...`, not `models/iris2/...`), or names one object
 * exactly, which then keeps its base name.
 */
export function relativeKey(prefix: string, key: string): string | undefined {
  const trimmed = prefix.replace(/\/+$/, '');
  if (trimmed !== '' && key === trimmed) return key.slice(key.lastIndexOf('/') + 1);
  const folder = trimmed === '' ? '' : `${trimmed}/`;
  if (!key.startsWith(folder)) return undefined;
  const rest = key.slice(folder.length);
  // Zero-byte "folder" markers some tools create.
  if (rest === '' || rest.endsWith('/')) return undefined;
  return rest;
}

/** Joins a relative object path onto dest, refusing anything that could leave it. */
export function safeJoin(dest: string, relative: string): string {
  const segments = relative.split('/');
  for (const s of segments) {
    if (s === '' || s === '.' || s === '..' || s.includes('\\') || s.includes('\0')) {
      throw new UnsafePathError(`refusing object path ${JSON.stringify(relative)}: it would not stay inside ${dest}`);
    }
  }
  const root = path.resolve(dest);
  const target = path.resolve(root, ...segments);
  if (!target.startsWith(root + path.sep)) {
    throw new UnsafePathError(`refusing object path ${JSON.stringify(relative)}: it resolves outside ${dest}`);
  }
  return target;
}
