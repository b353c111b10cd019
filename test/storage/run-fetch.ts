// Runs the real command line, `node runtime/src/main.ts fetch ...`, as the
// operator's init container will, with a clean environment plus `env`. The
// SDKs' instance-metadata probes are off unless a test turns them on (toward
// a loopback stand-in): tests never dial 169.254.169.254.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

export interface FetchRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function runFetch(args: string[], env: Record<string, string> = {}): Promise<FetchRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['runtime/src/main.ts', 'fetch', ...args],
      { cwd: REPO, env: { PATH: process.env.PATH ?? '', HOME: '/nonexistent-modelship-home', AWS_EC2_METADATA_DISABLED: 'true', METADATA_SERVER_DETECTION: 'none', ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
