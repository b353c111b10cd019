// Bounds on the structure of a JSON body, checked on its raw bytes before
// JSON.parse. JSON.parse's memory is what a body *builds*, not its size: 63 MB
// of `[{},{},...]` parses into 21 million objects (2.4 GB resident, seconds of
// CPU), half a million `[` into half a million arrays, and the heap keeps what
// it grew. A tensor request builds few containers (an envelope, and one array
// per row when data is nested) and nests only as deep as its rank.
import { InvalidInputError } from '../errors.ts';

export const MAX_JSON_DEPTH = 64;

/** At most one container (`[` or `{`) per this many body bytes, for bodies past the scan threshold. */
export const BYTES_PER_CONTAINER = 8;

/**
 * Smaller bodies are not scanned: V8's JSON.parse is iterative, so depth alone
 * cannot overflow the stack, and the most a small body can build is harmless.
 * This keeps the scan off the hot path of ordinary requests.
 */
export const GUARD_MIN_BYTES = 64 * 1024;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

export interface JsonGuardOptions {
  readonly maxDepth?: number;
  readonly bytesPerContainer?: number;
  readonly minBytes?: number;
}

/**
 * Throws when brackets outside strings nest deeper than `maxDepth`, or when
 * the body opens more containers than one per `bytesPerContainer` bytes.
 * Malformed JSON is left to JSON.parse.
 */
export function guardJson(bytes: Uint8Array, options: JsonGuardOptions = {}): void {
  const { maxDepth = MAX_JSON_DEPTH, bytesPerContainer = BYTES_PER_CONTAINER, minBytes = GUARD_MIN_BYTES } = options;
  if (bytes.length < minBytes) return;
  const maxContainers = Math.max(1024, Math.floor(bytes.length / bytesPerContainer));
  let depth = 0;
  let containers = 0;
  const n = bytes.length;
  for (let i = 0; i < n; i++) {
    const c = bytes[i] as number;
    if (c === QUOTE) {
      // Skip the string, honouring escapes (UTF-8 continuation bytes never equal these ASCII codes).
      for (i++; i < n; i++) {
        const s = bytes[i] as number;
        if (s === BACKSLASH) i++;
        else if (s === QUOTE) break;
      }
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > maxDepth) throw new InvalidInputError(`the JSON nests deeper than ${maxDepth} levels`);
      if (++containers > maxContainers) {
        throw new InvalidInputError(`the JSON opens more than ${maxContainers} arrays and objects for ${n} bytes; send nested data flat, or use the binary tensor extension`);
      }
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      depth--;
    }
  }
}
