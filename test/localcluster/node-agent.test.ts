// The node agent and service proxy on a real control plane (no scheduler:
// pods are bound by setting spec.nodeName), with the fixture image so that
// every kubelet behaviour is driven deterministically.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CoreV1Api, PatchStrategy, setHeaderOptions, type V1Pod } from '@kubernetes/client-node';
import { startCluster, type Cluster } from '../cluster/harness.ts';
import { nodeScriptRunner } from './images.ts';
import { isLoopback } from './loopback.ts';
import { NodeAgent } from './node-agent.ts';
import { ServiceProxy } from './service-proxy.ts';

const FIXTURE = 'modelship.test/fixture';
const fixtureScript = fileURLToPath(new URL('./fixtures/fixture-server.ts', import.meta.url));
const NS = 'default';
const NODE = 'local-node';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let cluster: Cluster;
let agent: NodeAgent;
let proxy: ServiceProxy;
let core: CoreV1Api;
let workDir: string;

before(async () => {
  cluster = await startCluster();
  core = cluster.kubeConfig.makeApiClient(CoreV1Api);
  workDir = mkdtempSync(join(tmpdir(), 'modelship-agent-'));
  agent = await NodeAgent.start({
    kubeConfig: cluster.kubeConfig,
    node: { name: NODE },
    workDir,
    images: new Map([[FIXTURE, nodeScriptRunner(fixtureScript)]]),
    backoff: { baseMs: 400, capMs: 1600 },
    log: (l) => { if (process.env['DEBUG_AGENT']) console.error(l); },
  });
  proxy = await ServiceProxy.start({ kubeConfig: cluster.kubeConfig });
});

after(async () => {
  await proxy?.stop();
  await agent?.stop();
  await cluster?.stop();
  rmSync(workDir, { recursive: true, force: true });
});

/** Polls the pod until `check` passes (bounded). */
async function waitPod(name: string, check: (p: V1Pod) => boolean, timeoutMs = 20_000): Promise<V1Pod> {
  const deadline = Date.now() + timeoutMs;
  let last: V1Pod | undefined;
  while (Date.now() < deadline) {
    last = await core.readNamespacedPod({ name, namespace: NS }).catch(() => undefined);
    if (last && check(last)) return last;
    await sleep(100);
  }
  assert.fail(`pod ${name} did not reach the expected state; last status: ${JSON.stringify(last?.status)}`);
}

