// Where the binaries built by build-binaries.sh live: one folder per name and pinned
// version in a cache outside the checkout, so every clone on a machine shares them.
// versions.txt is the single list of names, versions and sets, read here and by the script.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export type BinaryName =
  | 'kube-apiserver'
  | 'etcd'
  | 'kubectl'
  | 'kube-controller-manager'
  | 'kube-scheduler'
  | 'kubelet'
  | 'kube-proxy'
  | 'coredns'
  | 'helm'
  | 'kubeconform'
  | 'minio'
  | 'prometheus-adapter'
  | 'otelcol'
  | 'ghz';

export interface BinaryEntry {
  name: string;
  version: string;
  /** `core` is built by `make cluster-binaries` (what `make test` needs); `node` by `make realcluster-deps`; `tools` on request. */
  set: string;
}

const VERSIONS_FILE = new URL('./tools/versions.txt', import.meta.url);

/** Parses versions.txt: `name version module-dir package set` per line, `#` comments. */
export function parseVersions(text: string): BinaryEntry[] {
  const entries: BinaryEntry[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const [name, version, , , set] = line.split(/\s+/);
    if (!name || !version || !set) throw new Error(`versions.txt: malformed line '${line}'`);
    entries.push({ name, version, set });
  }
  return entries;
}

/** The cache root, as build-binaries.sh computes it. */
export function binDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MODELSHIP_BIN_DIR) return env.MODELSHIP_BIN_DIR;
  const cache = env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache');
  return join(cache, 'modelship', 'bin');
}

let entries: BinaryEntry[] | undefined;

/** Absolute path of a cached binary; throws, naming the make target to run, when it is missing. */
export function binaryPath(name: BinaryName): string {
  entries ??= parseVersions(readFileSync(VERSIONS_FILE, 'utf8'));
  const entry = entries.find((e) => e.name === name);
  if (!entry) throw new Error(`${name} is not listed in test/cluster/tools/versions.txt`);
  const path = join(binDir(), `${name}-${entry.version}`, name);
  if (!existsSync(path)) {
    const target = { core: 'make cluster-binaries', node: 'make realcluster-deps' }[entry.set] ?? 'make cluster-tools';
    throw new Error(
      `${name} ${entry.version} is not built (expected at ${path}). ` +
        `Run \`${target}\` (builds it from upstream Go sources; the first build takes minutes).`,
    );
  }
  return path;
}
