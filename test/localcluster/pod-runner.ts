// The life of one pod on the local node agent, as a kubelet lives it: volumes
// prepared, init containers run to completion one after another, then every
// container supervised: started, probed (startup, then readiness and
// liveness), restarted with crash-loop back-off per restartPolicy, and on
// deletion sent SIGTERM and given the grace period. Everything it observes is
// kept in a PodSnapshot; the agent turns that into the Pod's status.
import { closeSync, mkdirSync, openSync, readSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { V1Container, V1Pod, V1Probe } from '@kubernetes/client-node';
import { ContainerProcess, type ProcessExit } from './container-process.ts';
import { expandVars, resolveEnv, type EnvObjects } from './env.ts';
import { resolveImage, type ImageRunner, type ImageTable } from './images.ts';
import { crashBackoffMs, terminalSnapshot, type ContainerSnapshot, type ContainerState, type PodSnapshot } from './pod-status.ts';
import { ProbeTracker, runProbe } from './probe.ts';
import { containerMounts, rewritePath } from './volumes.ts';

/** Kubernetes' default terminationMessagePath. */
const DEFAULT_TERMINATION_MESSAGE_PATH = '/dev/termination-log';
/** The kubelet reads at most this much of a termination message file. */
const MAX_TERMINATION_MESSAGE_BYTES = 4096;

function readTerminationMessage(path: string): string {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const buffer = Buffer.alloc(MAX_TERMINATION_MESSAGE_BYTES);
    return buffer.subarray(0, readSync(fd, buffer, 0, buffer.length, 0)).toString('utf8');
  } catch {
    return '';
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export interface BackoffConfig {
  baseMs: number;
  capMs: number;
}

export interface PodRunnerDeps {
  pod: V1Pod;
  podIP: string;
  podDir: string;
  images: ImageTable;
  backoff: BackoffConfig;
  /** Host dirs of the pod's volumes, or why they cannot be provided yet (`retry`) or ever. */
  volumes: (pod: V1Pod, podDir: string) => Promise<{ dirs: Map<string, string> } | { error: string; retry: boolean }>;
  /** The Secrets and ConfigMaps a container's env refers to. */
  envObjects: (pod: V1Pod, container: V1Container) => Promise<EnvObjects>;
  /** Environment every process gets before the container's own (PATH and the like). */
  baseEnv: Record<string, string>;
  /**
   * Cluster DNS's stand-in: `http://<service>.<namespace>.svc.cluster.local[:port]`
   * in a container's args becomes the service proxy's loopback address for
   * that Service port, or undefined while the proxy has not seen it (the
   * container waits, as one whose Secret is missing).
   */
  serviceUrl?: (namespace: string, name: string, port: number) => string | undefined;
  onChange: () => void;
  log: (line: string) => void;
}

type Terminated = Extract<ContainerState, { kind: 'terminated' }>;
const RETRY_MS = 2000;
/** A Service URL by its cluster DNS name; the proxy's loopback address stands in for it (serviceUrl). */
const SERVICE_URL = /http:\/\/([a-z0-9](?:[-a-z0-9]*[a-z0-9])?)\.([a-z0-9](?:[-a-z0-9]*[a-z0-9])?)\.svc\.cluster\.local(?::(\d+))?/g;

export class PodRunner {
  private readonly deps: PodRunnerDeps;
  private readonly pod: V1Pod;
  private readonly stopping = new AbortController();
  private readonly processes = new Set<ContainerProcess>();
  private readonly snap: PodSnapshot;
  private volumeDirs = new Map<string, string>();
  private graceMs = 30_000;
  readonly done: Promise<void>;

  constructor(deps: PodRunnerDeps) {
    this.deps = deps;
    this.pod = deps.pod;
    const spec = deps.pod.spec!;
    const waiting = (c: V1Container, reason: string): ContainerSnapshot => ({
      name: c.name, image: c.image ?? '', state: { kind: 'waiting', reason }, restartCount: 0, ready: false, started: false,
    });
    const init = spec.initContainers ?? [];
    this.snap = {
      podIP: deps.podIP,
      startTime: new Date(),
      initContainers: init.map((c) => waiting(c, 'PodInitializing')),
      containers: spec.containers.map((c) => waiting(c, init.length > 0 ? 'PodInitializing' : 'ContainerCreating')),
      initialized: init.length === 0,
    };
    this.done = this.run().catch((err: Error) => deps.log(`pod ${this.id}: ${err.stack ?? err.message}`));
  }

  get id(): string {
    return `${this.pod.metadata?.namespace}/${this.pod.metadata?.name}`;
  }

  snapshot(): PodSnapshot {
    return this.snap;
  }

  /** SIGTERM to every container, SIGKILL after `graceSeconds`; resolves when all are gone and the pod is terminal. */
  async stop(graceSeconds: number): Promise<void> {
    this.graceMs = Math.max(0, graceSeconds * 1000);
    this.stopping.abort();
    await Promise.all([...this.processes].map((p) => p.terminate(this.graceMs)));
    await this.done;
    if (this.snap.finished !== undefined) return;
    Object.assign(this.snap, terminalSnapshot(this.snap, new Date()));
    this.deps.onChange();
  }

  private get stopped(): boolean {
    return this.stopping.signal.aborted;
  }

  /** Resolves after `ms`, or at once when the pod is being stopped (or `also` aborts). */
  private sleep(ms: number, also?: AbortSignal): Promise<void> {
    const signals = also ? [this.stopping.signal, also] : [this.stopping.signal];
    if (signals.some((s) => s.aborted)) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => { clearTimeout(timer); for (const s of signals) s.removeEventListener('abort', done); resolve(); };
      const timer = setTimeout(done, ms);
      for (const s of signals) s.addEventListener('abort', done, { once: true });
    });
  }

  private set(list: ContainerSnapshot[], index: number, change: Partial<ContainerSnapshot>): void {
    const current = list[index]!;
    list[index] = { ...current, ...change };
    this.deps.onChange();
  }

  private async run(): Promise<void> {
    const spec = this.pod.spec!;
    const all = [...(spec.initContainers ?? []), ...spec.containers];
    const runners = new Map<string, ImageRunner>();
    for (const c of all) {
      const r = resolveImage(this.deps.images, c);
      if (!r.ok) return this.unsupported(r.reason, r.message);
      runners.set(c.name, r.runner);
    }
    mkdirSync(join(this.deps.podDir, 'logs'), { recursive: true });
    for (;;) {
      if (this.stopped) return;
      const v = await this.deps.volumes(this.pod, this.deps.podDir);
      if ('dirs' in v) {
        this.volumeDirs = v.dirs;
        break;
      }
      if (!v.retry) return this.unsupported('UnsupportedVolume', v.error);
      this.snap.containers = this.snap.containers.map((c) => ({ ...c, state: { kind: 'waiting', reason: 'ContainerCreating', message: v.error } }));
      this.deps.onChange();
      await this.sleep(RETRY_MS);
    }
    for (const [i, c] of (spec.initContainers ?? []).entries()) {
      const ok = await this.supervise(c, runners.get(c.name)!, this.snap.initContainers, i, true);
      if (!ok) return;
    }
    this.snap.initialized = true;
    this.deps.onChange();
    await Promise.all(spec.containers.map((c, i) => this.supervise(c, runners.get(c.name)!, this.snap.containers, i, false)));
  }

  private unsupported(reason: string, message: string): void {
    this.deps.log(`pod ${this.id}: ${message}`);
    this.snap.podIP = undefined;
    this.snap.unsupported = { reason, message };
    const wait = (c: ContainerSnapshot): ContainerSnapshot => ({ ...c, state: { kind: 'waiting', reason, message } });
    this.snap.initContainers = this.snap.initContainers.map(wait);
    this.snap.containers = this.snap.containers.map(wait);
    this.deps.onChange();
  }

  /**
   * Runs one container until the pod stops or restartPolicy says it is done.
   * For an init container, returns true once it has exited 0.
   */
  private async supervise(c: V1Container, runner: ImageRunner, list: ContainerSnapshot[], i: number, init: boolean): Promise<boolean> {
    const policy = this.pod.spec?.restartPolicy ?? 'Always';
    const { baseMs, capMs } = this.deps.backoff;
    let crashes = 0;
    while (!this.stopped) {
      const delay = crashBackoffMs(crashes, baseMs, capMs);
      if (delay > 0) {
        this.set(list, i, { state: { kind: 'waiting', reason: 'CrashLoopBackOff', message: `back-off ${Math.round(delay / 1000)}s restarting failed container=${c.name} pod=${this.pod.metadata?.name}` } });
        await this.sleep(delay);
        if (this.stopped) break;
      }
      const proc = await this.start(c, runner, list, i);
      if (proc === undefined) {
        await this.sleep(RETRY_MS);
        continue;
      }
      const runAbort = new AbortController();
      const probes = init ? Promise.resolve() : this.probe(c, proc, list, i, runAbort.signal);
      const exit = await proc.exited;
      runAbort.abort();
      await probes;
      this.processes.delete(proc);
      const terminated = this.terminated(c, proc, exit);
      this.set(list, i, { state: terminated, ready: false, started: false });
      this.deps.log(`pod ${this.id}: container ${c.name} exited ${exit.exitCode}${exit.signal ? ` (${exit.signal})` : ''}`);
      if (this.stopped) break;
      if (init && exit.exitCode === 0) return true;
      if (policy === 'Never' || (policy === 'OnFailure' && exit.exitCode === 0)) {
        if (!init) this.snap.finished = exit.exitCode === 0 ? 'Succeeded' : 'Failed';
        else this.snap.finished = 'Failed';
        this.deps.onChange();
        return false;
      }
      // A container that ran well past the longest back-off starts the count afresh, as in the kubelet.
      if (exit.finishedAt.getTime() - proc.startedAt.getTime() > 2 * capMs) crashes = 0;
      crashes++;
      this.set(list, i, { lastTerminated: terminated, restartCount: list[i]!.restartCount + 1 });
    }
    return false;
  }

  /** The host file standing for the container's terminationMessagePath (the kubelet bind-mounts one per container). */
  private terminationFile(c: V1Container): string {
    return join(this.deps.podDir, 'termination', c.name);
  }

  private terminated(c: V1Container, proc: ContainerProcess, exit: ProcessExit): Terminated {
    // As the kubelet: the termination message file wins; with FallbackToLogsOnError an empty file
    // on a failed exit falls back to the end of the log.
    const written = readTerminationMessage(this.terminationFile(c));
    const message = written !== '' ? written : exit.exitCode !== 0 && c.terminationMessagePolicy === 'FallbackToLogsOnError' ? proc.tail().trim() : undefined;
    return {
      kind: 'terminated',
      exitCode: exit.exitCode,
      ...(exit.signal !== undefined ? { signal: exit.signal } : {}),
      reason: exit.exitCode === 0 ? 'Completed' : 'Error',
      ...(message ? { message } : {}),
      startedAt: proc.startedAt,
      finishedAt: exit.finishedAt,
    };
  }

  /** Starts one run of the container, or records why it cannot start (and returns undefined). */
  private async start(c: V1Container, runner: ImageRunner, list: ContainerSnapshot[], i: number): Promise<ContainerProcess | undefined> {
    const podIP = this.deps.podIP;
    const volumeMounts = containerMounts(c, this.volumeDirs);
    if ('error' in volumeMounts) {
      this.set(list, i, { state: { kind: 'waiting', reason: 'CreateContainerConfigError', message: volumeMounts.error } });
      return undefined;
    }
    // A fresh, empty termination message file for each run, "mounted" at terminationMessagePath:
    // paths in args and env are rewritten to it, as for volumes.
    const messageFile = this.terminationFile(c);
    mkdirSync(dirname(messageFile), { recursive: true });
    writeFileSync(messageFile, '');
    const mounts = [{ containerPath: c.terminationMessagePath ?? DEFAULT_TERMINATION_MESSAGE_PATH, hostPath: messageFile, readOnly: false }, ...volumeMounts];
    let resolved: ReturnType<typeof resolveEnv>;
    try {
      resolved = resolveEnv(this.pod, c, await this.deps.envObjects(this.pod, c), podIP);
    } catch (err) {
      resolved = { error: (err as Error).message };
    }
    if ('error' in resolved) {
      this.set(list, i, { state: { kind: 'waiting', reason: 'CreateContainerConfigError', message: resolved.error } });
      return undefined;
    }
    if (this.stopped) return undefined;
    const env = Object.fromEntries(Object.entries(resolved.env).map(([k, v]) => [k, rewritePath(v, mounts)]));
    const args = (c.args ?? []).map((a) => rewritePath(expandVars(a, resolved.env), mounts));
    const unresolved: string[] = [];
    const resolvedArgs = args.map((a) => a.replace(SERVICE_URL, (whole, name: string, ns: string, port: string | undefined) => {
      const url = this.deps.serviceUrl?.(ns, name, Number(port ?? 80));
      if (url === undefined) unresolved.push(`${ns}/${name}`);
      return url ?? whole;
    }));
    if (unresolved.length > 0) {
      this.set(list, i, { state: { kind: 'waiting', reason: 'CreateContainerConfigError', message: `Service ${unresolved.join(', ')} has no address on this machine yet` } });
      return undefined;
    }
    const { command, args: argv } = runner(c, resolvedArgs, podIP);
    const tmp = rewritePath('/tmp', mounts);
    const proc = new ContainerProcess({
      command,
      args: argv,
      env: {
        ...this.deps.baseEnv,
        HOSTNAME: this.pod.metadata?.name ?? '',
        ...(tmp !== '/tmp' ? { TMPDIR: tmp } : {}),
        ...env,
      },
      cwd: this.deps.podDir,
      logFile: join(this.deps.podDir, 'logs', `${c.name}.log`),
    });
    this.processes.add(proc);
    this.deps.log(`pod ${this.id}: started ${c.name} on ${podIP}: ${command} ${argv.join(' ')}`);
    this.set(list, i, { state: { kind: 'running', startedAt: proc.startedAt }, ready: false, started: c.startupProbe === undefined });
    return proc;
  }

  /** Startup probe first; then readiness and liveness, each on its own period, until the run ends. */
  private async probe(c: V1Container, proc: ContainerProcess, list: ContainerSnapshot[], i: number, runEnded: AbortSignal): Promise<void> {
    const podIP = this.deps.podIP;
    const kill = (why: string) => {
      this.deps.log(`pod ${this.id}: container ${c.name} ${why}, will be restarted`);
      void proc.terminate(this.graceMs);
    };
    /** Runs `probe` every period after its initial delay until the run ends or `onResult` returns false. */
    const every = async (probe: V1Probe, initiallyHealthy: boolean, onResult: (t: ProbeTracker, changed: boolean) => boolean): Promise<void> => {
      const tracker = new ProbeTracker(probe, initiallyHealthy);
      await this.sleep((probe.initialDelaySeconds ?? 0) * 1000, runEnded);
      while (!runEnded.aborted && !this.stopped) {
        const changed = tracker.record(await runProbe(probe, c, podIP));
        if (runEnded.aborted || !onResult(tracker, changed)) return;
        await this.sleep((probe.periodSeconds ?? 10) * 1000, runEnded);
      }
    };
    if (c.startupProbe !== undefined) {
      let passed = false;
      await every({ ...c.startupProbe, successThreshold: 1 }, false, (t) => {
        if (t.healthy) return !(passed = true);
        if (t.consecutiveFailures < t.failureLimit) return true;
        kill(`failed its startup probe: ${t.lastMessage}`);
        return false;
      });
      if (!passed || runEnded.aborted || this.stopped) return;
      this.set(list, i, { started: true });
    }
    const loops: Promise<void>[] = [];
    if (c.readinessProbe !== undefined) {
      loops.push(every(c.readinessProbe, false, (t, changed) => {
        if (changed) this.set(list, i, { ready: t.healthy });
        return true;
      }));
    } else {
      this.set(list, i, { ready: true });
    }
    if (c.livenessProbe !== undefined) {
      loops.push(every(c.livenessProbe, true, (t) => {
        if (t.healthy) return true;
        kill(`failed its liveness probe: ${t.lastMessage}`);
        return false;
      }));
    }
    await Promise.all(loops);
  }
}
