// Loopback addresses for the local cluster: one 127.x.y.z per pod and one per
// proxied Service. Linux routes all of 127.0.0.0/8 to the loopback interface,
// so any of them can be bound without configuring anything, and nothing bound
// there is reachable from outside the machine. 127.0.0.0/16 is left alone (the
// control plane listens on 127.0.0.1).

/** Hands out addresses 127.<block>.<hi>.<lo>, never .0 or .255 in the last octet; released addresses are reused last. */
export class LoopbackPool {
  readonly block: number;
  private next = 1;
  private readonly free: string[] = [];
  private readonly used = new Set<string>();

  constructor(block: number) {
    if (!Number.isInteger(block) || block < 1 || block > 254) throw new Error(`loopback block must be 1..254, got ${block}`);
    this.block = block;
  }

  allocate(): string {
    // Fresh addresses first, so a pod that just went away is not confused with its successor.
    while (this.next < 256 * 256) {
      const n = this.next++;
      const lo = n % 256;
      if (lo === 0 || lo === 255) continue;
      const ip = `127.${this.block}.${n >> 8}.${lo}`;
      this.used.add(ip);
      return ip;
    }
    const ip = this.free.shift();
    if (ip === undefined) throw new Error(`loopback block 127.${this.block}.0.0/16 is exhausted`);
    this.used.add(ip);
    return ip;
  }

  release(ip: string): void {
    if (this.used.delete(ip)) this.free.push(ip);
  }
}

/**
 * A /16 block for one pool. Random, so that two local clusters started by two
 * test files at once rarely share a block; callers still check that an address
 * is free before a process binds it (see isFree in the node agent).
 */
export function randomBlock(exclude: readonly number[] = []): number {
  for (;;) {
    const block = 16 + Math.floor(Math.random() * 239);
    if (!exclude.includes(block)) return block;
  }
}

export function isLoopback(ip: string): boolean {
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(ip);
}
