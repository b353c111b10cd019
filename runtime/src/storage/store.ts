// What the fetch command needs from a remote store: list the objects under
// a prefix, and open one of them as a stream.
import type { Readable } from 'node:stream';

export interface RemoteObject {
  key: string;
  /** Bytes, when the listing says; the download is checked against it. */
  size: number | undefined;
}

export interface Store {
  list(prefix: string): Promise<RemoteObject[]>;
  open(key: string, signal: AbortSignal): Promise<Readable>;
}
