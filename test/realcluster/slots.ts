// Which cluster owns which slot. A slot is claimed by creating its first network namespace
// (`ip netns add` fails when the name exists); the owner's pid and work root are recorded
// outside any work dir, so a run that crashed (SIGKILL: no teardown) is found by the next run
// and swept with the same teardown, wherever its work dir was.
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clusterLayout, PREFIX, SLOTS, type ClusterLayout } from './layout.ts';
import { claimNetns } from './network.ts';
import { teardown } from './teardown.ts';

const OWNERS = '/run/modelship-realcluster';
const ownerFile = (slot: number) => join(OWNERS, `${PREFIX}${slot}.json`);

interface Owner {
  pid: number;
  workRoot: string;
}

function readOwner(slot: number): Owner | undefined {
  try {
    return JSON.parse(readFileSync(ownerFile(slot), 'utf8')) as Owner;
  } catch {
    return undefined;
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * The layout of a slot left by a dead owner, or undefined when the slot is free or live. A
 * claimed slot without an owner record is stale after a minute (a crash between the two steps).
 */
function staleLayout(slot: number, workRoot: string): ClusterLayout | undefined {
  const l = clusterLayout(slot, workRoot);
  let claimedAt: number;
  try {
    claimedAt = statSync(`/run/netns/${l.nodes[0].netns}`).mtimeMs;
  } catch {
    return undefined;
  }
  const owner = readOwner(slot);
  if (owner) return alive(owner.pid) ? undefined : clusterLayout(slot, owner.workRoot);
  return Date.now() - claimedAt > 60_000 ? l : undefined;
}

/** Tears down every slot whose owner died; resolves what could not be removed. */
export async function sweepStale(workRoot = tmpdir()): Promise<string[]> {
  const problems: string[] = [];
  for (let slot = 0; slot < SLOTS; slot++) {
    const l = staleLayout(slot, workRoot);
    if (!l) continue;
    problems.push(...(await teardown(l)));
    releaseSlot(l);
  }
  return problems;
}

/** Claims the first free slot after sweeping stale ones. */
export async function claimSlot(workRoot: string): Promise<ClusterLayout> {
  await sweepStale(workRoot);
  for (let slot = 0; slot < SLOTS; slot++) {
    const l = clusterLayout(slot, workRoot);
    if (!(await claimNetns(l))) continue;
    mkdirSync(OWNERS, { recursive: true });
    writeFileSync(ownerFile(slot), JSON.stringify({ pid: process.pid, workRoot } satisfies Owner));
    mkdirSync(l.workDir, { recursive: true });
    return l;
  }
  throw new Error(`all ${SLOTS} real-cluster slots (${PREFIX}0..${SLOTS - 1}) are in use`);
}

/** Forgets the owner record (after teardown). */
export function releaseSlot(l: ClusterLayout): void {
  rmSync(ownerFile(l.slot), { force: true });
}
