import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from '../../common/src/logger.ts';
import { createInferenceCore } from './core.ts';
import { InvalidInputError, UnavailableError } from './errors.ts';
import type { InferenceEngine } from './inference/engine.ts';
import { RuntimeMetrics } from './metrics.ts';
import { RuntimeState } from './state.ts';

function setup(version?: string) {
  const state = new RuntimeState();
  const metrics = new RuntimeMetrics('m', { processMetrics: false });
  const core = createInferenceCore({ modelName: 'm', modelVersion: version, accessLog: false, logger: createLogger({ component: 't', silent: true }), metrics, state });
  return { state, metrics, core };
}

describe('inference core', () => {
  it('resolves model references to 404 / 503 / the engine', () => {
    const { state, core } = setup('1');
    assert.throws(() => core.engineFor({ name: 'x' }), { status: 404, message: /unknown model 'x'/ });
    assert.throws(() => core.engineFor({ name: 'm', version: '2' }), { status: 404, message: /no version '2'; it serves version '1'/ });
    assert.throws(() => core.engineFor({ name: 'm' }), { status: 503, message: /still loading/ });
    const engine = {} as InferenceEngine;
    state.engine = engine;
    state.phase = 'ready';
    assert.equal(core.engineFor({ name: 'm' }), engine);
    assert.equal(core.engineFor({ name: 'm', version: '' }), engine, 'an empty version (gRPC default) means the served one');
    assert.equal(core.engineFor({ name: 'm', version: '1' }), engine);
    state.phase = 'draining';
    assert.throws(() => core.engineFor({ name: 'm' }), { status: 503, message: /shutting down/ });
  });

  it('describes known errors as they are and unknown ones as a generic 500', () => {
    const { core } = setup();
    assert.deepEqual(core.describe(new InvalidInputError('bad x')), { status: 400, message: 'bad x' });
    assert.deepEqual(core.describe(new UnavailableError('full', 2)), { status: 503, message: 'full', retryAfter: 2 });
    assert.deepEqual(core.describe(new TypeError('secret path /etc')), { status: 500, message: 'internal error' });
  });

  it('counts a call in flight until it answers, and records its status per protocol', async () => {
    const { state, metrics, core } = setup();
    state.engine = {} as InferenceEngine;
    state.phase = 'ready';
    let release!: () => void;
    const pending = core.call('grpc', { name: 'm' }, { method: 'ModelInfer', path: undefined }, () => new Promise<void>((r) => (release = r)), () => 0);
    assert.equal(state.inFlight, 1);
    release();
    await pending;
    assert.equal(state.inFlight, 0);
    let seen = 0;
    await core.call('grpc', { name: 'nope' }, { method: 'ModelInfer', path: undefined }, async () => {}, (outcome) => (seen = outcome.status));
    assert.equal(seen, 404);
    const text = await metrics.registry.metrics();
    assert.match(text, /modelship_requests_total\{model="m",protocol="grpc",code="200"\} 1/);
    assert.match(text, /modelship_requests_total\{model="m",protocol="grpc",code="404"\} 1/);
  });
});
