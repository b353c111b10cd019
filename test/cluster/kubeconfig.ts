// The admin kubeconfig of a test cluster. Certificates are embedded, so the file works on
// its own with kubectl, helm and @kubernetes/client-node.
import { readFile } from 'node:fs/promises';
import { dump } from 'js-yaml';

export interface KubeconfigInput {
  server: string;
  caCert: string;
  clientCert: string;
  clientKey: string;
  /** Context, cluster and user name. */
  name: string;
}

const b64 = (pem: string) => Buffer.from(pem).toString('base64');

/** Pure: the kubeconfig YAML for PEM contents. */
export function buildKubeconfig(input: KubeconfigInput): string {
  const { name } = input;
  return dump({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server: input.server, 'certificate-authority-data': b64(input.caCert) } }],
    users: [
      { name, user: { 'client-certificate-data': b64(input.clientCert), 'client-key-data': b64(input.clientKey) } },
    ],
    contexts: [{ name, context: { cluster: name, user: name } }],
    'current-context': name,
  });
}

/** Reads the PEM files and returns the kubeconfig YAML. */
export async function kubeconfigFromFiles(
  server: string,
  files: { caCert: string; clientCert: string; clientKey: string },
  name: string,
): Promise<string> {
  const [caCert, clientCert, clientKey] = await Promise.all(
    [files.caCert, files.clientCert, files.clientKey].map((f) => readFile(f, 'utf8')),
  );
  return buildKubeconfig({ server, caCert: caCert!, clientCert: clientCert!, clientKey: clientKey!, name });
}
