// Container probes as the kubelet runs them: httpGet (any status 200..399 is
// success) or tcpSocket against the pod IP, with the probe's timeout, period
// and success/failure thresholds. exec probes need a container to exec into,
// which does not exist here; they fail with a message saying so.
import { request } from 'node:http';
import { connect } from 'node:net';
import type { V1Container, V1Probe } from '@kubernetes/client-node';

export interface ProbeResult {
  ok: boolean;
  message: string;
}

/** Resolves a probe port (number or the name of a container port). */
export function probePort(port: number | string | undefined, container: V1Container): number | undefined {
  if (typeof port === 'number') return port;
  if (port === undefined) return undefined;
  if (/^\d+$/.test(port)) return Number(port);
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

export function runProbe(probe: V1Probe, container: V1Container, podIP: string): Promise<ProbeResult> {
  const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000;
  if (probe.httpGet !== undefined) {
    const port = probePort(probe.httpGet.port as number | string, container);
    if (port === undefined) return Promise.resolve({ ok: false, message: `probe port ${String(probe.httpGet.port)} not found` });
    const headers = Object.fromEntries((probe.httpGet.httpHeaders ?? []).map((h) => [h.name, h.value]));
    return new Promise((resolve) => {
      const req = request({ host: podIP, port, path: probe.httpGet!.path ?? '/', method: 'GET', headers, timeout: timeoutMs, agent: false }, (res) => {
        res.resume();
        const code = res.statusCode ?? 0;
        resolve({ ok: code >= 200 && code < 400, message: `HTTP probe failed with statuscode: ${code}` });
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (err) => resolve({ ok: false, message: `Get "http://${podIP}:${port}${probe.httpGet!.path ?? '/'}": ${err.message}` }));
      req.end();
    });
  }
  if (probe.tcpSocket !== undefined) {
    const port = probePort(probe.tcpSocket.port as number | string, container);
    if (port === undefined) return Promise.resolve({ ok: false, message: 'probe port not found' });
    return new Promise((resolve) => {
      const socket = connect({ host: podIP, port, timeout: timeoutMs });
      socket.on('connect', () => { socket.destroy(); resolve({ ok: true, message: '' }); });
      socket.on('timeout', () => { socket.destroy(); resolve({ ok: false, message: 'dial timeout' }); });
      socket.on('error', (err) => resolve({ ok: false, message: err.message }));
    });
  }
  return Promise.resolve({ ok: false, message: 'only httpGet and tcpSocket probes can run on the local node agent' });
}

/** Counts consecutive results against the probe's thresholds; `healthy` flips only at a threshold. */
export class ProbeTracker {
  private successes = 0;
  private failures = 0;
  healthy: boolean;
  lastMessage = '';
  private readonly successThreshold: number;
  private readonly failureThreshold: number;

  constructor(probe: V1Probe, initiallyHealthy: boolean) {
    this.successThreshold = probe.successThreshold ?? 1;
    this.failureThreshold = probe.failureThreshold ?? 3;
    this.healthy = initiallyHealthy;
  }

  /** Records one result; returns true when `healthy` changed. */
  record(result: ProbeResult): boolean {
    if (result.ok) {
      this.failures = 0;
      this.successes++;
      if (!this.healthy && this.successes >= this.successThreshold) return (this.healthy = true);
    } else {
      this.lastMessage = result.message;
      this.successes = 0;
      this.failures++;
      if (this.healthy && this.failures >= this.failureThreshold) return !(this.healthy = false);
    }
    return false;
  }

  /** Failures in a row, for startup probes (which fail the container at the threshold). */
  get consecutiveFailures(): number {
    return this.failures;
  }

  get failureLimit(): number {
    return this.failureThreshold;
  }
}
