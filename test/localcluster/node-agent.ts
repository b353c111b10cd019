// The local cluster's kubelet stand-in: registers a Node (kept Ready by a
// Lease heartbeat, as a kubelet does), watches the Pods the real scheduler
// binds to it, runs each as local processes through a PodRunner, and writes
// their status. Pod IPs are loopback addresses of its own (127.x.y.z), one per
// pod. Deleting a pod sends SIGTERM, waits the pod's grace period, then
// confirms with a zero-grace delete, as a kubelet does.
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import {
  CoordinationV1Api,
  CoreV1Api,
  PatchStrategy,
  V1MicroTime,
  setHeaderOptions,
  type KubeConfig,
  type V1Container,
  type V1Lease,
  type V1Pod,
  type V1PodStatus,
} from '@kubernetes/client-node';
import { buildLease, buildNode, type NodeSpec } from '../cluster/nodes.ts';
import type { EnvObjects } from './env.ts';
import { envReferences } from './env.ts';
import type { ImageTable } from './images.ts';
import { listWatch, type ListWatch } from './list-watch.ts';
import { LoopbackPool, randomBlock } from './loopback.ts';
import { buildPodStatus } from './pod-status.ts';
import { PodRunner, type BackoffConfig } from './pod-runner.ts';
import { persistentVolumePath, volumeSource } from './volumes.ts';

export interface NodeAgentOptions {
  kubeConfig: KubeConfig;
  node: NodeSpec;
  /** Pod dirs (emptyDirs, logs) live here; removed with each pod. */
  workDir: string;
  images: ImageTable;
  /** Crash-loop back-off; a kubelet uses 10 s doubling to 300 s. */
  backoff?: BackoffConfig;
  /** /16 block of the pod addresses (127.<block>.x.y); random when absent. */
  podBlock?: number;
  /** Cluster DNS's stand-in for Service URLs in container args (see PodRunnerDeps.serviceUrl). */
  serviceUrl?: (namespace: string, name: string, port: number) => string | undefined;
  log?: (line: string) => void;
}

const LEASE_RENEW_MS = 10_000;
const KUBELET_BACKOFF: BackoffConfig = { baseMs: 10_000, capMs: 300_000 };
const statusCode = (err: unknown) => (err as { code?: number }).code;
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** A status as compared with the last one written: transition times alone are no change. */
const statusKey = (status: V1PodStatus) => JSON.stringify(status, (k, v: unknown) => (k === 'lastTransitionTime' ? undefined : v));

/** Whether nothing listens on ip:port yet (a second cluster may share the block). */
function portFree(ip: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, ip, () => server.close(() => resolve(true)));
  });
}

interface Tracked {
  runner: PodRunner;
  pod: V1Pod;
  ip: string;
  dir: string;
  written?: string;
  lastStatus?: V1PodStatus;
  /** The status write in progress. */
  writing: Promise<void> | undefined;
  dirty: boolean;
  terminating: boolean;
}

export class NodeAgent {
  readonly nodeName: string;
  private readonly opts: NodeAgentOptions;
  private readonly core: CoreV1Api;
  private readonly coordination: CoordinationV1Api;
  private readonly pool: LoopbackPool;
  private readonly pods = new Map<string, Tracked>();
  private readonly log: (line: string) => void;
  private lease: V1Lease | undefined;
  private leaseTimer: NodeJS.Timeout | undefined;
  private watch: ListWatch | undefined;
  private stopped = false;

  private constructor(opts: NodeAgentOptions) {
    this.opts = opts;
    this.nodeName = opts.node.name;
    this.core = opts.kubeConfig.makeApiClient(CoreV1Api);
    this.coordination = opts.kubeConfig.makeApiClient(CoordinationV1Api);
    this.pool = new LoopbackPool(opts.podBlock ?? randomBlock());
    const log = opts.log ?? (() => {});
    this.log = (line) => log(`[node-agent ${this.nodeName}] ${line}`);
  }

