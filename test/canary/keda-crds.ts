// KEDA's ScaledObject CRD for the autoscaler-class test, taken from the
// upstream Go module (pinned below) with the traffic CRDs' module fetcher,
// into the same cache outside the checkout.
// Run directly (`node test/canary/keda-crds.ts`) to fetch and print the path.
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheRoot, moduleFile } from './traffic-crds.ts';

export const KEDA_VERSION = 'v2.21.0';

/** Fetches once into the cache; returns the CRD file to install. */
export function kedaCrdPaths(): string[] {
  const file = join(cacheRoot(), `keda-${KEDA_VERSION}`, 'keda.sh_scaledobjects.yaml');
  if (existsSync(file)) return [file];
  const scratch = mkdtempSync(join(tmpdir(), 'modelship-crds-'));
  try {
    const staged = join(scratch, 'keda.sh_scaledobjects.yaml');
    writeFileSync(staged, moduleFile('github.com/kedacore/keda/v2', KEDA_VERSION, 'config/crd/bases/keda.sh_scaledobjects.yaml', scratch));
    mkdirSync(join(cacheRoot(), `keda-${KEDA_VERSION}`), { recursive: true });
    // Rename: a concurrent or interrupted fetch never leaves a half-written file.
    renameSync(staged, file);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return [file];
}

if (import.meta.main) process.stdout.write(`${kedaCrdPaths().join('\n')}\n`);
