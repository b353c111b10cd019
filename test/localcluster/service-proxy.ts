// A stand-in for kube-proxy in the local cluster only. Each Service that
// selects pods gets a loopback address of the proxy's own (127.x.y.z, never
// the ClusterIP the API server allocated: those are private-range addresses
// nothing here may dial), with a TCP listener per Service port; a connection
// goes to one of the Service's ready pods, chosen at random per connection as
// kube-proxy's iptables mode does. Endpoints are computed from Pods directly
// (see endpoints.ts for why EndpointSlices cannot carry loopback pod IPs).
// In a real cluster kube-proxy (or the CNI) and the traffic layer do this.
import { writeFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { CoreV1Api, type KubeConfig, type V1Pod, type V1Service } from '@kubernetes/client-node';
import { proxiable, serviceEndpoints } from './endpoints.ts';
import { listWatch, type ListWatch } from './list-watch.ts';
import { LoopbackPool, isLoopback, randomBlock } from './loopback.ts';

export interface ServiceAddress {
  host: string;
  /** Service port name (or number as a string) -> the port listening on host. */
  ports: Record<string, number>;
}

export interface ServiceProxyOptions {
  kubeConfig: KubeConfig;
  /** /16 block for Service addresses; random when absent. */
  block?: number;
  /** Written with the address table on every change (for `make dev`). */
  tableFile?: string;
  log?: (line: string) => void;
}

interface Proxied {
  service: V1Service;
  host: string;
  listeners: Map<string, { server: Server; port: number }>;
}

const key = (ns: string | undefined, name: string | undefined) => `${ns ?? ''}/${name ?? ''}`;

export class ServiceProxy {
  private readonly opts: ServiceProxyOptions;
  private readonly pool: LoopbackPool;
  private readonly pods = new Map<string, V1Pod>();
  private readonly services = new Map<string, Proxied>();
  private readonly watches: ListWatch[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly log: (line: string) => void;
  private stopped = false;
  private serial: Promise<void> = Promise.resolve();
  /** Connections per pod name, for tests that check how traffic was spread. */
  readonly connections = new Map<string, number>();

  private constructor(opts: ServiceProxyOptions) {
    this.opts = opts;
    this.pool = new LoopbackPool(opts.block ?? randomBlock());
    const log = opts.log ?? (() => {});
    this.log = (line) => log(`[service-proxy] ${line}`);
  }

  static async start(opts: ServiceProxyOptions): Promise<ServiceProxy> {
    const proxy = new ServiceProxy(opts);
    const core = opts.kubeConfig.makeApiClient(CoreV1Api);
    proxy.watches.push(
      listWatch<V1Pod>({
        kubeConfig: opts.kubeConfig,
        path: '/api/v1/pods',
        list: () => core.listPodForAllNamespaces(),
        onEvent: (type, pod) => {
          if (type === 'DELETED') proxy.pods.delete(key(pod.metadata?.namespace, pod.metadata?.name));
          else proxy.pods.set(key(pod.metadata?.namespace, pod.metadata?.name), pod);
        },
        log: proxy.log,
      }),
      listWatch<V1Service>({
        kubeConfig: opts.kubeConfig,
        path: '/api/v1/services',
        list: () => core.listServiceForAllNamespaces(),
        // One change at a time, so two events for a Service never race to bind its ports.
        onEvent: (type, service) => {
          proxy.serial = proxy.serial.then(() => proxy.onService(type, service)).catch((err: Error) => proxy.log(err.message));
        },
        log: proxy.log,
      }),
    );
    await Promise.all(proxy.watches.map((w) => w.synced));
    return proxy;
  }

  /** Where a Service can be reached on this machine, once the proxy has seen it. */
  address(namespace: string, name: string): ServiceAddress | undefined {
    const p = this.services.get(key(namespace, name));
    if (p === undefined) return undefined;
    return { host: p.host, ports: Object.fromEntries([...p.listeners].map(([k, l]) => [k, l.port])) };
  }

  /** `http://host:port` of a Service port (the first port when none is named). */
  url(namespace: string, name: string, port?: string): string | undefined {
    const a = this.address(namespace, name);
    const p = port === undefined ? Object.values(a?.ports ?? {})[0] : a?.ports[port];
    return a && p !== undefined ? `http://${a.host}:${p}` : undefined;
  }

  /** `http://host:port` of the Service port numbered `port` (what a cluster DNS name and port reach). */
  urlByPort(namespace: string, name: string, port: number): string | undefined {
    const p = this.services.get(key(namespace, name));
    const named = p?.service.spec?.ports?.find((x) => x.port === port);
    if (p === undefined || named === undefined) return undefined;
    return this.url(namespace, name, named.name || String(named.port));
  }

  private async onService(type: string, service: V1Service): Promise<void> {
    const k = key(service.metadata?.namespace, service.metadata?.name);
    const existing = this.services.get(k);
    if (type === 'DELETED' || !proxiable(service)) {
      if (existing) this.close(k, existing);
      return;
    }
    const proxied: Proxied = existing ?? { service, host: this.pool.allocate(), listeners: new Map() };
    proxied.service = service;
    this.services.set(k, proxied);
    const wanted = new Set<string>();
    for (const port of service.spec?.ports ?? []) {
      if ((port.protocol ?? 'TCP') !== 'TCP') continue;
      const name = port.name || String(port.port);
      wanted.add(name);
      if (proxied.listeners.has(name)) continue;
      const server = createServer((socket) => this.forward(k, name, socket));
      server.on('error', (err) => this.log(`listener ${proxied.host} for ${k}:${name}: ${err.message}`));
      const bound = await this.listen(server, proxied.host, port.port);
      if (bound === undefined) continue;
      proxied.listeners.set(name, { server, port: bound });
      this.log(`${k} port ${name} -> ${proxied.host}:${bound}`);
    }
    for (const [name, l] of proxied.listeners) {
      if (!wanted.has(name)) {
        l.server.close();
        proxied.listeners.delete(name);
      }
    }
    this.writeTable();
  }

  /** The Service's own port number when it can be bound (root), else any free port on the same address. */
  private listen(server: Server, host: string, port: number): Promise<number | undefined> {
    const attempt = (p: number) => new Promise<number | undefined>((resolve) => {
      const onError = () => resolve(undefined);
      server.once('error', onError);
      server.listen(p, host, () => {
        server.off('error', onError);
        const address = server.address();
        resolve(typeof address === 'object' && address !== null ? address.port : undefined);
      });
    });
    return attempt(port).then((p) => p ?? attempt(0));
  }

  private forward(k: string, portName: string, client: Socket): void {
    const proxied = this.services.get(k);
    const port = proxied?.service.spec?.ports?.find((p) => (p.name || String(p.port)) === portName);
    if (!proxied || !port || this.stopped) return void client.destroy();
    const endpoints = serviceEndpoints(proxied.service, port, this.pods.values());
    const target = endpoints[Math.floor(Math.random() * endpoints.length)];
    // No ready endpoint: refuse, as kube-proxy's REJECT rule does.
    if (target === undefined || !isLoopback(target.ip)) return void client.destroy();
    this.connections.set(target.pod, (this.connections.get(target.pod) ?? 0) + 1);
    const upstream = connect({ host: target.ip, port: target.port });
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    }
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  }

  private close(k: string, p: Proxied): void {
    for (const l of p.listeners.values()) l.server.close();
    this.services.delete(k);
    this.pool.release(p.host);
    this.writeTable();
  }

  private writeTable(): void {
    if (this.opts.tableFile === undefined) return;
    const table = Object.fromEntries([...this.services.keys()].map((k) => {
      const [ns, name] = k.split('/') as [string, string];
      return [k, this.address(ns, name)];
    }));
    writeFileSync(this.opts.tableFile, `${JSON.stringify(table, null, 2)}\n`);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const w of this.watches) w.stop();
    for (const s of this.sockets) s.destroy();
    await Promise.all([...this.services.values()].flatMap((p) => [...p.listeners.values()].map((l) => new Promise((r) => l.server.close(r)))));
    this.services.clear();
  }
}
