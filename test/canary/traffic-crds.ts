// The traffic-layer CRDs the canary tests install, taken from the upstream
// Go modules (pinned below) through the Go module proxy into a cache outside
// the checkout: the Gateway API's standard channel (GatewayClass, Gateway,
// HTTPRoute, GRPCRoute, ReferenceGrant) and Istio's VirtualService, split out of
// istio.io/api's customresourcedefinitions.gen.yaml.
// Run directly (`node test/canary/traffic-crds.ts`) to fetch and print the paths.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump, loadAll } from 'js-yaml';

export const GATEWAY_API_VERSION = 'v1.7.0';
export const ISTIO_API_VERSION = 'v1.31.1';

const GATEWAY_CRDS = ['gatewayclasses', 'gateways', 'httproutes', 'grpcroutes', 'referencegrants'].map((p) => `gateway.networking.k8s.io_${p}.yaml`);

export const cacheRoot = () => join(process.env['XDG_CACHE_HOME'] || join(homedir(), '.cache'), 'modelship', 'traffic-crds');

interface Download { Dir?: string; Zip?: string; Error?: string }

/**
 * `go mod download -json`. A module whose go directive is newer than the local
 * toolchain (gateway-api v1.7.0 wants go 1.27) is still fetched and verified
 * into the download cache, only not extracted: then its zip is read instead.
 */
function download(module: string, version: string): Download {
  let out: string;
  try {
    out = execFileSync('go', ['mod', 'download', '-json', `${module}@${version}`], { encoding: 'utf8', env: { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '-mod=mod' }, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    out = String((err as { stdout?: string }).stdout ?? '');
    if (out === '') throw err;
  }
  return JSON.parse(out) as Download;
}

/** One file of a Go module at a version, fetched through the module proxy. */
export function moduleFile(module: string, version: string, path: string, scratch: string): string {
  const d = download(module, version);
  if (d.Dir !== undefined && existsSync(join(d.Dir, path))) return readFileSync(join(d.Dir, path), 'utf8');
  if (d.Zip === undefined || !existsSync(d.Zip)) throw new Error(`go mod download ${module}@${version} failed: ${d.Error ?? 'no zip'}`);
  const entry = `${module}@${version}/${path}`;
  execFileSync('unzip', ['-q', '-o', d.Zip, entry, '-d', scratch]);
  return readFileSync(join(scratch, entry), 'utf8');
}

/** Fetches once into the cache; returns the CRD files to install. */
export function trafficCrdPaths(): string[] {
  const dir = join(cacheRoot(), `gateway-api-${GATEWAY_API_VERSION}_istio-api-${ISTIO_API_VERSION}`);
  const files = [...GATEWAY_CRDS, 'networking.istio.io_virtualservices.yaml'].map((f) => join(dir, f));
  if (files.every((f) => existsSync(f))) return files;
  const scratch = mkdtempSync(join(tmpdir(), 'modelship-crds-'));
  try {
    const staging = join(scratch, 'out');
    mkdirSync(staging);
    for (const f of GATEWAY_CRDS) {
      writeFileSync(join(staging, f), moduleFile('sigs.k8s.io/gateway-api', GATEWAY_API_VERSION, `config/crd/standard/${f}`, scratch));
    }
    const istio = loadAll(moduleFile('istio.io/api', ISTIO_API_VERSION, 'kubernetes/customresourcedefinitions.gen.yaml', scratch));
    const vs = istio.find((d) => (d as { metadata?: { name?: string } } | null)?.metadata?.name === 'virtualservices.networking.istio.io');
    if (vs === undefined) throw new Error(`istio.io/api@${ISTIO_API_VERSION} has no VirtualService CRD`);
    writeFileSync(join(staging, 'networking.istio.io_virtualservices.yaml'), dump(vs, { lineWidth: -1 }));
    mkdirSync(cacheRoot(), { recursive: true });
    rmSync(dir, { recursive: true, force: true });
    // Rename: a concurrent or interrupted fetch never leaves a half-written set.
    renameSync(staging, dir);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return files;
}

if (import.meta.main) process.stdout.write(`${trafficCrdPaths().join('\n')}\n`);
