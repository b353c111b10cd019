import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inClusterConnection, loadConnection, parseKubeconfig } from './kubeconfig.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');

test('the current context picks cluster and user; inline data is decoded', () => {
  const text = `
current-context: b
clusters:
  - name: ca
    cluster: { server: https://a:1 }
  - name: cb
    cluster: { server: https://127.0.0.1:6443, certificate-authority-data: ${b64('CA')}, tls-server-name: kube }
users:
  - name: ub
    user: { client-certificate-data: ${b64('CERT')}, client-key-data: ${b64('KEY')} }
contexts:
  - name: a
    context: { cluster: ca, user: ub }
  - name: b
    context: { cluster: cb, user: ub }
`;
  const c = parseKubeconfig(text, '/x/config');
  assert.equal(c.server, 'https://127.0.0.1:6443');
  assert.equal(c.ca?.toString(), 'CA');
  assert.equal(c.cert?.toString(), 'CERT');
  assert.equal(c.key?.toString(), 'KEY');
  assert.equal(c.tlsServerName, 'kube');
  assert.equal(c.token, undefined);
});

test('tokens inline or from a file relative to the kubeconfig; exec plugins are refused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kc-'));
  writeFileSync(join(dir, 'tok'), 'secret\n');
  writeFileSync(join(dir, 'ca.pem'), 'CAFILE');
  const fromFile = parseKubeconfig(`
clusters: [{ name: c, cluster: { server: https://s, certificate-authority: ca.pem } }]
users: [{ name: u, user: { tokenFile: tok } }]
contexts: [{ name: x, context: { cluster: c, user: u } }]
current-context: x
`, join(dir, 'config'));
  assert.equal(fromFile.token?.(), 'secret');
  assert.equal(fromFile.ca?.toString(), 'CAFILE');
  assert.throws(() => parseKubeconfig(`
clusters: [{ name: c, cluster: { server: https://s } }]
users: [{ name: u, user: { exec: { command: aws } } }]
contexts: [{ name: x, context: { cluster: c, user: u } }]
`, '/k'), /exec and auth-provider credentials are not supported/);
});

test('in-cluster: the service host and the mounted token and CA', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sa-'));
  writeFileSync(join(dir, 'token'), 't1');
  writeFileSync(join(dir, 'ca.crt'), 'CA');
  const c = inClusterConnection({ KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' }, dir);
  assert.equal(c.server, 'https://10.0.0.1:443');
  assert.equal(c.token?.(), 't1');
  writeFileSync(join(dir, 'token'), 't2');
  assert.equal(c.token?.(), 't2', 'rotated tokens are re-read');
  assert.throws(() => loadConnection(undefined, { HOME: dir }), /ENOENT/);
});
