// An InferenceService served by a real container: the operator (a process in the cluster's
// network namespace, as a controller outside the cluster runs) reconciles it, the real kubelet
// runs its pod from the runtime image (build-runtime-image.sh) under the pod security the
// operator sets, and inference reaches it by the Service name in its status, through CoreDNS
// and kube-proxy, from a pod on the other node. A server whose model has not loaded stays out
// of the Service (readiness gates traffic) while it answers on its pod IP.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { GPU_TAINT, HTTP_CLIENT, startRealCluster, type RealCluster } from './harness.ts';
import { imageTarball } from './containerd.ts';
import { sleep } from './host.ts';
import { leftovers } from './leftovers.ts';
import { modelStoreVolume, populateModelStore } from '../localcluster/model-store.ts';

const REPO_ROOT = new URL('../..', import.meta.url).pathname;
const NS = 'serving';
const OPERATOR_PORT = 8090;
const log = process.env.MODELSHIP_REALCLUSTER_LOG ? (line: string) => console.error(line) : undefined;
const json = (o: unknown) => JSON.stringify(o);
const reference = JSON.parse(readFileSync(join(REPO_ROOT, 'examples/models/iris.reference.json'), 'utf8')) as {
  inputs: unknown[];
  outputs: { name: string; data: number[] }[];
};

const isvc = (name: string, storageUri: string) => ({
  apiVersion: 'serving.modelship.io/v1alpha1',
  kind: 'InferenceService',
  metadata: { name, namespace: NS },
  spec: {
    predictor: {
      model: {
        modelFormat: { name: 'onnx' },
        storageUri,
        resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } },
      },
    },
  },
});

/** Polls `probe` until it returns a value, at most `ms`. */
async function until<T>(what: string, ms: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(500);
  }
  throw new Error(`timed out waiting for ${what} (last: ${last})`);
}

