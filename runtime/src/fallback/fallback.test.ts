import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClientClosedError, InferenceError, InvalidInputError, QueueFullError, QueueTimeoutError, UnavailableError } from '../errors.ts';
import type { InferRequest, Tensor } from '../protocol/types.ts';
import { WorkerLostError } from '../workers/pool.ts';
import { Fallback, triggerOf, type FallbackTrigger } from './fallback.ts';
import { parseStaticResponse, staticAnswerer } from './static.ts';
import { IRIS } from '../../../test/runtime/support/test-model.ts';

const ALL = new Set<FallbackTrigger>(['queueFull', 'deadline', 'error']);
const y: Tensor = { name: 'y', datatype: 'FP32', shape: [1], data: new Float32Array([7]) };
const request: InferRequest = { id: undefined, inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 2], data: new Float32Array([1, 2]) }], outputs: [{ name: 'y', binary: false }] };

describe('which failures the fallback answers', () => {
  it('maps queue full, queue timeout and run failures to their triggers, and nothing else', () => {
    assert.equal(triggerOf(new QueueFullError('full'), ALL), 'queueFull');
    assert.equal(triggerOf(new QueueTimeoutError('late'), ALL), 'deadline');
    assert.equal(triggerOf(new InferenceError('boom'), ALL), 'error');
    assert.equal(triggerOf(new WorkerLostError('hung'), ALL), 'error');
    for (const other of [new UnavailableError('draining'), new InvalidInputError('bad'), new ClientClosedError('gone'), new Error('bug')]) assert.equal(triggerOf(other, ALL), undefined);
    assert.equal(triggerOf(new QueueFullError('full'), new Set(['error'])), undefined);
  });

  it('answers a covered failure from the fallback, counts it, and keeps the primary error when the fallback fails too', async () => {
    const events: string[] = [];
    const hooks = { answered: (t: FallbackTrigger) => events.push(`answered ${t}`), failed: (t: FallbackTrigger) => events.push(`failed ${t}`) };
    const good = new Fallback(ALL, { answer: async () => [y], close: async () => {} }, hooks, false);
    assert.deepEqual(await good.infer(request, async () => [y]), { outputs: [y], fallback: undefined });
    assert.deepEqual(await good.infer(request, async () => Promise.reject(new QueueFullError('full'))), { outputs: [y], fallback: 'queueFull' });
    const invalid = new InvalidInputError('bad');
    await assert.rejects(good.infer(request, async () => Promise.reject(invalid)), (e) => e === invalid);
    const primaryError = new InferenceError('primary failed');
    const broken = new Fallback(ALL, { answer: async () => Promise.reject(new Error('fallback failed')), close: async () => {} }, hooks, false);
    await assert.rejects(broken.infer(request, async () => Promise.reject(primaryError)), (e) => e === primaryError);
    assert.deepEqual(events, ['answered queueFull', 'failed error']);
  });

  it('gives a fallback model intact inputs after the primary run moved them away', async () => {
    let seen: Tensor['data'] | undefined;
    const fallback = new Fallback(ALL, { answer: async (r) => ((seen = r.inputs[0]?.data), [y]), close: async () => {} }, { answered() {}, failed() {} }, true);
    const moved: InferRequest = { ...request, inputs: [{ ...request.inputs[0]!, data: new Float32Array([3, 4]) }] };
    await fallback.infer(moved, async (r) => {
      // As postMessage with a transfer list does: the buffer is detached.
      const buffer = (r.inputs[0]!.data as Float32Array).buffer as ArrayBuffer;
      structuredClone(buffer, { transfer: [buffer] });
      throw new InferenceError('failed');
    });
    assert.deepEqual(seen, new Float32Array([3, 4]));
  });
});

describe('a static fallback response', () => {
  it('checks outputs against the model and repeats a one-row output for each row of a batchable request', async () => {
    const outputs = parseStaticResponse({ outputs: [{ name: 'label', datatype: 'INT64', shape: [1], data: [2] }, { name: 'probabilities', datatype: 'FP32', shape: [1, 3], data: [0, 0, 1] }] }, IRIS);
    const answer = staticAnswerer(outputs, IRIS);
    const three: InferRequest = { id: undefined, inputs: [{ name: 'input', datatype: 'FP32', shape: [3, 4], data: new Float32Array(12) }], outputs: [{ name: 'probabilities', binary: false }, { name: 'label', binary: false }] };
    const [probabilities, label] = await answer.answer(three);
    assert.deepEqual(probabilities?.shape, [3, 3]);
    assert.deepEqual(probabilities?.data, new Float32Array([0, 0, 1, 0, 0, 1, 0, 0, 1]));
    assert.deepEqual(label?.data, new BigInt64Array([2n, 2n, 2n]));
  });

  it('refuses what could never answer, naming the problem', () => {
    const refused: [unknown, RegExp][] = [
      [{}, /non-empty 'outputs' array/],
      [{ outputs: [{ name: 'nope', datatype: 'FP32', shape: [1], data: [0] }] }, /outputs\[0\]: model 'm' has no output 'nope'; it returns 'label', 'probabilities'/],
      [{ outputs: [{ name: 'label', datatype: 'FP32', shape: [1], data: [0] }] }, /outputs\[0\]: datatype must be INT64/],
      [{ outputs: [{ name: 'label', datatype: 'INT64', shape: [2], data: [0] }] }, /outputs\[0\]: input 'label': data has 1 elements, shape \[2\] needs 2/],
      [{ outputs: [{ name: 'probabilities', datatype: 'FP32', shape: [1, 3], data: [0, 1e39, 0] }] }, /overflows FP32/],
    ];
    for (const [value, message] of refused) assert.throws(() => parseStaticResponse(value, IRIS), message);
  });
});
