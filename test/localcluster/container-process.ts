// One run of one container as a local process: its own process group (so a
// server's worker processes go with it), stdout and stderr appended to the
// container's log file, SIGTERM then SIGKILL after the grace period, and the
// kernel's parent-death signal (setpriv --pdeathsig) so no process outlives
// the node agent, however the agent dies. Every live group is also killed
// synchronously when the agent's process exits.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readSync, fstatSync } from 'node:fs';

const SETPRIV = '/usr/bin/setpriv';
const live = new Set<ContainerProcess>();
let hooked = false;

export interface ProcessExit {
  exitCode: number;
  signal?: string;
  finishedAt: Date;
}

export interface ContainerProcessSpec {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  logFile: string;
}

export class ContainerProcess {
  readonly startedAt = new Date();
  readonly exited: Promise<ProcessExit>;
  readonly logFile: string;
  private readonly child: ChildProcess;
  private done = false;

  constructor(spec: ContainerProcessSpec) {
    if (!hooked) {
      hooked = true;
      process.on('exit', () => { for (const p of live) p.killSync(); });
    }
    this.logFile = spec.logFile;
    const fd = openSync(spec.logFile, 'a');
    const [cmd, args] = existsSync(SETPRIV) ? [SETPRIV, ['--pdeathsig', 'KILL', '--', spec.command, ...spec.args]] : [spec.command, spec.args];
    this.child = spawn(cmd, args, { cwd: spec.cwd, env: spec.env, detached: true, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    live.add(this);
    this.exited = new Promise((resolve) => {
      const finish = (exitCode: number, signal?: string) => {
        if (this.done) return;
        this.done = true;
        live.delete(this);
        resolve({ exitCode, ...(signal !== undefined ? { signal } : {}), finishedAt: new Date() });
      };
      // Shells and kubelets report death by signal N as exit code 128+N.
      this.child.on('exit', (code, signal) => finish(code ?? 128 + (signal === 'SIGKILL' ? 9 : signal === 'SIGTERM' ? 15 : 1), signal ?? undefined));
      this.child.on('error', () => finish(128));
    });
    this.child.unref();
  }

  get running(): boolean {
    return !this.done;
  }

  private signal(sig: NodeJS.Signals): void {
    if (this.done || this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, sig);
    } catch {
      // The group is already gone.
    }
  }

  killSync(): void {
    this.signal('SIGKILL');
  }

  /** SIGTERM, then SIGKILL once `graceMs` has passed; resolves with the exit. */
  async terminate(graceMs: number): Promise<ProcessExit> {
    if (graceMs <= 0) this.signal('SIGKILL');
    else this.signal('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const kill = new Promise<void>((r) => (timer = setTimeout(() => { this.signal('SIGKILL'); r(); }, Math.max(0, graceMs))));
    const exit = await Promise.race([this.exited, kill.then(() => this.exited)]);
    clearTimeout(timer);
    return exit;
  }

  /** The end of the log (at most `maxBytes`), as the kubelet's FallbackToLogsOnError reads it. */
  tail(maxBytes = 2048): string {
    try {
      const fd = openSync(this.logFile, 'r');
      try {
        const size = fstatSync(fd).size;
        const buf = Buffer.alloc(Math.min(maxBytes, size));
        readSync(fd, buf, 0, buf.length, size - buf.length);
        return buf.toString('utf8');
      } finally {
        closeSync(fd);
      }
    } catch {
      return '';
    }
  }
}
