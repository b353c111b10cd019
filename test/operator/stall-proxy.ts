// A loopback TCP proxy in front of the real kube-apiserver that a test can
// make misbehave the way a broken network path does: freeze() turns every
// open connection half-open (accepted, never answered, never closed), and
// holdNew() accepts new connections without ever forwarding them. TLS passes
// through untouched, so clients verify the API server's own certificate.
import net from 'node:net';

export interface StallProxy {
  /** https://127.0.0.1:<port>, to put in a kubeconfig instead of the API server's URL. */
  url: string;
  /** Every connection open now stops carrying bytes, both ways, and stays open. */
  freeze(): void;
  /** On: new connections are accepted and held, silent. Off: held ones are reset and new ones forwarded. */
  holdNew(on: boolean): void;
  close(): Promise<void>;
}

export async function startStallProxy(target: URL): Promise<StallProxy> {
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  const held = new Set<net.Socket>();
  const frozen = new Set<net.Socket>();
  let holding = false;
  const server = net.createServer((client) => {
    client.on('error', () => {});
    if (holding) {
      held.add(client);
      client.on('close', () => held.delete(client));
      return;
    }
    const upstream = net.connect(Number(target.port), target.hostname);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    const pair = { client, upstream };
    pairs.add(pair);
    client.pipe(upstream);
    upstream.pipe(client);
    const drop = (): void => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', drop);
    upstream.on('close', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `${target.protocol}//127.0.0.1:${port}`,
    freeze() {
      for (const { client, upstream } of pairs) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
        client.removeAllListeners('close');
        upstream.removeAllListeners('close');
        frozen.add(client).add(upstream);
      }
      pairs.clear();
    },
    holdNew(on) {
      holding = on;
      if (!on) for (const socket of held) socket.destroy();
    },
    async close() {
      holding = false;
      for (const socket of held) socket.destroy();
      for (const { client, upstream } of pairs) {
        client.destroy();
        upstream.destroy();
      }
      for (const socket of frozen) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
