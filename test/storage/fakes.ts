// Loopback stand-ins for what `fetch` talks to, for the things a real store
// will not do on cue: hostile keys and lying sizes in an S3 listing (MinIO
// refuses such keys; the real-MinIO test is minio.test.ts), redirects,
// stalls and transient 503s over plain HTTP. GCS has no official local
// server: this one speaks the JSON API's list and media download, the STS
// token exchange of an external-account (workload identity federation) file,
// and the metadata server's token endpoint (what GKE Workload Identity
// answers), so the real client library and google-auth-library run against it.
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeObject {
  key: string;
  body: Buffer;
  /** What the listing claims, when it should lie. */
  listedSize?: number;
}

export interface FakeServer {
  url: string;
  requests: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders }>;
  close(): Promise<void>;
}

export interface FakeOptions {
  objects: FakeObject[];
  /** Answer this many requests with 503 before behaving. */
  failFirst?: number;
  /** Page size of listings. */
  pageSize?: number;
  /** GCS: answer the STS token exchange at POST /token when the subject token is this... */
  subjectToken?: string;
  /** ...with this access token, and require it on every other request. */
  accessToken?: string;
  /** GCS: answer the metadata server's token request with accessToken. */
  metadataServer?: boolean;
  /** HTTP: answer these paths with a 302 to the given Location. */
  redirects?: Record<string, string>;
  /** GCS: accept listing requests and never answer them. */
  hangListings?: boolean;
  /** HTTP: send this many bytes of each body, then stall. */
  stallAfter?: number;
  /** Error replies carry this text, which must never reach a log line or a status. */
  errorBody?: string;
}

function metadataHandler(o: FakeOptions, req: http.IncomingMessage, res: http.ServerResponse): void {
  if (req.headers['metadata-flavor'] !== 'Google') {
    res.statusCode = 403;
    res.end();
    return;
  }
  res.setHeader('metadata-flavor', 'Google');
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ access_token: o.accessToken, expires_in: 3600, token_type: 'Bearer' }));
}

function stsHandler(o: FakeOptions, req: http.IncomingMessage, res: http.ServerResponse): void {
  let body = '';
  req.on('data', (c: Buffer) => (body += c.toString()));
  req.on('end', () => {
    const form = new URLSearchParams(body);
    const valid = form.get('grant_type') === 'urn:ietf:params:oauth:grant-type:token-exchange' && form.get('subject_token') === o.subjectToken;
    res.statusCode = valid ? 200 : 400;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(valid ? { access_token: o.accessToken, issued_token_type: 'urn:ietf:params:oauth:token-type:access_token', token_type: 'Bearer', expires_in: 3600 } : { error: 'invalid_grant' }));
  });
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function s3Handler(o: FakeOptions, req: http.IncomingMessage, res: http.ServerResponse, url: URL): void {
  // Path style: /bucket/ for listings, /bucket/key for objects.
  const [, bucket, ...rest] = url.pathname.split('/');
  const key = decodeURIComponent(rest.join('/'));
  if (key === '' && url.searchParams.get('list-type') === '2') {
    const prefix = url.searchParams.get('prefix') ?? '';
    const start = Number(url.searchParams.get('continuation-token') ?? '0');
    const matching = o.objects.filter((x) => x.key.startsWith(prefix));
    const size = o.pageSize ?? 1000;
    const page = matching.slice(start, start + size);
    const truncated = start + size < matching.length;
    const encode = url.searchParams.get('encoding-type') === 'url';
    const contents = page
      .map((x) => `<Contents><Key>${encode ? encodeURIComponent(x.key).replace(/%20/g, '+').replace(/%2F/g, '/') : xmlEscape(x.key)}</Key><Size>${x.listedSize ?? x.body.length}</Size></Contents>`)
      .join('');
    res.setHeader('content-type', 'application/xml');
    res.end(
      `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>${bucket}</Name>${encode ? '<EncodingType>url</EncodingType>' : ''}` +
        `<IsTruncated>${truncated}</IsTruncated>${truncated ? `<NextContinuationToken>${start + size}</NextContinuationToken>` : ''}${contents}</ListBucketResult>`,
    );
    return;
  }
  const object = o.objects.find((x) => x.key === key);
  if (!object) {
    res.statusCode = 404;
    res.end(`<Error><Code>NoSuchKey</Code><Message>${o.errorBody ?? ''}</Message></Error>`);
    return;
  }
  res.end(object.body);
}

function gcsHandler(o: FakeOptions, req: http.IncomingMessage, res: http.ServerResponse, url: URL): void {
  const m = /^\/storage\/v1\/b\/([^/]+)\/o(?:\/(.+))?$/.exec(url.pathname);
  if (!m) {
    res.statusCode = 404;
    res.end('{}');
    return;
  }
  if (m[2] === undefined) {
    if (o.hangListings) return;
    const prefix = url.searchParams.get('prefix') ?? '';
    const start = Number(url.searchParams.get('pageToken') ?? '0');
    const matching = o.objects.filter((x) => x.key.startsWith(prefix));
    const size = o.pageSize ?? 1000;
    const page = matching.slice(start, start + size);
    res.setHeader('content-type', 'application/json');
    res.end(
      JSON.stringify({
        items: page.map((x) => ({ name: x.key, size: String(x.listedSize ?? x.body.length) })),
        ...(start + size < matching.length ? { nextPageToken: String(start + size) } : {}),
      }),
    );
    return;
  }
  const object = o.objects.find((x) => x.key === decodeURIComponent(m[2]!));
  if (!object || url.searchParams.get('alt') !== 'media') {
    res.statusCode = 404;
    res.end('{"error":{"code":404}}');
    return;
  }
  res.end(object.body);
}

function fileHandler(o: FakeOptions, req: http.IncomingMessage, res: http.ServerResponse, url: URL): void {
  const location = o.redirects?.[url.pathname];
  if (location !== undefined) {
    res.statusCode = 302;
    res.setHeader('location', location);
    res.end();
    return;
  }
  const object = o.objects.find((x) => `/${x.key}` === decodeURIComponent(url.pathname));
  if (!object) {
    res.statusCode = 404;
    res.end(`not found ${o.errorBody ?? ''}`);
    return;
  }
  if (o.stallAfter !== undefined) {
    res.setHeader('content-length', object.body.length);
    res.write(object.body.subarray(0, o.stallAfter));
    return; // never ends; the client's idle timeout must
  }
  res.end(object.body);
}

export async function startFake(kind: 's3' | 'gcs' | 'http', options: FakeOptions): Promise<FakeServer> {
  const requests: FakeServer['requests'] = [];
  let failures = options.failFirst ?? 0;
  const handler = { s3: s3Handler, gcs: gcsHandler, http: fileHandler }[kind];
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    if (failures > 0) {
      failures--;
      res.statusCode = 503;
      res.end('try later');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (options.subjectToken && req.method === 'POST' && url.pathname === '/token') return stsHandler(options, req, res);
    if (options.metadataServer && url.pathname.startsWith('/computeMetadata/v1/')) return metadataHandler(options, req, res);
    if (options.accessToken && req.headers.authorization !== `Bearer ${options.accessToken}`) {
      res.statusCode = 401;
      res.end(JSON.stringify({ error: { code: 401, message: `Anonymous caller does not have storage.objects.list access ${options.errorBody ?? ''}`, errors: [{ reason: 'required', message: options.errorBody ?? '' }] } }));
      return;
    }
    handler(options, req, res, url);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
