// Google Cloud Storage through its JSON API: objects.list for a prefix,
// objects.get?alt=media to download. Anonymous for public buckets, else a
// bearer token (see gcs-auth.ts), obtained once before the first request.
import type { GcsSettings } from './config.ts';
import { gcsAccessToken } from './gcs-auth.ts';
import type { RemoteObject, Store } from './store.ts';
import { getWithRetry, TransferError, type RequestSpec, type TransferOptions } from './transfer.ts';

interface ListReply {
  items?: Array<{ name: string; size?: string }>;
  nextPageToken?: string;
}

export function gcsStore(settings: GcsSettings, bucket: string, options: TransferOptions): Store {
  const base = `${settings.endpoint.origin}${settings.endpoint.pathname.replace(/\/$/, '')}/storage/v1/b/${encodeURIComponent(bucket)}/o`;
  // A model fetch takes minutes, an access token lives an hour: one is enough.
  let token: string | undefined;
  const request = (url: URL): RequestSpec => ({
    url,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });

  return {
    async list(prefix: string): Promise<RemoteObject[]> {
      token = await gcsAccessToken(settings, options.timeoutMs);
      const objects: RemoteObject[] = [];
      let pageToken: string | undefined;
      for (let page = 0; page < 10_000; page++) {
        const url = new URL(base);
        if (prefix) url.searchParams.set('prefix', prefix);
        url.searchParams.set('fields', 'items(name,size),nextPageToken');
        if (pageToken) url.searchParams.set('pageToken', pageToken);
        const reply = await getWithRetry(() => request(url), async (r) => (await r.json()) as ListReply, options);
        for (const item of reply.items ?? []) objects.push({ key: item.name, size: item.size === undefined ? undefined : Number(item.size) });
        pageToken = reply.nextPageToken;
        if (!pageToken) return objects;
      }
      throw new TransferError(`gs://${bucket}/${prefix}: listing did not end after 10,000 pages`);
    },
    object(key: string): RequestSpec {
      return request(new URL(`${base}/${encodeURIComponent(key)}?alt=media`));
    },
  };
}
