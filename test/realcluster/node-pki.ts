// Certificates a real node adds to the control plane's PKI (test/cluster/pki.ts): a client
// certificate per kubelet as `system:node:NAME` (so the Node authorizer and NodeRestriction
// apply), a serving certificate with the node's address, one for kube-proxy, and the API
// server's client certificate for kubelet calls (logs, exec).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildKubeconfig } from '../cluster/kubeconfig.ts';
import { leafExt, makeCert, opensslConfig, type Pki } from '../cluster/pki.ts';
import { readFile } from 'node:fs/promises';
import type { ClusterLayout } from './layout.ts';
import { nodePaths } from './configs.ts';

export interface NodePki {
  apiServerKubeletClientCert: string;
  apiServerKubeletClientKey: string;
}

export async function generateNodePki(l: ClusterLayout, pkiDir: string, pki: Pki): Promise<NodePki> {
  const cnf = opensslConfig(pkiDir);
  const cert = (name: string, subject: string, usage: string, san?: string) =>
    makeCert(pkiDir, cnf, { name, subject, ca: 'ca', ext: [...leafExt(usage), ...(san ? [`subjectAltName=${san}`] : [])] });
  await Promise.all([
    cert('apiserver-kubelet-client', '/O=system:masters/CN=kube-apiserver-kubelet-client', 'clientAuth'),
    cert('kube-proxy', '/CN=system:kube-proxy', 'clientAuth'),
    ...l.nodes.flatMap((n) => [
      cert(`${n.name}-client`, `/O=system:nodes/CN=system:node:${n.name}`, 'clientAuth'),
      cert(`${n.name}-serving`, `/CN=${n.name}`, 'serverAuth', `IP:${n.ip},DNS:${n.name}`),
    ]),
  ]);
  const ca = await readFile(pki.caCert, 'utf8');
  const pem = (f: string) => readFile(join(pkiDir, f), 'utf8');
  for (const n of l.nodes) {
    const p = nodePaths(n);
    const kc = async (stem: string) =>
      buildKubeconfig({ server: l.apiServerUrl, caCert: ca, clientCert: await pem(`${stem}.crt`), clientKey: await pem(`${stem}.key`), name: l.name });
    await writeFile(p.kubeletKubeconfig, await kc(`${n.name}-client`), { mode: 0o600 });
    await writeFile(p.kubeProxyKubeconfig, await kc('kube-proxy'), { mode: 0o600 });
    await writeFile(p.servingCert, await pem(`${n.name}-serving.crt`));
    await writeFile(p.servingKey, await pem(`${n.name}-serving.key`), { mode: 0o600 });
  }
  return {
    apiServerKubeletClientCert: join(pkiDir, 'apiserver-kubelet-client.crt'),
    apiServerKubeletClientKey: join(pkiDir, 'apiserver-kubelet-client.key'),
  };
}
