// Top self-time functions of V8 .cpuprofile files (written by node
// --cpu-prof, one per thread: the server's main thread and each worker), so
// a missed target comes with the evidence of where the time goes.
// CLI: node bench/runtime/profile-summary.ts <dir-with-cpuprofiles> [top]
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface HotFunction {
  fn: string;
  selfMs: number;
  percent: number;
}

function label(frame: ProfileNode['callFrame']): string {
  const name = frame.functionName || '(anonymous)';
  if (!frame.url) return name;
  const file = frame.url.replace(/^file:\/\//, '');
  const short = file.includes('node_modules/') ? file.slice(file.lastIndexOf('node_modules/') + 13) : path.basename(file);
  return `${name} ${short}:${frame.lineNumber + 1}`;
}

/** Self time per function (summed over its call sites), highest first. */
export function hotFunctions(profile: CpuProfile, top: number): { totalMs: number; functions: HotFunction[] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<string, number>();
  let totalUs = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    const node = byId.get(id);
    if (!node) return;
    totalUs += dt;
    const key = label(node.callFrame);
    selfUs.set(key, (selfUs.get(key) ?? 0) + dt);
  });
  const functions = [...selfUs.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([fn, us]) => ({ fn, selfMs: Math.round(us / 1000), percent: Math.round((1000 * us) / totalUs) / 10 }));
  return { totalMs: Math.round(totalUs / 1000), functions };
}

export function summarizeProfiles(dir: string, top: number): Record<string, ReturnType<typeof hotFunctions>> {
  const out: Record<string, ReturnType<typeof hotFunctions>> = {};
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort()) {
    out[file] = hotFunctions(JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as CpuProfile, top);
  }
  return out;
}

export function formatProfiles(summaries: Record<string, ReturnType<typeof hotFunctions>>): string {
  const lines: string[] = [];
  for (const [file, summary] of Object.entries(summaries)) {
    lines.push(`${file}: ${summary.totalMs} ms sampled`);
    for (const f of summary.functions) lines.push(`  ${String(f.percent).padStart(5)}%  ${String(f.selfMs).padStart(6)} ms  ${f.fn}`);
  }
  return lines.join('\n');
}

if (import.meta.main) {
  const [dir, top] = process.argv.slice(2);
  if (!dir) {
    console.error('usage: profile-summary.ts <dir> [top]');
    process.exit(2);
  }
  console.log(formatProfiles(summarizeProfiles(dir, Number(top ?? 20))));
}
