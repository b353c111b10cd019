// What the fetch command needs from a remote store: list the objects under
// a prefix, and describe the GET for one of them.
import type { RequestSpec } from './transfer.ts';

export interface RemoteObject {
  key: string;
  /** Bytes, when the listing says; the download is checked against it. */
  size: number | undefined;
}

export interface Store {
  list(prefix: string): Promise<RemoteObject[]>;
  object(key: string): RequestSpec;
}
