// The training profile that travels with a model (docs/monitoring.md): when a
// storageUri names one `.onnx` file rather than a prefix, the fetch also
// copies `<stem>.profile.json` from beside it, if it is there. A prefix
// already brings every file under it. An absent profile is normal (drift
// monitoring is then off), so "not there" is never a fetch failure.
import { HttpStatusError } from './errors.ts';

export const MODEL_SUFFIX = '.onnx';
export const PROFILE_SUFFIX = '.profile.json';

/** `dir/iris.onnx` -> `dir/iris.profile.json`; undefined when the path names no .onnx file. */
export function profileCompanion(path: string): string | undefined {
  const trimmed = path.replace(/\/+$/, '');
  if (trimmed !== path || !trimmed.endsWith(MODEL_SUFFIX) || trimmed.slice(trimmed.lastIndexOf('/') + 1) === MODEL_SUFFIX) return undefined;
  return `${trimmed.slice(0, -MODEL_SUFFIX.length)}${PROFILE_SUFFIX}`;
}

/**
 * Whether an HTTP failure of the companion means "no profile there": 404 and
 * 410, and 403, which S3-style stores answer for a missing key the reader may
 * not list. Anything else (5xx after retries, a refused redirect) still fails
 * the fetch: the store is misbehaving, and starting without the profile would
 * silently turn monitoring off.
 */
export function companionAbsent(error: unknown): boolean {
  return error instanceof HttpStatusError && (error.status === 404 || error.status === 410 || error.status === 403);
}
