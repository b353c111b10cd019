// Which images the local node agent can run, and how. There is no container
// runtime here: an image is a name for a program in this checkout. Only the
// Modelship runtime image is known; a pod of any other image is reported as
// unsupported in its status rather than pretended to run.
import type { V1Container } from '@kubernetes/client-node';
import { DEFAULT_BUILD_CONFIG } from '../../operator/src/settings.ts';

export interface ProcessCommand {
  command: string;
  args: string[];
}

/** Turns a container (args already path-rewritten and $(VAR)-expanded) into a local process. */
export type ImageRunner = (container: V1Container, args: string[], podIP: string) => ProcessCommand;

export type ImageTable = ReadonlyMap<string, ImageRunner>;

/** `registry/repo:tag@sha256:...` -> `registry/repo`: every tag of a known repository runs the checkout's code. */
export function imageRepository(image: string): string {
  const noDigest = image.split('@')[0] ?? image;
  const lastSlash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  return colon > lastSlash ? noDigest.slice(0, colon) : noDigest;
}

/**
 * An image whose entrypoint is `node <script>`. In a pod a server binds
 * 0.0.0.0 inside the pod's own network namespace; here it binds the pod's
 * loopback address instead, so `--host` is replaced by the pod IP.
 */
export function nodeScriptRunner(script: string, nodePath: string = process.execPath): ImageRunner {
  return (_container, args, podIP) => {
    const out = [...args];
    const i = out.findIndex((a) => a === '--host' || a.startsWith('--host='));
    if (i >= 0 && out[i] === '--host') out[i + 1] = podIP;
    else if (i >= 0) out[i] = `--host=${podIP}`;
    else if (out[0] === 'serve') out.push('--host', podIP);
    return { command: nodePath, args: [script, ...out] };
  };
}

/** The runtime image's entrypoint is `node runtime/src/main.ts`. */
export const runtimeRunner = (repoRoot: string, nodePath?: string): ImageRunner => nodeScriptRunner(`${repoRoot}/runtime/src/main.ts`, nodePath);

/** The images the operator puts in its Deployments (read from its build config) -> the checkout's runtime. */
export function defaultImageTable(repoRoot: string): ImageTable {
  return new Map([[imageRepository(DEFAULT_BUILD_CONFIG.runtimeImage), runtimeRunner(repoRoot)]]);
}

export type Resolved = { ok: true; runner: ImageRunner } | { ok: false; reason: string; message: string };

export function resolveImage(table: ImageTable, container: V1Container): Resolved {
  const image = container.image ?? '';
  const runner = table.get(imageRepository(image));
  if (runner === undefined) {
    return {
      ok: false,
      reason: 'UnsupportedImage',
      message: `the modelship local node agent runs only ${[...table.keys()].join(', ')} as local processes; ${image || '(no image)'} cannot run here`,
    };
  }
  if (container.command !== undefined && container.command.length > 0) {
    return { ok: false, reason: 'UnsupportedCommand', message: `container ${container.name} overrides the image entrypoint, which the local node agent cannot map` };
  }
  return { ok: true, runner };
}
