// `make cluster-up` / `make cluster-down`: a long-running test cluster for a person to poke
// at with kubectl. `up` starts a detached `serve` process and waits until it is ready;
// `serve` runs the cluster (with a CPU node, a GPU node and the repo's CRDs) until SIGTERM;
// `down` stops it. State lives in .cache/cluster/ of the checkout.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCluster } from './harness.ts';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const stateDir = join(root, '.cache', 'cluster');
const pidFile = join(stateDir, 'pid');
const readyFile = join(stateDir, 'ready');
const kubeconfigFile = join(stateDir, 'kubeconfig');
const logFile = join(stateDir, 'cluster.log');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function runningPid(): number | undefined {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8'));
  return Number.isInteger(pid) && pid > 0 && alive(pid) ? pid : undefined;
}

function printUsage(): void {
  console.log(`cluster is up. kubeconfig: ${kubeconfigFile}`);
  console.log(`  export KUBECONFIG=${kubeconfigFile}`);
  console.log(`  kubectl get nodes        # logs: ${logFile}; stop with make cluster-down`);
}

async function up(): Promise<void> {
  if (runningPid() !== undefined && existsSync(readyFile)) {
    printUsage();
    return;
  }
  mkdirSync(stateDir, { recursive: true });
  rmSync(readyFile, { force: true });
  const out = openSync(logFile, 'w');
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), 'serve'], {
    detached: true,
    stdio: ['ignore', out, out],
  });
  child.unref();
  writeFileSync(pidFile, String(child.pid));
  for (let i = 0; i < 600; i++) {
    if (existsSync(readyFile)) {
      printUsage();
      return;
    }
    if (!alive(child.pid!)) break;
    await sleep(200);
  }
  console.error(`cluster did not come up; last log lines:\n${readFileSync(logFile, 'utf8').split('\n').slice(-30).join('\n')}`);
  if (alive(child.pid!)) process.kill(child.pid!, 'SIGTERM');
  process.exitCode = 1;
}

async function serve(): Promise<void> {
  const crdDir = join(root, 'crds');
  const crdPaths = existsSync(crdDir)
    ? readdirSync(crdDir).filter((f) => /\.ya?ml$/.test(f)).map((f) => join(crdDir, f))
    : [];
  const cluster = await startCluster({ controllerManager: true, scheduler: true, crdPaths, log: (l) => console.log(l) });
  const shutdown = async () => {
    await cluster.stop();
    rmSync(readyFile, { force: true });
    rmSync(pidFile, { force: true });
    rmSync(kubeconfigFile, { force: true });
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown());
  process.on('SIGINT', () => void shutdown());
  await cluster.addNode({ name: 'cpu-node', labels: { 'modelship.io/pool': 'cpu' } });
  await cluster.addNode({
    name: 'gpu-node',
    labels: { 'modelship.io/pool': 'gpu' },
    capacity: { 'nvidia.com/gpu': '4' },
    taints: [{ key: 'nvidia.com/gpu', effect: 'NoSchedule' }],
  });
  copyFileSync(cluster.kubeconfigPath, kubeconfigFile);
  writeFileSync(readyFile, cluster.apiServerUrl);
  console.log(`ready at ${cluster.apiServerUrl}`);
  // Keeps the process alive: the harness unrefs its children and timers.
  setInterval(() => {}, 1 << 30);
}

async function down(): Promise<void> {
  const pid = runningPid();
  if (pid === undefined) {
    console.log('no cluster running');
    rmSync(stateDir, { recursive: true, force: true });
    return;
  }
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 75 && alive(pid); i++) await sleep(200);
  if (alive(pid)) process.kill(pid, 'SIGKILL');
  rmSync(stateDir, { recursive: true, force: true });
  console.log('cluster stopped');
}

const command = process.argv[2];
if (command === 'up') await up();
else if (command === 'serve') await serve();
else if (command === 'down') await down();
else {
  console.error('usage: cluster-cli.ts up|down');
  process.exitCode = 2;
}
