// Fake Nodes for the real kube-scheduler: Node objects with chosen labels, capacity and
// taints, reported Ready and kept Ready by renewing their Lease, as a kubelet would. No
// kubelet runs, so pods get bound to these nodes but never start. The one other kubelet
// duty done here: a pod being deleted on one of our nodes is removed at once (a kubelet
// confirms termination with a zero-grace delete), or it would stay Terminating forever.
import {
  CoordinationV1Api,
  CoreV1Api,
  V1MicroTime,
  type KubeConfig,
  type V1Lease,
  type V1Node,
} from '@kubernetes/client-node';

export interface NodeSpec {
  name: string;
  labels?: Record<string, string>;
  capacity?: Record<string, string>;
  taints?: Array<{ key: string; value?: string; effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute' }>;
}

/**
 * What an ordinary worker offers unless the spec says otherwise. Real kubelets
 * report their disk as ephemeral-storage; model server pods request it.
 */
export const DEFAULT_CAPACITY: Readonly<Record<string, string>> = { cpu: '8', memory: '32Gi', pods: '110', 'ephemeral-storage': '200Gi' };

/** Kubelets renew every 10 s; kube-controller-manager marks a node NotReady after 50 s without. */
export const LEASE_RENEW_MS = 10_000;
const LEASE_DURATION_S = 40;
const LEASE_NAMESPACE = 'kube-node-lease';
/** How often pods being deleted on our nodes are finished off. */
const POD_SWEEP_MS = 1000;

/** Pure: the Node object, Ready, with allocatable equal to capacity. */
export function buildNode(spec: NodeSpec, now: Date): V1Node {
  const capacity = { ...DEFAULT_CAPACITY, ...spec.capacity };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: spec.name,
      labels: { 'kubernetes.io/hostname': spec.name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', ...spec.labels },
    },
    spec: { taints: spec.taints?.map((t) => ({ key: t.key, value: t.value, effect: t.effect })) ?? [] },
    status: {
      capacity,
      allocatable: capacity,
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'KubeletReady',
          message: 'modelship test harness keeps this node Ready',
          lastHeartbeatTime: now,
          lastTransitionTime: now,
        },
      ],
      nodeInfo: {
        architecture: 'amd64',
        operatingSystem: 'linux',
        osImage: 'modelship test node',
        kernelVersion: '',
        kubeletVersion: 'v0.0.0-fake',
        kubeProxyVersion: '',
        containerRuntimeVersion: '',
        bootID: '',
        machineID: '',
        systemUUID: '',
      },
    },
  };
}

/** Pure: the node's heartbeat Lease, owned by the Node so it goes with it. */
export function buildLease(node: V1Node, now: Date): V1Lease {
  const name = node.metadata!.name!;
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name,
      namespace: LEASE_NAMESPACE,
      ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name, uid: node.metadata!.uid! }],
    },
    spec: { holderIdentity: name, leaseDurationSeconds: LEASE_DURATION_S, renewTime: new V1MicroTime(now.getTime()) },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const statusOf = (err: unknown) => (err as { code?: number }).code;

/** Registers nodes and renews their leases until stop(). */
export class NodeKeeper {
  private readonly core: CoreV1Api;
  private readonly coordination: CoordinationV1Api;
  private readonly leases = new Map<string, V1Lease>();
  private readonly timer: NodeJS.Timeout;
  private readonly podTimer: NodeJS.Timeout;
  private stopped = false;
  private readonly log: (line: string) => void;

  constructor(kubeConfig: KubeConfig, log: (line: string) => void) {
    this.core = kubeConfig.makeApiClient(CoreV1Api);
    this.coordination = kubeConfig.makeApiClient(CoordinationV1Api);
    this.log = log;
    this.timer = setInterval(() => void this.renewAll(), LEASE_RENEW_MS);
    this.timer.unref();
    this.podTimer = setInterval(() => void this.finishTerminatingPods(), POD_SWEEP_MS);
    this.podTimer.unref();
  }

  async add(spec: NodeSpec): Promise<void> {
    const node = buildNode(spec, new Date());
    let current = await this.core.createNode({ body: node });
    // Status belongs to the status subresource, so it is written there, re-reading
    // when the node lifecycle controller changed the node in between.
    let withStatus: V1Node | undefined;
    for (let attempt = 0; !withStatus; attempt++) {
      try {
        withStatus = await this.core.replaceNodeStatus({ name: spec.name, body: { ...current, status: node.status } });
      } catch (err) {
        if (statusOf(err) !== 409 || attempt >= 20) throw err;
        current = await this.core.readNode({ name: spec.name });
      }
    }
    // kube-node-lease is created by an API server post-start hook; give it a moment on a fresh cluster.
    for (let attempt = 0; ; attempt++) {
      try {
        const lease = await this.coordination.createNamespacedLease({
          namespace: LEASE_NAMESPACE,
          body: buildLease(withStatus, new Date()),
        });
        this.leases.set(spec.name, lease);
        return;
      } catch (err) {
        if (statusOf(err) !== 404 || attempt >= 50) throw err;
        await sleep(100);
      }
    }
  }

  private async renewAll(): Promise<void> {
    for (const [name, lease] of this.leases) {
      if (this.stopped) return;
      try {
        const body = { ...lease, spec: { ...lease.spec, renewTime: new V1MicroTime() } };
        this.leases.set(name, await this.coordination.replaceNamespacedLease({ name, namespace: LEASE_NAMESPACE, body }));
      } catch (err) {
        if (this.stopped) return;
        if (statusOf(err) === 409) {
          // Someone else wrote it: take the current version and renew on the next tick.
          this.leases.set(name, await this.coordination.readNamespacedLease({ name, namespace: LEASE_NAMESPACE }).catch(() => lease));
        } else {
          this.log(`[nodes] renewing lease of ${name} failed: ${(err as Error).message}`);
        }
      }
    }
  }

  private sweeping = false;

  private async finishTerminatingPods(): Promise<void> {
    if (this.leases.size === 0 || this.sweeping || this.stopped) return;
    this.sweeping = true;
    try {
      const pods = await this.core.listPodForAllNamespaces();
      for (const pod of pods.items) {
        const meta = pod.metadata;
        if (!meta?.deletionTimestamp || !this.leases.has(pod.spec?.nodeName ?? '')) continue;
        // As the kubelet does: grace 0 and the pod's UID, in the body (the API server
        // ignores query options when a body is sent). The first call only shortens a
        // pending grace period to 0; the second removes the object.
        const target = { name: meta.name!, namespace: meta.namespace! };
        const body = { gracePeriodSeconds: 0, preconditions: { uid: meta.uid } };
        for (let i = 0; i < 2; i++) {
          const gone = await this.core.deleteNamespacedPod({ ...target, body }).then(
            () => false,
            () => true, // already gone, or replaced by a new pod of the same name
          );
          if (gone) break;
        }
      }
    } catch (err) {
      if (!this.stopped) this.log(`[nodes] finishing terminating pods failed: ${(err as Error).message}`);
    } finally {
      this.sweeping = false;
    }
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    clearInterval(this.podTimer);
  }
}
