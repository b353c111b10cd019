// `make dev`: the local cluster with the operator, the iris example applied
// and Ready, and the curl line to try it. Runs in the foreground until
// Ctrl-C, which tears everything down. Component logs go to a file.
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { REPO_ROOT, startLocalCluster } from './local-cluster.ts';

const NS = 'default';
const NAME = 'iris-pvc';
const EXAMPLE = 'examples/iris-pvc.yaml';
const READY_TIMEOUT_MS = 180_000;

const logPath = join(REPO_ROOT, '.cache', 'dev.log');
await import('node:fs').then((fs) => fs.mkdirSync(join(REPO_ROOT, '.cache'), { recursive: true }));
const logFile = createWriteStream(logPath);
const step = (line: string) => console.log(`[dev] ${line}`);

step(`starting etcd, kube-apiserver, kube-controller-manager, kube-scheduler, the node agent, the service proxy and the operator (logs: ${logPath})`);
const t0 = Date.now();
const local = await startLocalCluster({ log: (l) => logFile.write(`${l}\n`) });
let stopping = false;
const shutdown = async (code: number) => {
  if (stopping) return;
  stopping = true;
  step('stopping');
  await local.stop();
  logFile.end();
  process.exit(code);
};
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

try {
  step(`cluster up in ${((Date.now() - t0) / 1000).toFixed(1)} s; applying ${EXAMPLE}`);
  await local.addModelStore(NS);
  const applied = Date.now();
  await local.kubectl(['apply', '-n', NS, '-f', join(REPO_ROOT, EXAMPLE)]);
  const custom = local.cluster.kubeConfig.makeApiClient(CustomObjectsApi);
  let url: string | undefined;
  let last = '';
  while (Date.now() - applied < READY_TIMEOUT_MS) {
    const obj = (await custom.getNamespacedCustomObject({ group: 'serving.modelship.io', version: 'v1alpha1', namespace: NS, plural: 'inferenceservices', name: NAME })) as {
      status?: { url?: string; modelStatus?: { states?: { activeModelState?: string } }; conditions?: Array<{ type: string; status: string; reason?: string }> };
    };
    const ready = obj.status?.conditions?.find((c) => c.type === 'Ready');
    const now = `Ready=${ready?.status ?? 'Unknown'}${ready?.reason ? ` (${ready.reason})` : ''}, model ${obj.status?.modelStatus?.states?.activeModelState ?? 'Pending'}`;
    if (now !== last) step(`${NAME}: ${now}`);
    last = now;
    if (ready?.status === 'True' && obj.status?.url) {
      url = obj.status.url;
      break;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  if (url === undefined) throw new Error(`${NAME} did not become Ready in ${READY_TIMEOUT_MS / 1000} s; see ${logPath}`);
  const address = local.proxy.address(NS, NAME);
  const port = Object.values(address?.ports ?? {})[0];
  if (address === undefined || port === undefined) throw new Error(`the service proxy has no address for ${NS}/${NAME}`);
  const host = new URL(url).hostname;
  step(`${NAME} Ready in ${((Date.now() - applied) / 1000).toFixed(1)} s at ${url} (the service proxy serves it on ${address.host}:${port})`);
  console.log(`
export KUBECONFIG=${local.cluster.kubeconfigPath}
kubectl get inferenceservices,pods -o wide

curl -s --resolve ${host}:${port}:${address.host} ${url}:${port}/v2/models/${NAME}/infer \\
  -H 'content-type: application/json' \\
  -d '{"inputs":[{"name":"input","datatype":"FP32","shape":[1,4],"data":[5.1,3.5,1.4,0.2]}]}'

Ctrl-C stops the cluster.`);
} catch (err) {
  console.error(`[dev] ${(err as Error).message}`);
  await shutdown(1);
}
