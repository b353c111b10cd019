// Thin wrappers to run helm, kubeconform and kubectl (built by
// test/cluster/build-binaries.sh) from tests, with bounded time and output
// captured for assertion messages.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as yaml from 'js-yaml';
import { binaryPath, type BinaryName } from '../../cluster/binaries.ts';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const CHART = `${ROOT}charts/modelship`;

export interface Run { status: number; stdout: string; stderr: string }

export function run(name: BinaryName, args: string[], options: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Run {
  const r = spawnSync(binaryPath(name), args, {
    input: options.input,
    env: { ...process.env, HELM_CACHE_HOME: '/tmp/modelship-helm/cache', HELM_CONFIG_HOME: '/tmp/modelship-helm/config', HELM_DATA_HOME: '/tmp/modelship-helm/data', ...options.env },
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Like run, but throws with stderr when the command fails. */
export function ok(name: BinaryName, args: string[], options: Parameters<typeof run>[2] = {}): string {
  const r = run(name, args, options);
  if (r.status !== 0) throw new Error(`${name} ${args.join(' ')} exited ${r.status}:\n${r.stderr}${r.stdout.slice(0, 4000)}`);
  return r.stdout;
}

export interface Manifest { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; [k: string]: unknown }; [k: string]: unknown }

/** `helm template` of the chart with --set style overrides, parsed. */
export function template(sets: string[] = [], extra: string[] = []): Manifest[] {
  const args = ['template', 'modelship', CHART, '--namespace', 'modelship-system', ...extra, ...sets.flatMap((s) => ['--set', s])];
  return yaml.loadAll(ok('helm', args)).filter((d): d is Manifest => d !== null && typeof d === 'object');
}

export function find(manifests: Manifest[], kind: string, name?: string): Manifest {
  const m = manifests.find((x) => x.kind === kind && (name === undefined || x.metadata.name === name));
  if (!m) throw new Error(`no ${kind} ${name ?? ''} in: ${manifests.map((x) => `${x.kind}/${x.metadata.name}`).join(', ')}`);
  return m;
}
