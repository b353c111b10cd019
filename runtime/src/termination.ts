// Kubernetes' termination message: one concise line saying why the runtime
// stopped serving, written to the file the kubelet mounts at the container's
// terminationMessagePath (/dev/termination-log). The kubelet copies it into
// the container status (state.terminated.message), where the operator reads
// it for modelStatus; without it, FallbackToLogsOnError would show the tail
// of the JSON log, start-up configuration included.
import { existsSync, writeFileSync } from 'node:fs';

/** The kubelet reads at most 4096 bytes of the file; stay well inside it. */
export const MAX_TERMINATION_MESSAGE = 1024;

/** One line of at most MAX_TERMINATION_MESSAGE characters. */
export function terminationMessage(error: Error): string {
  const line = error.message.replace(/\s+/g, ' ').trim() || error.name;
  return line.length <= MAX_TERMINATION_MESSAGE ? line : `${line.slice(0, MAX_TERMINATION_MESSAGE - 3)}...`;
}

/**
 * Writes the message when the file exists (the kubelet creates it in every
 * container), so a run outside Kubernetes leaves nothing behind. Returns
 * whether it was written; a failure to write must not mask the exit.
 */
export function writeTerminationMessage(path: string, error: Error): boolean {
  if (path === '' || !existsSync(path)) return false;
  try {
    writeFileSync(path, terminationMessage(error));
    return true;
  } catch {
    return false;
  }
}
