// Connection settings for the API server, from the in-cluster service account
// or a kubeconfig file (client certificates, bearer tokens, token files).
// Deliberately small: importing @kubernetes/client-node at runtime costs about
// 90 MB of RSS, more than the rest of the operator, for features (exec and
// cloud auth plugins) an in-cluster operator does not use.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { load } from 'js-yaml';

export interface Connection {
  server: string;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  /** Read again on every refresh (projected service-account tokens rotate). */
  token?: () => string;
  insecureSkipTlsVerify?: boolean;
  tlsServerName?: string;
}

const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export function inClusterConnection(env: NodeJS.ProcessEnv = process.env, dir = SA_DIR): Connection {
  const host = env['KUBERNETES_SERVICE_HOST'];
  const port = env['KUBERNETES_SERVICE_PORT'] ?? '443';
  if (host === undefined) throw new Error('not running in a cluster (KUBERNETES_SERVICE_HOST unset) and no --kubeconfig given');
  const server = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return { server, ca: readFileSync(`${dir}/ca.crt`), token: () => readFileSync(`${dir}/token`, 'utf8').trim() };
}

interface Named<T> { name: string; [key: string]: unknown; cluster?: T; user?: T; context?: T }
interface RawCluster { server?: string; 'certificate-authority'?: string; 'certificate-authority-data'?: string; 'insecure-skip-tls-verify'?: boolean; 'tls-server-name'?: string }
interface RawUser { 'client-certificate'?: string; 'client-certificate-data'?: string; 'client-key'?: string; 'client-key-data'?: string; token?: string; tokenFile?: string; exec?: unknown; 'auth-provider'?: unknown }
interface RawContext { cluster?: string; user?: string }
interface RawConfig {
  'current-context'?: string;
  clusters?: Array<Named<RawCluster>>;
  users?: Array<Named<RawUser>>;
  contexts?: Array<Named<RawContext>>;
}

/** Parses a kubeconfig (its current context); relative file paths resolve against the file's folder. */
export function parseKubeconfig(text: string, path: string): Connection {
  const raw = load(text) as RawConfig;
  const base = dirname(path);
  const file = (p: string) => readFileSync(isAbsolute(p) ? p : resolve(base, p));
  const contextName = raw['current-context'];
  const context = raw.contexts?.find((c) => c.name === contextName)?.context ?? raw.contexts?.[0]?.context;
  const cluster = raw.clusters?.find((c) => c.name === context?.cluster)?.cluster ?? raw.clusters?.[0]?.cluster;
  const user = raw.users?.find((u) => u.name === context?.user)?.user ?? {};
  if (cluster?.server === undefined) throw new Error(`${path}: no cluster server in the current context`);
  if (user.exec !== undefined || user['auth-provider'] !== undefined) {
    throw new Error(`${path}: exec and auth-provider credentials are not supported; use a token or client certificate`);
  }
  const data = (inline: string | undefined, ref: string | undefined): Buffer | undefined =>
    inline !== undefined ? Buffer.from(inline, 'base64') : ref !== undefined ? file(ref) : undefined;
  const connection: Connection = { server: cluster.server };
  const ca = data(cluster['certificate-authority-data'], cluster['certificate-authority']);
  const cert = data(user['client-certificate-data'], user['client-certificate']);
  const key = data(user['client-key-data'], user['client-key']);
  if (ca !== undefined) connection.ca = ca;
  if (cert !== undefined) connection.cert = cert;
  if (key !== undefined) connection.key = key;
  if (user.token !== undefined) {
    const token = user.token;
    connection.token = () => token;
  } else if (user.tokenFile !== undefined) {
    const tokenFile = user.tokenFile;
    connection.token = () => file(tokenFile).toString('utf8').trim();
  }
  if (cluster['insecure-skip-tls-verify'] === true) connection.insecureSkipTlsVerify = true;
  if (cluster['tls-server-name'] !== undefined) connection.tlsServerName = cluster['tls-server-name'];
  return connection;
}

/** --kubeconfig, else $KUBECONFIG (its first file), else in-cluster, else ~/.kube/config. */
export function loadConnection(kubeconfig: string | undefined, env: NodeJS.ProcessEnv = process.env): Connection {
  const path = kubeconfig ?? env['KUBECONFIG']?.split(':')[0];
  if (path !== undefined && path !== '') return parseKubeconfig(readFileSync(path, 'utf8'), path);
  if (env['KUBERNETES_SERVICE_HOST'] !== undefined) return inClusterConnection(env);
  const home = `${env['HOME'] ?? ''}/.kube/config`;
  return parseKubeconfig(readFileSync(home, 'utf8'), home);
}