  static async start(opts: NodeAgentOptions): Promise<NodeAgent> {
    const agent = new NodeAgent(opts);
    mkdirSync(opts.workDir, { recursive: true });
    await agent.register();
    agent.watch = listWatch<V1Pod>({
      kubeConfig: opts.kubeConfig,
      path: '/api/v1/pods',
      query: { fieldSelector: `spec.nodeName=${agent.nodeName}` },
      list: () => agent.core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${agent.nodeName}` }),
      onEvent: (type, pod) => agent.onPod(type, pod),
      log: agent.log,
    });
    await agent.watch.synced;
    return agent;
  }

  /** The loopback address of a pod running here. */
  podIP(namespace: string, name: string): string | undefined {
    for (const t of this.pods.values()) if (t.pod.metadata?.namespace === namespace && t.pod.metadata?.name === name) return t.ip;
    return undefined;
  }

  /** What a container of a pod running here has logged so far (`kubectl logs`), or undefined. */
  containerLog(namespace: string, name: string, container: string): string | undefined {
    for (const t of this.pods.values()) {
      if (t.pod.metadata?.namespace !== namespace || t.pod.metadata?.name !== name) continue;
      try {
        return readFileSync(join(t.dir, 'logs', `${container}.log`), 'utf8');
      } catch {
        return undefined;
      }
    }
    return undefined;
  }

  private async register(): Promise<void> {
    const node = buildNode(this.opts.node, new Date());
    node.status!.addresses = [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: this.nodeName }];
    await this.core.createNode({ body: node });
    // Status sent on create is dropped; a merge patch of the status subresource cannot conflict
    // with kube-controller-manager writing the node at the same time.
    const withStatus = await this.core.patchNodeStatus({ name: this.nodeName, body: { status: node.status } }, mergePatch);
    for (let attempt = 0; ; attempt++) {
      try {
        this.lease = await this.coordination.createNamespacedLease({ namespace: 'kube-node-lease', body: buildLease(withStatus, new Date()) });
        break;
      } catch (err) {
        if (statusCode(err) !== 404 || attempt >= 50) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    this.leaseTimer = setInterval(() => void this.renewLease(), LEASE_RENEW_MS);
    this.leaseTimer.unref();
  }

  private async renewLease(): Promise<void> {
    const lease = this.lease;
    if (lease === undefined || this.stopped) return;
    try {
      const body = { ...lease, spec: { ...lease.spec, renewTime: new V1MicroTime() } };
      this.lease = await this.coordination.replaceNamespacedLease({ name: this.nodeName, namespace: 'kube-node-lease', body });
    } catch (err) {
      if (this.stopped) return;
      this.log(`renewing the node lease failed: ${(err as Error).message}`);
      this.lease = await this.coordination.readNamespacedLease({ name: this.nodeName, namespace: 'kube-node-lease' }).catch(() => lease);
    }
  }

  private onPod(type: string, pod: V1Pod): void {
    if (this.stopped) return;
    const uid = pod.metadata?.uid ?? '';
    const tracked = this.pods.get(uid);
    if (type === 'DELETED') {
      // Gone from the API (force-deleted, or our own final delete): nothing is left to report.
      if (tracked) void this.forget(uid, tracked, 0);
      return;
    }
    if (tracked) {
      tracked.pod = pod;
      if (pod.metadata?.deletionTimestamp && !tracked.terminating) void this.terminate(uid, tracked);
      return;
    }
    if (pod.metadata?.deletionTimestamp) {
      // Never started here (e.g. deleted while the agent was down): confirm the deletion.
      void this.finalDelete(pod);
      return;
    }
    if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return;
    void this.admit(uid, pod);
  }

  private async admit(uid: string, pod: V1Pod): Promise<void> {
    const ports = pod.spec!.containers.flatMap((c) => (c.ports ?? []).map((p) => p.containerPort));
    let ip = this.pool.allocate();
    for (let i = 0; i < 20 && !(await Promise.all(ports.map((p) => portFree(ip, p)))).every(Boolean); i++) ip = this.pool.allocate();
    if (this.stopped || this.pods.has(uid)) return this.pool.release(ip);
    const dir = join(this.opts.workDir, uid);
    const tracked: Tracked = {
      pod, ip, dir, writing: undefined, dirty: false, terminating: false,
      runner: new PodRunner({
        pod,
        podIP: ip,
        podDir: dir,
        images: this.opts.images,
        backoff: this.opts.backoff ?? KUBELET_BACKOFF,
        volumes: (p, podDir) => this.volumes(p, podDir),
        envObjects: (p, c) => this.envObjects(p, c),
        baseEnv: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir, NODE_ENV: 'production' },
        ...(this.opts.serviceUrl !== undefined ? { serviceUrl: this.opts.serviceUrl } : {}),
        onChange: () => void this.scheduleStatus(uid),
        log: this.log,
      }),
    };
    this.pods.set(uid, tracked);
    void this.scheduleStatus(uid);
  }

  /** Writes the pod's status (again when it changes meanwhile); the promise settles when this round of writes ends. */
  private scheduleStatus(uid: string): Promise<void> {
    const t = this.pods.get(uid);
    if (!t || this.stopped) return Promise.resolve();
    if (t.writing) {
      t.dirty = true;
      return t.writing;
    }
    // Set before the loop runs: a round that writes nothing ends synchronously, and its finally must see it.
    let finished!: () => void;
    t.writing = new Promise<void>((resolve) => (finished = resolve));
    const round = t.writing;
    void (async () => {
      try {
        do {
          t.dirty = false;
          const status = buildPodStatus(t.runner.snapshot(), new Date(), t.lastStatus);
          const json = statusKey(status);
          if (json === t.written) continue;
          await this.core.patchNamespacedPodStatus(
            { name: t.pod.metadata!.name!, namespace: t.pod.metadata!.namespace!, body: { status } },
            mergePatch,
          );
          t.written = json;
          t.lastStatus = status;
        } while (t.dirty && !this.stopped);
      } catch (err) {
        if (statusCode(err) !== 404 && !this.stopped) {
          this.log(`status of ${t.runner.id}: ${((err as Error).message ?? '').split('\n').slice(0, 3).join(' ')}`);
          setTimeout(() => void this.scheduleStatus(uid), 1000).unref();
        }
      } finally {
        t.writing = undefined;
        finished();
      }
    })();
    return round;
  }

  /** The pod's current status, written (bounded retries): a kubelet reports the terminal phase before the final delete. */
  private async flushStatus(uid: string, t: Tracked): Promise<void> {
    for (let attempt = 0; attempt < 20 && !this.stopped; attempt++) {
      await this.scheduleStatus(uid);
      if (t.written === statusKey(buildPodStatus(t.runner.snapshot(), new Date(), t.lastStatus))) return;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    this.log(`pod ${t.runner.id}: its terminal status was not written; deleting it anyway`);
  }

  private async terminate(uid: string, t: Tracked): Promise<void> {
    t.terminating = true;
    const grace = t.pod.metadata?.deletionGracePeriodSeconds ?? t.pod.spec?.terminationGracePeriodSeconds ?? 30;
    // As the kubelet: a preStop sleep runs first and counts against the grace
    // period (only the sleep handler is supported here; the runtime's pods use it).
    const preStop = Math.min(grace, Math.max(0, ...(t.pod.spec?.containers ?? []).map((c) => c.lifecycle?.preStop?.sleep?.seconds ?? 0)));
    if (preStop > 0) {
      this.log(`pod ${t.runner.id} is being deleted: preStop sleep ${preStop}s`);
      await new Promise((resolve) => setTimeout(resolve, preStop * 1000));
    }
    this.log(`pod ${t.runner.id} is being deleted: SIGTERM, grace ${grace - preStop}s left`);
    await t.runner.stop(grace - preStop);
    this.log(`pod ${t.runner.id} stopped`);
    await this.flushStatus(uid, t);
    await this.finalDelete(t.pod);
    await this.forget(uid, t, 0);
  }

  private async finalDelete(pod: V1Pod): Promise<void> {
    await this.core
      // The grace period goes in the body: when a body is sent, the API server ignores the query parameters.
      .deleteNamespacedPod({ name: pod.metadata!.name!, namespace: pod.metadata!.namespace!, body: { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata!.uid } } })
      .catch((err) => {
        if (statusCode(err) !== 404 && statusCode(err) !== 409 && !this.stopped) this.log(`final delete of ${pod.metadata?.name}: ${(err as Error).message}`);
      });
  }

  private async forget(uid: string, t: Tracked, graceSeconds: number): Promise<void> {
    if (this.pods.get(uid) !== t) return;
    this.pods.delete(uid);
    await t.runner.stop(graceSeconds);
    this.pool.release(t.ip);
    rmSync(t.dir, { recursive: true, force: true });
  }

  private async volumes(pod: V1Pod, podDir: string): Promise<{ dirs: Map<string, string> } | { error: string; retry: boolean }> {
    const dirs = new Map<string, string>();
    for (const v of pod.spec?.volumes ?? []) {
      const source = volumeSource(v);
      if (source.kind === 'unsupported') return { error: source.message, retry: false };
      if (source.kind === 'emptyDir') {
        const dir = join(podDir, 'volumes', v.name);
        mkdirSync(dir, { recursive: true });
        dirs.set(v.name, dir);
        continue;
      }
      const namespace = pod.metadata!.namespace!;
      try {
        const claim = await this.core.readNamespacedPersistentVolumeClaim({ name: source.claim, namespace });
        const pvName = claim.spec?.volumeName;
        if (claim.status?.phase !== 'Bound' || !pvName) return { error: `persistentvolumeclaim "${source.claim}" is not bound`, retry: true };
        const path = persistentVolumePath(await this.core.readPersistentVolume({ name: pvName }));
        if (path === undefined) return { error: `persistentvolume ${pvName} has no hostPath or local path`, retry: false };
        dirs.set(v.name, path);
      } catch (err) {
        return { error: statusCode(err) === 404 ? `persistentvolumeclaim "${source.claim}" not found` : (err as Error).message, retry: true };
      }
    }
    return { dirs };
  }

  private async envObjects(pod: V1Pod, container: V1Container): Promise<EnvObjects> {
    const namespace = pod.metadata!.namespace!;
    const refs = envReferences(container);
    const fetch = async <T>(names: string[], read: (name: string) => Promise<T>, data: (o: T) => Record<string, string>) => {
      const out = new Map<string, Record<string, string>>();
      for (const name of names) {
        try {
          out.set(name, data(await read(name)));
        } catch (err) {
          if (statusCode(err) !== 404) throw err;
        }
      }
      return out;
    };
    return {
      secrets: await fetch(refs.secrets, (name) => this.core.readNamespacedSecret({ name, namespace }), (s) =>
        Object.fromEntries(Object.entries({ ...s.data }).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')])),
      ),
      configMaps: await fetch(refs.configMaps, (name) => this.core.readNamespacedConfigMap({ name, namespace }), (c) => ({ ...c.data })),
    };
  }

  /** Stops watching and heartbeating and kills every pod process at once (the cluster is going away). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.watch?.stop();
    clearInterval(this.leaseTimer);
    await Promise.all([...this.pods.values()].map((t) => t.runner.stop(0)));
    for (const t of this.pods.values()) rmSync(t.dir, { recursive: true, force: true });
    this.pods.clear();
  }
}
