import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createWithFallback, providerAttempts } from './providers.ts';

describe('execution providers', () => {
  it('tries CUDA then CPU alone when a GPU is asked for', () => {
    assert.deepEqual(providerAttempts(['cuda', 'cpu']), [['cuda', 'cpu'], ['cpu']]);
    assert.deepEqual(providerAttempts(['cpu']), [['cpu']]);
  });

  it('falls back to CPU with the reason when CUDA fails', async () => {
    const tried: string[] = [];
    const result = await createWithFallback(['cuda', 'cpu'], async (providers) => {
      tried.push(providers.join(','));
      if (providers.includes('cuda')) throw new Error('libcudart.so.12: cannot open shared object file');
      return 'session';
    });
    assert.deepEqual(tried, ['cuda,cpu', 'cpu']);
    assert.equal(result.provider, 'cpu');
    assert.match(result.fallbackReason ?? '', /\[cuda,cpu\] failed: libcudart/);
  });

  it('reports CUDA when it works, and rethrows when even CPU fails', async () => {
    assert.equal((await createWithFallback(['cuda', 'cpu'], async () => 's')).provider, 'cuda');
    await assert.rejects(
      createWithFallback(['cpu'], async () => {
        throw new Error('bad model');
      }),
      /bad model/,
    );
  });
});
