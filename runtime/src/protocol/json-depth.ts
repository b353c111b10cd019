// A bound on JSON nesting, checked on the raw bytes before JSON.parse: a body
// of half a million `[` parses into half a million arrays, which grows the
// heap for good (and at the 64 MiB body limit could exhaust it). Real requests
// nest only as deep as a tensor's rank plus the envelope.
import { InvalidInputError } from '../errors.ts';

export const MAX_JSON_DEPTH = 64;

/**
 * Smaller bodies are not scanned: V8's JSON.parse is iterative, so depth alone
 * cannot overflow the stack, and the most a small body can build is harmless.
 * This keeps the scan off the hot path of ordinary requests.
 */
export const DEPTH_SCAN_MIN_BYTES = 64 * 1024;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

/** Throws when brackets outside strings nest deeper than `max`; malformed JSON is left to JSON.parse. */
export function checkJsonDepth(bytes: Uint8Array, max = MAX_JSON_DEPTH, minBytes = DEPTH_SCAN_MIN_BYTES): void {
  if (bytes.length < minBytes) return;
  let depth = 0;
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
      if (++depth > max) throw new InvalidInputError(`the JSON nests deeper than ${max} levels`);
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      depth--;
    }
  }
}
