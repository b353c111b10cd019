// The tier's benchmark record (make bench-realcluster): how long the cluster took to come up
// and go away, the whole tier, and the cold set-up costs the set-up scripts logged when they
// last did real work (Go builds, apt-get, image builds).
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { binDir } from '../cluster/binaries.ts';
import { round, writeRecord } from '../../bench/runtime/stats.ts';
import { imageCacheDir } from './containerd.ts';

export interface TierTimes {
  clusterUpMs: number;
  testsMs: number;
  teardownMs: number;
  totalMs: number;
}

/** Last logged line per name (`<date> <name> <version|what> <secs>s cores=N`) from a set-up log. */
function lastLines(file: string, names: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  try {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const name = line.split(' ')[1];
      if (name && names.includes(name)) out[name] = line;
    }
  } catch {
    // Never logged: set up before the log existed, or elsewhere.
  }
  return out;
}

export function writeTierRecord(repo: string, startedAt: Date, times: TierTimes): string {
  const setup = {
    ...lastLines(join(binDir(), 'build-times.log'), ['kubelet', 'kube-proxy', 'coredns']),
    ...lastLines(join(imageCacheDir(), '..', 'setup-times.log'), ['apt-get', 'images', 'runtime-image']),
  };
  const record = {
    startedAt: startedAt.toISOString(),
    cores: cpus().length,
    loadAverage: loadavg().map((x) => round(x, 1)),
    seconds: Object.fromEntries(Object.entries(times).map(([k, v]) => [k.replace(/Ms$/, ''), round(v / 1000, 1)])),
    coldSetup: setup,
  };
  const s = record.seconds;
  return writeRecord(repo, 'realcluster', startedAt, record, [
    `# Real-pods tier, ${record.startedAt}`,
    '',
    `${record.cores} CPUs (load average ${record.loadAverage.join(' ')}); \`make bench-realcluster\`.`,
    '',
    `- cluster up (namespaces, certificates, control plane, 2 containerd + image import, 2 kubelets Ready, CoreDNS ready): ${s.clusterUp} s`,
    `- tests on the running cluster: ${s.tests} s; teardown: ${s.teardown} s; whole tier: ${s.total} s`,
    '',
    'Cold set-up, last logged run of each step (build-times.log, setup-times.log):',
    '',
    ...Object.values(setup).map((line) => `- \`${line}\``),
    '',
  ]);
}