describe('an InferenceService on real pods', { timeout: 900_000 }, () => {
  let cluster: RealCluster;
  const runtimeTar = imageTarball('runtime');
  // build-runtime-image.sh names the tarball runtime-<tag>.tar after the tag it gives the image.
  const runtimeImage = `localhost/modelship/runtime:${basename(runtimeTar).slice('runtime-'.length, -'.tar'.length)}`;
  /** A request from the client pod (on node 2), by the client program the harness uses in namespaces. */
  const fromClient = (url: string, body?: string) =>
    cluster.kubectl(['exec', '-n', NS, 'client', '--', 'node', '-e', HTTP_CLIENT, url, '10000', ...(body !== undefined ? [body] : [])]);
  const podsOf = async (name: string) =>
    JSON.parse(await cluster.kubectl(['get', 'pods', '-n', NS, '-l', `serving.modelship.io/inferenceservice=${name}`, '-o', 'json'])).items as any[];

  before(async () => {
    cluster = await startRealCluster({ images: [runtimeTar], ...(log ? { log } : {}) });
    const l = cluster.layout;
    for (const crd of ['serving.modelship.io_inferenceservices.yaml', 'serving.modelship.io_batchinferences.yaml']) {
      await cluster.kubectl(['apply', '-f', join(REPO_ROOT, 'crds', crd)]);
    }
    await cluster.kubectl(['wait', '--for=condition=Established', 'crd/inferenceservices.serving.modelship.io', '--timeout=60s']);
    await cluster.kubectl(['create', 'namespace', NS]);
    // The model store the pvc:// examples name: a hostPath volume under the cluster's work dir.
    const store = join(l.workDir, 'model-store');
    mkdirSync(store, { recursive: true });
    populateModelStore(join(REPO_ROOT, 'examples/models'), store);
    mkdirSync(join(store, 'slow'));
    execFileSync('mkfifo', ['-m', '0644', join(store, 'slow', 'model.onnx')]);
    const { pv, pvc } = modelStoreVolume(store, NS);
    await cluster.kubectl(['apply', '-f', '-'], json({ apiVersion: 'v1', kind: 'List', items: [pv, pvc] }));
    // A client pod on the GPU node: requests from it cross the link to the model server on node 1.
    // It runs the runtime image for its Node (fetch resolves names through glibc, which Debian's
    // static busybox cannot).
    await cluster.kubectl(['apply', '-f', '-'], json({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'client', namespace: NS },
      spec: {
        terminationGracePeriodSeconds: 1,
        nodeSelector: { 'nvidia.com/gpu.present': 'true' },
        tolerations: [{ key: GPU_TAINT.key, operator: 'Exists', effect: 'NoSchedule' }],
        securityContext: { runAsUser: 1000, runAsNonRoot: true },
        containers: [{ name: 'main', image: runtimeImage, imagePullPolicy: 'Never', command: ['node', '-e', 'setInterval(() => {}, 3_600_000)'], securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }],
      },
    }));
    const adminKubeconfig = join(l.workDir, 'admin.kubeconfig');
    const operator = cluster.spawn('operator', process.execPath, [
      join(REPO_ROOT, 'operator/src/main.ts'),
      '--kubeconfig', adminKubeconfig,
      '--leader-elect', 'false',
      '--host', '127.0.0.1',
      '--port', String(OPERATOR_PORT),
      '--drift-check-seconds', '0',
      '--runtime-image', runtimeImage,
    ]);
    await until('the operator ready', 120_000, async () => {
      if (!operator.running) throw new Error(`the operator exited:\n${operator.tail()}`);
      return (await cluster.httpGet(1, `http://127.0.0.1:${OPERATOR_PORT}/readyz`)) !== undefined ? true : undefined;
    });
  });
  after(async () => {
    if (!cluster) return;
    const l = cluster.layout;
    assert.deepEqual(await cluster.stop(), []);
    assert.deepEqual(await leftovers(l), []);
  });

  it('serves inference from the runtime image through the Service name in its status, from a pod on the other node', async () => {
    await cluster.kubectl(['apply', '-f', '-'], json(isvc('iris', 'pvc://model-store/iris/iris.onnx')));
    const url = await until('iris Ready with a URL', 300_000, async () => {
      const o = JSON.parse(await cluster.kubectl(['get', 'inferenceservice', 'iris', '-n', NS, '-o', 'json']));
      const ready = o.status?.conditions?.find((c: any) => c.type === 'Ready');
      return ready?.status === 'True' ? (o.status.url as string) : undefined;
    });
    assert.equal(url, `http://iris.${NS}.svc.cluster.local`);
    const [pod] = await podsOf('iris');
    assert.equal(pod.spec.nodeName, 'cpu-node');
    assert.equal(pod.spec.containers[0].image, runtimeImage);
    // From the client pod: CoreDNS resolves the name in status, kube-proxy picks the pod.
    await cluster.kubectl(['wait', '--for=condition=Ready', 'pod/client', '-n', NS, '--timeout=120s']);
    const body = json({ inputs: reference.inputs });
    const reply = JSON.parse(await fromClient(`${url}/v2/models/iris/infer`, body)) as { model_name: string; outputs: { name: string; data: number[] }[] };
    assert.equal(reply.model_name, 'iris');
    assert.deepEqual(reply.outputs.find((o) => o.name === 'label')?.data, reference.outputs.find((o) => o.name === 'label')?.data);
    // By its short name too (the pod's search path names its namespace).
    const short = JSON.parse(await fromClient('http://iris/v2/models/iris/infer', body)) as typeof reply;
    assert.deepEqual(short.outputs, reply.outputs);
    // The same through the ClusterIP from node 2's own namespace (Node's fetch, under nsenter).
    const ip = (await cluster.kubectl(['get', 'service', 'iris', '-n', NS, '-o', 'jsonpath={.spec.clusterIP}'])).trim();
    const viaIp = JSON.parse(await cluster.httpPost(2, `http://${ip}/v2/models/iris/infer`, body)) as typeof reply;
    assert.deepEqual(viaIp.outputs, reply.outputs);
  });

  it('runs the model server as the operator says: UID 1000, read-only root, no capabilities, its limits in its cgroup', async () => {
    const [pod] = await podsOf('iris');
    // The image has no shell: its own Node answers.
    const probe = `const fs = require('node:fs');
let rootWritable = true;
try { fs.writeFileSync('/written-by-test', 'x'); } catch (e) { rootWritable = e.code !== 'EROFS' ? e.code : false; }
console.log(JSON.stringify({
  uid: process.getuid(), gid: process.getgid(), rootWritable,
  capEff: /CapEff:\\s+(\\S+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1],
  memoryLimit: Number(fs.readFileSync('/sys/fs/cgroup/memory/memory.limit_in_bytes', 'utf8')),
  cpu: Number(fs.readFileSync('/sys/fs/cgroup/cpu/cpu.cfs_quota_us', 'utf8')) / Number(fs.readFileSync('/sys/fs/cgroup/cpu/cpu.cfs_period_us', 'utf8')),
  tmpWritable: (fs.writeFileSync('/tmp/x', 'x'), true),
}));`;
    const seen = JSON.parse(await cluster.kubectl(['exec', '-n', NS, pod.metadata.name, '-c', 'model-server', '--', 'node', '-e', probe]));
    assert.deepEqual(seen, { uid: 1000, gid: 1000, rootWritable: false, capEff: '0000000000000000', memoryLimit: 512 * 1024 * 1024, cpu: 1, tmpWritable: true });
  });

  it('keeps a running server whose model is still loading out of the Service (readiness gates traffic)', async () => {
    // The model file is a FIFO nobody writes: onnxruntime's open() blocks in the loading worker,
    // so the server is up (live) but never ready, for as long as the test cares to look.
    await cluster.kubectl(['apply', '-f', '-'], json(isvc('slow', 'pvc://model-store/slow/model.onnx')));
    const pod = await until('the slow-model pod started', 300_000, async () => {
      const [p] = await podsOf('slow');
      return p?.status?.containerStatuses?.[0]?.started === true && p.status.podIP ? p : undefined;
    });
    assert.match(await cluster.httpGet(1, `http://${pod.status.podIP}:8080/v2/health/live`), /"live":true/);
    await assert.rejects(cluster.httpGet(1, `http://${pod.status.podIP}:8080/v2/health/ready`), /: 503 \{"ready":false\}/);
    // Long enough for several readiness probes (every 5 s): it stays unready and unserved.
    await sleep(12_000);
    const [again] = await podsOf('slow');
    assert.equal(again.metadata.uid, pod.metadata.uid);
    assert.equal(again.status.containerStatuses[0].restartCount, 0);
    assert.equal(again.status.conditions.find((c: any) => c.type === 'Ready')?.status, 'False');
    const slices = JSON.parse(await cluster.kubectl(['get', 'endpointslices', '-n', NS, '-l', 'kubernetes.io/service-name=slow', '-o', 'json'])).items as any[];
    const endpoints = slices.flatMap((s) => s.endpoints ?? []);
    assert.ok(endpoints.length > 0 && endpoints.every((e: any) => e.conditions.ready === false), json(endpoints));
    // kube-proxy has no ready endpoint for the Service: the connection is refused, not routed to the live server.
    await assert.rejects(fromClient(`http://slow.${NS}.svc.cluster.local/v2/health/live`), /ECONNREFUSED/);
    const status = JSON.parse(await cluster.kubectl(['get', 'inferenceservice', 'slow', '-n', NS, '-o', 'json'])).status;
    assert.equal(status?.conditions?.find((c: any) => c.type === 'Ready')?.status, 'False');
  });
});
