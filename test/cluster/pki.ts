// Certificates and keys for one throwaway control plane, made with the openssl CLI (Node
// can make keys but not sign X.509 certificates). EC P-256 keys: generated in milliseconds,
// which keeps cluster start-up fast, and accepted by every component.
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Pki {
  caCert: string;
  caKey: string;
  servingCert: string;
  servingKey: string;
  adminCert: string;
  adminKey: string;
  /** Signs service-account tokens (API server) and legacy token secrets (controller-manager). */
  serviceAccountKey: string;
  serviceAccountPub: string;
  /** Aggregation layer: the API server authenticates to extension API servers with this. */
  frontProxyCaCert: string;
  frontProxyClientCert: string;
  frontProxyClientKey: string;
}

/** Names the API server's serving certificate is valid for: loopback and in-cluster names. */
export const SERVING_SANS = [
  'IP:127.0.0.1',
  'DNS:localhost',
  'DNS:kubernetes',
  'DNS:kubernetes.default',
  'DNS:kubernetes.default.svc',
  'DNS:kubernetes.default.svc.cluster.local',
];

export interface CertRequest {
  name: string;
  subject: string;
  /** Signing CA file stem; absent for a self-signed CA. */
  ca?: string;
  ext: string[];
}

/** One certificate and key, `<name>.crt`/`<name>.key` in `dir`, signed by `req.ca` (or self-signed). */
export async function makeCert(dir: string, cnf: string, req: CertRequest): Promise<void> {
  const args = ['req', '-config', cnf, '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'];
  args.push('-nodes', '-days', '3650', '-subj', req.subject);
  args.push('-keyout', join(dir, `${req.name}.key`), '-out', join(dir, `${req.name}.crt`));
  if (req.ca) args.push('-CA', join(dir, `${req.ca}.crt`), '-CAkey', join(dir, `${req.ca}.key`));
  for (const e of req.ext) args.push('-addext', e);
  await run('openssl', args);
}

const CA_EXT = ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature'];
export const leafExt = (usage: string) => ['basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature', `extendedKeyUsage=${usage}`];

/** The empty openssl config generatePki writes into `dir`, for more certificates signed by its CA. */
export const opensslConfig = (dir: string) => join(dir, 'openssl.cnf');

/**
 * Writes a CA, serving/admin/front-proxy certificates and a service-account key pair into `dir`.
 * `extraSans` (e.g. `IP:10.128.0.1`) are added to the API server's serving certificate.
 */
export async function generatePki(dir: string, extraSans: string[] = []): Promise<Pki> {
  // An empty config, so the host's openssl.cnf adds no extensions of its own.
  const cnf = opensslConfig(dir);
  await writeFile(cnf, '[req]\ndistinguished_name=dn\n[dn]\n');
  await Promise.all([
    makeCert(dir, cnf, { name: 'ca', subject: '/CN=modelship-test-ca', ext: CA_EXT }),
    makeCert(dir, cnf, { name: 'front-proxy-ca', subject: '/CN=modelship-front-proxy-ca', ext: CA_EXT }),
    run('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', join(dir, 'sa.key')]),
  ]);
  await Promise.all([
    makeCert(dir, cnf, {
      name: 'apiserver',
      subject: '/CN=kube-apiserver',
      ca: 'ca',
      ext: [...leafExt('serverAuth'), `subjectAltName=${[...SERVING_SANS, ...extraSans].join(',')}`],
    }),
    // system:masters is bound to cluster-admin by the API server's bootstrap RBAC policy.
    makeCert(dir, cnf, { name: 'admin', subject: '/O=system:masters/CN=modelship-admin', ca: 'ca', ext: leafExt('clientAuth') }),
    makeCert(dir, cnf, { name: 'front-proxy-client', subject: '/CN=front-proxy-client', ca: 'front-proxy-ca', ext: leafExt('clientAuth') }),
    run('openssl', ['pkey', '-in', join(dir, 'sa.key'), '-pubout', '-out', join(dir, 'sa.pub')]),
  ]);
  const f = (name: string) => join(dir, name);
  return {
    caCert: f('ca.crt'),
    caKey: f('ca.key'),
    servingCert: f('apiserver.crt'),
    servingKey: f('apiserver.key'),
    adminCert: f('admin.crt'),
    adminKey: f('admin.key'),
    serviceAccountKey: f('sa.key'),
    serviceAccountPub: f('sa.pub'),
    frontProxyCaCert: f('front-proxy-ca.crt'),
    frontProxyClientCert: f('front-proxy-client.crt'),
    frontProxyClientKey: f('front-proxy-client.key'),
  };
}
