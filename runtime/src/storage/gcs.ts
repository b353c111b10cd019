// Google Cloud Storage through its JSON API: objects.list for a prefix,
// objects.get?alt=media to download. Anonymous for public buckets, else an
// OAuth2 access token (what `gcloud auth print-access-token` or a workload
// identity sidecar provides).
import type { GcsSettings } from './config.ts';
import type { RemoteObject, Store } from './store.ts';
import { getWithRetry, TransferError, type RequestSpec, type TransferOptions } from './transfer.ts';

interface ListReply {
  items?: Array<{ name: string; size?: string }>;
  nextPageToken?: string;
}

export function gcsStore(settings: GcsSettings, bucket: string, options: TransferOptions): Store {
  const base = `${settings.endpoint.origin}${settings.endpoint.pathname.replace(/\/$/, '')}/storage/v1/b/${encodeURIComponent(bucket)}/o`;
  const request = (url: URL): RequestSpec => ({
    url,
    headers: settings.token ? { authorization: `Bearer ${settings.token}` } : {},
  });

  return {
    async list(prefix: string): Promise<RemoteObject[]> {
      const objects: RemoteObject[] = [];
      let token: string | undefined;
      for (let page = 0; page < 10_000; page++) {
        const url = new URL(base);
        if (prefix) url.searchParams.set('prefix', prefix);
        url.searchParams.set('fields', 'items(name,size),nextPageToken');
        if (token) url.searchParams.set('pageToken', token);
        const reply = await getWithRetry(() => request(url), async (r) => (await r.json()) as ListReply, options);
        for (const item of reply.items ?? []) objects.push({ key: item.name, size: item.size === undefined ? undefined : Number(item.size) });
        token = reply.nextPageToken;
        if (!token) return objects;
      }
      throw new TransferError(`gs://${bucket}/${prefix}: listing did not end after 10,000 pages`);
    },
    object(key: string): RequestSpec {
      return request(new URL(`${base}/${encodeURIComponent(key)}?alt=media`));
    },
  };
}
