import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import winston from 'winston';
import { createLogger } from './logger.ts';

test('logger writes one JSON object per line with component and timestamp', () => {
  const lines: string[] = [];
  const logger = createLogger({ component: 'unit', level: 'debug' });
  logger.clear();
  logger.add(new winston.transports.Stream({ stream: new Writable({ write(chunk, _enc, cb) { lines.push(String(chunk)); cb(); } }) }));
  logger.info('model loaded', { model: 'iris', seconds: 0.25 });
  assert.equal(lines.length, 1);
  const entry = JSON.parse(lines[0]!) as Record<string, unknown>;
  assert.equal(entry.message, 'model loaded');
  assert.equal(entry.component, 'unit');
  assert.equal(entry.model, 'iris');
  assert.equal(entry.level, 'info');
  assert.match(String(entry.timestamp), /^\d{4}-\d\d-\d\dT/);
});
