// What `fetch --source` may name: an S3 or GCS prefix (every object under it)
// or a single file over HTTP(S). Parsed once, before any network I/O.

export type Source =
  | { readonly kind: 's3'; readonly bucket: string; readonly prefix: string }
  | { readonly kind: 'gs'; readonly bucket: string; readonly prefix: string }
  | { readonly kind: 'http'; readonly url: URL };

export class SourceError extends Error {}

// S3 and GCS bucket names share this shape (GCS also allows '_' and longer
// dotted names; S3 rules are the stricter common ground plus '_').
const BUCKET = /^[a-z0-9][a-z0-9._-]{1,221}[a-z0-9]$/;

export function parseSource(uri: string): Source {
  const match = /^(s3|gs):\/\/([^/]*)\/?(.*)$/.exec(uri);
  if (match) {
    const [, scheme, bucket, prefix] = match as unknown as [string, 's3' | 'gs', string, string];
    if (!BUCKET.test(bucket)) throw new SourceError(`${uri}: "${bucket}" is not a valid bucket name`);
    return { kind: scheme, bucket, prefix };
  }
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new SourceError(`${uri}: expected s3://bucket/prefix, gs://bucket/prefix or an http(s):// URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new SourceError(`${uri}: unsupported scheme ${url.protocol} (s3://, gs://, https:// and http:// are)`);
  }
  if (url.username || url.password) throw new SourceError(`${uri}: credentials in the URL are not accepted`);
  return { kind: 'http', url };
}

/** URLs may carry signed query parameters (presigned S3/GCS URLs): logs and errors get origin and path only. */
export function redact(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

export function describeSource(source: Source): string {
  return source.kind === 'http' ? redact(source.url) : `${source.kind}://${source.bucket}/${source.prefix}`;
}
