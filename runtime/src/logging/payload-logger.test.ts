import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../../common/src/logger.ts';
import type { LoggerConfig } from '../config.ts';
import type { ObjectStore } from './blob-sink.ts';
import { createPayloadLogger } from './payload-logger.ts';

const identity = { inferenceService: 'iris', namespace: 'ml', component: 'predictor', revision: 'r1' };
const config = (over: Partial<LoggerConfig> = {}): LoggerConfig => ({
  url: undefined, storageUri: 's3://b/p', mode: 'all', metadataHeaders: [], sampleRate: 1, queueSize: 100_000,
  flushIntervalMs: 3_600_000, flushBytes: 1 << 30, s3Endpoint: undefined, s3Region: 'us-east-1', ...over,
});

function withStore(over: Partial<LoggerConfig>) {
  const puts: string[] = [];
  const store: ObjectStore = { put: async (key, body) => void puts.push(body.toString()) };
  const logger = createPayloadLogger(config(over), identity, { logger: createLogger({ component: 't', silent: true }), count: () => undefined, store });
  const lines = async () => {
    await logger.close(performance.now() + 2000);
    return puts.join('').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
  };
  return { logger, lines };
}

test('sampleRate 0.1 logs 10% +- 2 points of 10,000 requests (Math.random)', () => {
  const { logger } = withStore({ sampleRate: 0.1 });
  let sampled = 0;
  for (let i = 0; i < 10_000; i++) if (logger.begin({}) !== undefined) sampled++;
  assert.ok(sampled >= 800 && sampled <= 1200, `${sampled} sampled`);
});

test('mode picks the events; metadata copies only the named headers that were sent', async () => {
  for (const [mode, types] of [['all', ['request', 'response']], ['request', ['request']], ['response', ['response']]] as const) {
    const { logger, lines } = withStore({ mode, metadataHeaders: ['x-user', 'x-absent'] });
    const context = logger.begin({ 'x-user': 'ada', 'x-other': 'no' })!;
    context.id = 'req-9';
    logger.request(context, () => '{"inputs":[]}');
    logger.response(context, () => '{"outputs":[]}');
    const got = await lines();
    assert.deepEqual(got.map((l) => l.type.split('.').pop()), types, mode);
    for (const l of got) {
      assert.equal(l.id, 'req-9');
      assert.deepEqual(l.metadata, { 'x-user': 'ada' });
    }
  }
});

test('an encoder that throws loses that event only, never the caller', async () => {
  const { logger, lines } = withStore({});
  const context = logger.begin({})!;
  logger.request(context, () => {
    throw new Error('boom');
  });
  logger.response(context, () => '{"outputs":[]}');
  assert.equal((await lines()).length, 1);
});
