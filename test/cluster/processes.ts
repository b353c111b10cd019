// Child processes of a test cluster, started so that none outlives the Node process that
// started it: each runs in its own process group (killed as a group, so helpers it forks go
// too), under `setpriv --pdeathsig KILL` where available (the kernel kills it if Node dies
// even by SIGKILL), and every live group is killed synchronously on process exit.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync, type WriteStream } from 'node:fs';
import type { Socket } from 'node:net';

const SETPRIV = '/usr/bin/setpriv';
const live = new Set<ManagedProcess>();
let exitHookInstalled = false;

/** Kills every live process group right now; safe inside an 'exit' handler (synchronous). */
export function killAllSync(): void {
  for (const p of live) p.killSync();
}

function installExitHooks(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', killAllSync);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = () => {
      killAllSync();
      // Only decide the exit when nobody else listens; otherwise their handler does.
      if (process.listenerCount(signal) === 1) process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
    };
    process.on(signal, onSignal);
  }
}

export interface ProcessOptions {
  name: string;
  command: string;
  args: string[];
  logFile: string;
  log?: (line: string) => void;
}

export class ManagedProcess {
  readonly name: string;
  readonly logFile: string;
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;
  private readonly logStream: WriteStream;
  private exitCode: number | null | undefined;

  constructor(opts: ProcessOptions) {
    installExitHooks();
    this.name = opts.name;
    this.logFile = opts.logFile;
    const [cmd, args] = existsSync(SETPRIV)
      ? [SETPRIV, ['--pdeathsig', 'KILL', '--', opts.command, ...opts.args]]
      : [opts.command, opts.args];
    this.logStream = createWriteStream(opts.logFile);
    this.child = spawn(cmd, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        this.exitCode = code ?? (signal ? -1 : null);
        live.delete(this);
        resolve(this.exitCode);
      });
      this.child.on('error', (err) => {
        this.logStream.write(`spawn failed: ${err.message}\n`);
        this.exitCode = -1;
        live.delete(this);
        resolve(-1);
      });
    });
    live.add(this);
    for (const stream of [this.child.stdout, this.child.stderr]) {
      if (!stream) continue;
      let pending = '';
      stream.pipe(this.logStream, { end: false });
      if (opts.log) {
        const log = opts.log;
        stream.on('data', (chunk: Buffer) => {
          const lines = (pending + chunk.toString()).split('\n');
          pending = lines.pop() ?? '';
          for (const line of lines) log(`[${this.name}] ${line}`);
        });
      }
      // Nothing here may keep a test process alive: a forgotten stop() is caught on exit.
      (stream as unknown as Socket).unref?.();
    }
    this.child.unref();
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  /** Last lines of the process log, for error messages. */
  tail(lines = 30): string {
    try {
      return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  killSync(): void {
    if (!this.running || this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }

  /** SIGKILLs the group (the cluster's data is throwaway) and waits, bounded, for the exit. */
  async kill(timeoutMs = 5000): Promise<void> {
    this.killSync();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.exited, new Promise((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
    this.logStream.end();
  }
}
