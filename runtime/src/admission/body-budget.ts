// A budget for the bytes of request bodies whose requests are being handled
// at once, from the first byte read until the response is written. A body
// costs several times its size: JSON.parse of a 56 MB MNIST batch builds an
// array of numbers before the typed tensor exists, and the outputs and their
// JSON text follow; six such bodies at once took the runtime from 170 MB to
// 1.1 GB.
// Beyond the budget a request gets 503 with Retry-After at once (its body
// unread) rather than waiting: a client or balancer retries, ideally on
// another replica, and the pod stays inside its memory limit.
import { UnavailableError } from '../errors.ts';

export class BodyBudget {
  readonly limit: number;
  /** Bytes reserved, in shared memory: front-end threads (frontend/) all hold one budget. */
  readonly #used: BigInt64Array;

  /** `shared`: the counter of another thread's budget (BodyBudget.shared), so both admit against one limit. */
  constructor(limit: number, shared: SharedArrayBuffer = new SharedArrayBuffer(8)) {
    this.limit = limit;
    this.#used = new BigInt64Array(shared);
  }

  /** The memory to hand another thread's BodyBudget. */
  get shared(): SharedArrayBuffer {
    return this.#used.buffer as SharedArrayBuffer;
  }

  /** Bytes currently reserved by requests being read or decoded. */
  get used(): number {
    return Number(Atomics.load(this.#used, 0));
  }

  /** Reserves `bytes`, or throws a 503 when that would pass the limit. */
  take(bytes: number): void {
    for (;;) {
      const used = Atomics.load(this.#used, 0);
      if (Number(used) + bytes > this.limit) {
        throw new UnavailableError(
          `the server is already handling ${used} bytes of request bodies and takes at most ${this.limit} at once (--max-body-bytes-in-flight); retry shortly`,
          1,
        );
      }
      // Another thread may have taken some since the load: then look again.
      if (Atomics.compareExchange(this.#used, 0, used, used + BigInt(bytes)) === used) return;
    }
  }

  give(bytes: number): void {
    Atomics.sub(this.#used, 0, BigInt(bytes));
  }
}

/** One request's share of the budget: grows as its body arrives, all returned at once. */
export class BodyLease {
  readonly #budget: BodyBudget;
  #held = 0;

  constructor(budget: BodyBudget) {
    this.#budget = budget;
  }

  get held(): number {
    return this.#held;
  }

  /** Holds at least `bytes` in total, taking only the difference. */
  holdAtLeast(bytes: number): void {
    if (bytes <= this.#held) return;
    this.#budget.take(bytes - this.#held);
    this.#held = bytes;
  }

  release(): void {
    this.#budget.give(this.#held);
    this.#held = 0;
  }
}

/** Runs `read` (read and decode one body) holding a lease on the budget, returned however `read` ends. */
export async function withinBudget<T>(budget: BodyBudget, read: (lease: BodyLease) => Promise<T>): Promise<T> {
  const lease = new BodyLease(budget);
  try {
    return await read(lease);
  } finally {
    lease.release();
  }
}
