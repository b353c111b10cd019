// Execution-provider selection. The operator asks for `cuda,cpu` on GPU nodes
// and `cpu` elsewhere; when CUDA cannot be initialised (no GPU, no CUDA
// libraries in the image) the runtime falls back to CPU with a warning rather
// than crash-looping, and reports the provider it actually runs on.

export type ExecutionProvider = 'cuda' | 'cpu';
export const EXECUTION_PROVIDERS: readonly ExecutionProvider[] = ['cuda', 'cpu'];

/** The provider lists to try, in order: the requested one, then CPU alone when it included a GPU. */
export function providerAttempts(requested: readonly ExecutionProvider[]): ExecutionProvider[][] {
  const attempts: ExecutionProvider[][] = [requested.slice()];
  if (requested.some((p) => p !== 'cpu')) attempts.push(['cpu']);
  return attempts;
}

export interface SessionAttempt<S> {
  readonly session: S;
  /** The provider the session runs on: the first of the list that succeeded. */
  readonly provider: ExecutionProvider;
  /** Why an earlier attempt failed, for the fallback warning. */
  readonly fallbackReason: string | undefined;
}

/** Creates a session with the first provider list that works; rethrows when even CPU fails. */
export async function createWithFallback<S>(requested: readonly ExecutionProvider[], create: (providers: ExecutionProvider[]) => Promise<S>): Promise<SessionAttempt<S>> {
  let fallbackReason: string | undefined;
  const attempts = providerAttempts(requested);
  for (const [i, providers] of attempts.entries()) {
    try {
      return { session: await create(providers), provider: providers[0] ?? 'cpu', fallbackReason };
    } catch (error) {
      if (i === attempts.length - 1) throw error;
      fallbackReason = `execution providers [${providers.join(',')}] failed: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  throw new Error('unreachable: no execution provider attempts');
}
