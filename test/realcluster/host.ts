// Thin I/O helpers: run a command (bounded), and the `nsenter` prefix that puts a command in a
// node's namespaces. Daemons run under `nsenter --net=... --mount=...`, never `ip netns exec`
// (which remounts /sys, after which runc finds no cgroup mount).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** Runs a command, resolves stdout; rejects with its stderr. Bounded by `timeoutMs`. */
export async function sh(command: string, args: string[], { timeoutMs = 60_000, input }: { timeoutMs?: number; input?: string } = {}): Promise<string> {
  const child = exec(command, args, { timeout: timeoutMs, maxBuffer: 32 << 20, killSignal: 'SIGKILL' });
  if (input !== undefined) child.child.stdin?.end(input);
  try {
    return (await child).stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${command} ${args.join(' ')}: ${(e.stderr || e.message).trim()}`);
  }
}

/** Like sh, but a failure is reported in the result instead of thrown (teardown, probes). */
export async function trySh(command: string, args: string[], opts: { timeoutMs?: number } = {}): Promise<{ ok: boolean; out: string }> {
  try {
    return { ok: true, out: await sh(command, args, opts) };
  } catch (err) {
    return { ok: false, out: (err as Error).message };
  }
}

/** `nsenter` arguments that put the following command in a network (and optionally mount) namespace. */
export const nsenterArgs = (netns: string, mountNs?: string) => [
  `--net=/run/netns/${netns}`,
  ...(mountNs ? [`--mount=${mountNs}`] : []),
];

/** Runs a command inside a network namespace (a client dialing cluster addresses runs only so). */
export const inNetns = (netns: string, command: string, args: string[], opts: { timeoutMs?: number; input?: string } = {}) =>
  sh('nsenter', [...nsenterArgs(netns), command, ...args], opts);

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