const ready = (p: V1Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function fixturePod(name: string, args: string[], extra: Partial<NonNullable<V1Pod['spec']>> = {}, labels: Record<string, string> = {}): V1Pod {
  return {
    metadata: { name, namespace: NS, labels },
    spec: {
      nodeName: NODE,
      terminationGracePeriodSeconds: 5,
      containers: [{
        name: 'main',
        image: `${FIXTURE}:1`,
        args: ['serve', '--host', '0.0.0.0', '--port', '8080', ...args],
        ports: [{ name: 'http', containerPort: 8080 }],
        readinessProbe: { httpGet: { path: '/ready', port: 'http' }, periodSeconds: 1, failureThreshold: 1 },
      }],
      ...extra,
    },
  };
}

test('the node registers Ready', async () => {
  const node = await core.readNode({ name: NODE });
  assert.equal(node.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
});

test('a pod runs: init container first into an emptyDir, env from a Secret, loopback pod IP, Ready from the probe', async () => {
  await core.createNamespacedSecret({ namespace: NS, body: { metadata: { name: 'creds' }, stringData: { TOKEN: 's3cret' } } });
  const pod = fixturePod('web', ['--read-file', '/data/greeting', '--ready-after-ms', '1500'], {
    initContainers: [{ name: 'init', image: FIXTURE, args: ['write', '/data/greeting', 'hello from init'], volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
    volumes: [{ name: 'data', emptyDir: {} }],
  });
  pod.spec!.containers[0]!.volumeMounts = [{ name: 'data', mountPath: '/data', readOnly: true }];
  pod.spec!.containers[0]!.env = [
    { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'creds', key: 'TOKEN' } } },
    { name: 'MY_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
  ];
  await core.createNamespacedPod({ namespace: NS, body: pod });
  const running = await waitPod('web', (p) => p.status?.phase === 'Running');
  assert.ok(!ready(running), 'not Ready before the readiness probe passes');
  const live = await waitPod('web', ready);
  const ip = live.status!.podIP!;
  assert.ok(isLoopback(ip), ip);
  assert.notEqual(ip, '127.0.0.1');
  assert.equal(live.status?.initContainerStatuses?.[0]?.state?.terminated?.exitCode, 0);
  assert.equal(live.status?.conditions?.find((c) => c.type === 'Initialized')?.status, 'True');
  const info = JSON.parse((await get(`http://${ip}:8080/info`)).body) as { env: Record<string, string>; file: string; address: string; hostname: string };
  assert.equal(info.file, 'hello from init');
  assert.equal(info.env['TOKEN'], 's3cret');
  assert.equal(info.env['MY_IP'], ip);
  assert.equal(info.address, ip);
  assert.equal(info.hostname, 'web');
});

test('a crashing container restarts with back-off: restartCount, lastState exit code, CrashLoopBackOff', async () => {
  await core.createNamespacedPod({ namespace: NS, body: fixturePod('crasher', ['--exit-after-ms', '200', '--exit-code', '3']) });
  const p = await waitPod('crasher', (x) => (x.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 2
    && x.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CrashLoopBackOff');
  const c = p.status!.containerStatuses![0]!;
  assert.equal(c.lastState?.terminated?.exitCode, 3);
  assert.equal(c.lastState?.terminated?.reason, 'Error');
  assert.match(c.state?.waiting?.message ?? '', /back-off \d+s restarting failed container=main/);
  assert.equal(p.status?.phase, 'Running');
  assert.ok(!ready(p));
});

test('the termination message comes from terminationMessagePath, as the kubelet does; the log tail only when it is empty', async () => {
  const spec = (name: string, message: string[]) => {
    const pod = fixturePod(name, ['--exit-after-ms', '200', '--exit-code', '1', '--termination-log', '/dev/termination-log', ...message], { restartPolicy: 'Never' });
    pod.spec!.containers[0]!.terminationMessagePolicy = 'FallbackToLogsOnError';
    return pod;
  };
  await core.createNamespacedPod({ namespace: NS, body: spec('concise', ['--termination-message', 'loading /models/model.onnx failed: bad protobuf']) });
  await core.createNamespacedPod({ namespace: NS, body: spec('silent', []) });
  const terminated = (p: V1Pod) => p.status?.containerStatuses?.[0]?.state?.terminated;
  const concise = terminated(await waitPod('concise', (p) => terminated(p) !== undefined));
  assert.equal(concise?.message, 'loading /models/model.onnx failed: bad protobuf');
  const silent = terminated(await waitPod('silent', (p) => terminated(p) !== undefined));
  assert.match(silent?.message ?? '', /a log line that must not become the message/);
});

test('a failing liveness probe restarts the container', async () => {
  const pod = fixturePod('sick', ['--unhealthy-after-ms', '500']);
  pod.spec!.containers[0]!.livenessProbe = { httpGet: { path: '/live', port: 8080 }, periodSeconds: 1, failureThreshold: 2 };
  await core.createNamespacedPod({ namespace: NS, body: pod });
  await waitPod('sick', (x) => (x.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1);
});

test('a pod of another image is reported unsupported, not run', async () => {
  await core.createNamespacedPod({ namespace: NS, body: { metadata: { name: 'nginx', namespace: NS }, spec: { nodeName: NODE, containers: [{ name: 'web', image: 'nginx:1.27' }] } } });
  const p = await waitPod('nginx', (x) => x.status?.reason === 'UnsupportedImage');
  assert.equal(p.status?.phase, 'Pending');
  assert.equal(p.status?.podIP, undefined);
  assert.equal(p.status?.containerStatuses?.[0]?.state?.waiting?.reason, 'UnsupportedImage');
  assert.match(p.status?.message ?? '', /nginx:1\.27 cannot run here/);
});

test('the service proxy spreads connections over ready pods on a loopback address of its own', async () => {
  for (const name of ['svc-a', 'svc-b']) await core.createNamespacedPod({ namespace: NS, body: fixturePod(name, [], {}, { app: 'echo' }) });
  await core.createNamespacedPod({ namespace: NS, body: fixturePod('svc-unready', ['--ready-after-ms', '999999'], {}, { app: 'echo' }) });
  const svc = await core.createNamespacedService({ namespace: NS, body: { metadata: { name: 'echo' }, spec: { selector: { app: 'echo' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } } });
  await waitPod('svc-a', ready);
  await waitPod('svc-b', ready);
  await waitPod('svc-unready', (p) => p.status?.phase === 'Running');
  let url: string | undefined;
  for (let i = 0; i < 50 && url === undefined; i++, await sleep(100)) url = proxy.url(NS, 'echo');
  assert.ok(url, 'the proxy serves the Service');
  const host = new URL(url).hostname;
  assert.ok(isLoopback(host) && host !== svc.spec?.clusterIP, `${host} is a loopback address, not the ClusterIP ${svc.spec?.clusterIP}`);
  const seen = new Map<string, number>();
  for (let i = 0; i < 40; i++) {
    const info = JSON.parse((await get(`${url}/info`)).body) as { hostname: string };
    seen.set(info.hostname, (seen.get(info.hostname) ?? 0) + 1);
  }
  assert.deepEqual([...seen.keys()].sort(), ['svc-a', 'svc-b']);
});

test('delete: SIGTERM, the grace period is honoured, then the pod is removed and its process is gone', async () => {
  await core.createNamespacedPod({ namespace: NS, body: fixturePod('graceful', ['--term-delay-ms', '1500']) });
  const p = await waitPod('graceful', ready);
  const ip = p.status!.podIP!;
  const t0 = Date.now();
  await core.deleteNamespacedPod({ name: 'graceful', namespace: NS });
  await sleep(500);
  assert.ok(await core.readNamespacedPod({ name: 'graceful', namespace: NS }), 'still there while the process drains');
  assert.equal((await get(`http://${ip}:8080/ready`)).status, 200, 'the process still serves during its grace period');
  for (let i = 0; i < 100; i++) {
    if (await core.readNamespacedPod({ name: 'graceful', namespace: NS }).then(() => false, () => true)) break;
    await sleep(100);
  }
  const elapsed = Date.now() - t0;
  await assert.rejects(core.readNamespacedPod({ name: 'graceful', namespace: NS }));
  assert.ok(elapsed >= 1400 && elapsed < 5000, `removed after ${elapsed} ms`);
  await assert.rejects(get(`http://${ip}:8080/ready`));
});

test('a killed container of a restartPolicy Never pod: the pod is Failed, exit code 137 and the signal in containerStatuses', async () => {
  await core.createNamespacedPod({ namespace: NS, body: fixturePod('oom', [], { restartPolicy: 'Never' }) });
  const p = await waitPod('oom', ready);
  const { pid } = JSON.parse((await get(`http://${p.status!.podIP}:8080/info`)).body) as { pid: number };
  process.kill(pid, 'SIGKILL');
  const failed = await waitPod('oom', (x) => x.status?.phase === 'Failed');
  const terminated = failed.status!.containerStatuses![0]!.state?.terminated;
  assert.equal(terminated?.exitCode, 137);
  assert.equal(terminated?.signal, 9);
  assert.equal(terminated?.reason, 'Error');
  assert.ok(!ready(failed));
});

test('delete: the pod reports a terminal phase before the final delete (a Job counts and replaces it only then)', async () => {
  // A finalizer holds the object after the final delete, as the Job controller's job-tracking finalizer does.
  const finalizer = 'modelship.test/keep';
  const body = fixturePod('shard', ['--term-exit-code', '143'], { restartPolicy: 'Never' });
  body.metadata!.finalizers = [finalizer];
  await core.createNamespacedPod({ namespace: NS, body });
  await waitPod('shard', ready);
  await core.deleteNamespacedPod({ name: 'shard', namespace: NS });
  const gone = await waitPod('shard', (x) => x.status?.phase === 'Failed' && x.metadata?.deletionGracePeriodSeconds === 0);
  const terminated = gone.status!.containerStatuses![0]!.state?.terminated;
  assert.equal(terminated?.exitCode, 143);
  assert.equal(terminated?.reason, 'Error');
  await core.patchNamespacedPod({ name: 'shard', namespace: NS, body: [{ op: 'remove', path: '/metadata/finalizers' }] }, setHeaderOptions('Content-Type', PatchStrategy.JsonPatch));
  for (let i = 0; i < 50 && (await core.readNamespacedPod({ name: 'shard', namespace: NS }).then(() => true, () => false)); i++) await sleep(100);
  await assert.rejects(core.readNamespacedPod({ name: 'shard', namespace: NS }), 'gone once the finalizer is removed');
});
