// Amazon S3 and S3-compatible stores (MinIO, Ceph RGW): ListObjectsV2 to
// enumerate a prefix, GET to download, both SigV4-signed when credentials
// are configured and anonymous otherwise.
import type { S3Settings } from './config.ts';
import { signRequest, uriEncode } from './sigv4.ts';
import type { RemoteObject, Store } from './store.ts';
import { getWithRetry, TransferError, type RequestSpec, type TransferOptions } from './transfer.ts';

export function decodeXml(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);/g, (_, entity: string) => {
    if (entity.startsWith('#x')) return String.fromCodePoint(parseInt(entity.slice(2), 16));
    if (entity.startsWith('#')) return String.fromCodePoint(parseInt(entity.slice(1), 10));
    return { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }[entity]!;
  });
}

function tag(xml: string, name: string): string | undefined {
  const m = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(xml);
  return m ? decodeXml(m[1]!) : undefined;
}

export interface ListPage {
  objects: RemoteObject[];
  nextToken: string | undefined;
}

/**
 * Parses one ListObjectsV2 page requested with encoding-type=url: keys come
 * URL-encoded (so any byte survives XML), decoded like the AWS SDKs do
 * ('+' is a space).
 */
export function parseListPage(xml: string): ListPage {
  if (!xml.includes('<ListBucketResult')) throw new TransferError(`unexpected ListObjectsV2 reply: ${xml.slice(0, 300)}`);
  const urlEncoded = tag(xml, 'EncodingType') === 'url';
  const objects: RemoteObject[] = [];
  for (const m of xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) {
    const raw = tag(m[1]!, 'Key');
    if (raw === undefined) continue;
    const key = urlEncoded ? decodeURIComponent(raw.replace(/\+/g, ' ')) : raw;
    const size = tag(m[1]!, 'Size');
    objects.push({ key, size: size === undefined ? undefined : Number(size) });
  }
  const truncated = tag(xml, 'IsTruncated') === 'true';
  return { objects, nextToken: truncated ? tag(xml, 'NextContinuationToken') : undefined };
}

export function s3Store(settings: S3Settings, bucket: string, options: TransferOptions, now: () => Date = () => new Date()): Store {
  const base = settings.pathStyle
    ? `${settings.endpoint.origin}${settings.endpoint.pathname.replace(/\/$/, '')}/${bucket}`
    : `${settings.endpoint.protocol}//${bucket}.${settings.endpoint.host}`;

  const request = (url: URL): RequestSpec => ({
    url,
    headers: settings.credentials
      ? signRequest({ method: 'GET', url, region: settings.region, credentials: settings.credentials, now: now() })
      : {},
  });

  return {
    async list(prefix: string): Promise<RemoteObject[]> {
      const objects: RemoteObject[] = [];
      let token: string | undefined;
      // Bounded: 10,000 pages of 1,000 keys is far beyond any model.
      for (let page = 0; page < 10_000; page++) {
        const url = new URL(`${base}/`);
        url.searchParams.set('list-type', '2');
        url.searchParams.set('encoding-type', 'url');
        if (prefix) url.searchParams.set('prefix', prefix);
        if (token) url.searchParams.set('continuation-token', token);
        const result = await getWithRetry(() => request(url), async (r) => parseListPage(await r.text()), options);
        objects.push(...result.objects);
        token = result.nextToken;
        if (!token) return objects;
      }
      throw new TransferError(`s3://${bucket}/${prefix}: listing did not end after 10,000 pages`);
    },
    object(key: string): RequestSpec {
      return request(new URL(`${base}/${uriEncode(key, true)}`));
    },
  };
}
