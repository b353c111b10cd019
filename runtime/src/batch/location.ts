// Where a batch run reads and writes: a local path (file or directory, or a
// file:// URL), or an object-store prefix (s3://bucket/prefix,
// gs://bucket/prefix). Parsed once, before any I/O.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSource, SourceError } from '../storage/source.ts';

export type Location =
  | { readonly kind: 'local'; readonly path: string }
  | { readonly kind: 's3' | 'gs'; readonly bucket: string; readonly prefix: string };

export function parseLocation(text: string): Location {
  if (text.trim() === '') throw new Error('must not be empty');
  if (/^(s3|gs):\/\//.test(text)) {
    try {
      const source = parseSource(text);
      if (source.kind === 'http') throw new Error('unreachable');
      return { kind: source.kind, bucket: source.bucket, prefix: source.prefix.replace(/\/+$/, '') };
    } catch (error) {
      throw new Error(error instanceof SourceError ? error.message : String(error));
    }
  }
  if (/^file:\/\//.test(text)) return { kind: 'local', path: fileURLToPath(text) };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) throw new Error(`${text}: expected a local path, file://, s3://bucket/prefix or gs://bucket/prefix`);
  return { kind: 'local', path: path.resolve(text) };
}

export function describeLocation(location: Location): string {
  return location.kind === 'local' ? location.path : `${location.kind}://${location.bucket}/${location.prefix}`;
}
