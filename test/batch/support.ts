// Test support for `main.ts batch`: datasets from the model script (cached by
// the script's hash, since generating a million rows takes a while), the real
// command line as a child process, and reference predictions from
// onnxruntime-node called directly, to compare batch outputs with row by row.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
const CACHE = path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'modelship');
const MODELS_PYTHON = path.join(process.env.MODELSHIP_MODELS_VENV ?? path.join(CACHE, 'venv-models'), 'bin', 'python');
export const IRIS = path.join(REPO, 'examples/models/iris.onnx');
export const MLP = path.join(REPO, 'examples/models/mnist-mlp.onnx');

const OBSERVE_PYTHON = path.join(process.env.MODELSHIP_OBSERVE_VENV ?? path.join(CACHE, 'venv-observe'), 'bin', 'python');

/** Runs SQL statements with DuckDB (the observe venv's pinned duckdb), for reading outputs back with another implementation. */
export function duckdbRun(sql: string): void {
  const run = spawnSync(OBSERVE_PYTHON, ['-c', 'import duckdb, sys\nduckdb.execute(sys.argv[1])', sql], { encoding: 'utf8', timeout: 300_000 });
  if (run.status !== 0) throw new Error(`duckdb failed: ${run.stderr}`);
}

/** `generate.py datasets` output for (kind, rows), generated once per version of the script and its pins. */
export function dataset(kind: 'iris' | 'mnist', rows: number): string {
  const script = path.join(REPO, 'examples/models/generate.py');
  const hash = createHash('sha256').update(readFileSync(script)).update(readFileSync(path.join(REPO, 'examples/models/requirements.txt'))).update(`${kind}:${rows}`).digest('hex').slice(0, 16);
  const dir = path.join(CACHE, 'datasets', hash);
  const file = path.join(dir, `${kind}.parquet`);
  if (existsSync(file)) return file;
  const scratch = `${dir}.${process.pid}.tmp`;
  rmSync(scratch, { recursive: true, force: true });
  const run = spawnSync(MODELS_PYTHON, [script, 'datasets', scratch, '--rows', String(rows), '--kinds', kind], { encoding: 'utf8', timeout: 600_000 });
  if (run.status !== 0) throw new Error(`generate.py datasets failed (is ${MODELS_PYTHON} built? make models-venv):\n${run.stderr}`);
  mkdirSync(path.dirname(dir), { recursive: true });
  try {
    renameSync(scratch, dir);
  } catch {
    // Another test process generated it first.
    rmSync(scratch, { recursive: true, force: true });
  }
  return file;
}

export interface BatchRun {
  code: number;
  stdout: string;
  stderr: string;
  /** The JSON log lines. */
  logs: Record<string, unknown>[];
}

export interface StartedBatch {
  readonly child: ChildProcess;
  readonly done: Promise<BatchRun>;
  /** What it has written to stdout so far. */
  stdout(): string;
}

/** Starts `node runtime/src/main.ts batch ...` with a clean environment plus `env`. */
export function startBatch(args: readonly string[], env: Record<string, string> = {}): StartedBatch {
  const child = spawn(process.execPath, ['runtime/src/main.ts', 'batch', '--progress', 'json', ...args], {
    cwd: REPO,
    env: { PATH: process.env.PATH ?? '', HOME: '/nonexistent-modelship-home', AWS_EC2_METADATA_DISABLED: 'true', METADATA_SERVER_DETECTION: 'none', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 540_000);
  const done = new Promise<BatchRun>((resolve) => {
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const logs = stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr, logs });
    });
  });
  return { child, done, stdout: () => stdout };
}

export function runBatch(args: readonly string[], env: Record<string, string> = {}): Promise<BatchRun> {
  return startBatch(args, env).done;
}

export interface Reference {
  readonly label: BigInt64Array;
  readonly probabilities: Float32Array;
}

/**
 * The iris model's outputs for rows of 4 features, from onnxruntime-node in
 * this process, with the runtime's session options, run `batchSize` rows at a
 * time from the first row: onnxruntime's kernels may round differently for
 * different batch sizes, so the same runs give bit-identical results.
 */
export async function irisReference(features: Float32Array, batchSize = Number.POSITIVE_INFINITY): Promise<Reference> {
  const session = await ort.InferenceSession.create(IRIS, { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all', executionMode: 'sequential' });
  const rows = features.length / 4;
  const label = new BigInt64Array(rows);
  const probabilities = new Float32Array(rows * 3);
  try {
    for (let start = 0; start < rows; start += batchSize) {
      const n = Math.min(batchSize, rows - start);
      const out = await session.run({ input: new ort.Tensor('float32', features.slice(start * 4, (start + n) * 4), [n, 4]) });
      label.set(out.label!.data as BigInt64Array, start);
      probabilities.set(out.probabilities!.data as Float32Array, start * 3);
    }
    return { label, probabilities };
  } finally {
    await session.release();
  }
}
