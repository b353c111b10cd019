// The HTTP sink on its own thread: events POSTed from the sink thread as
// binary-mode CloudEvents, failures mapped back to the events they were, and
// close() failing what is still out rather than leaving it hanging.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { REQUEST_TYPE, type PayloadEvent } from './events.ts';
import { createThreadedHttpSink } from './sink-thread.ts';

const identity = { inferenceService: 'iris', namespace: 'ml', component: 'predictor', revision: 'iris-predictor-r1' };
const event = (id: string): PayloadEvent => ({ id, type: REQUEST_TYPE, time: '2026-11-29T00:00:00.000Z', identity, traceparent: undefined, metadata: undefined, body: `{"id":"${id}"}` });

async function sinkServer(answer: (req: IncomingMessage, body: string) => number | 'hang') {
  const received: Array<{ headers: IncomingMessage['headers']; body: string }> = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      const status = answer(req, body);
      if (status !== 'hang') res.writeHead(status).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, received, close: () => { server.closeAllConnections(); server.close(); } };
}

test('events are POSTed from the sink thread and failures name the events that failed', async () => {
  const sink = await sinkServer((req) => (req.headers['ce-id'] === 'bad' ? 500 : 202));
  const threaded = createThreadedHttpSink({ url: sink.url });
  try {
    const events = [event('a'), event('bad'), event('c')];
    const result = await threaded.write(events);
    assert.equal(result.failed.length, 1);
    assert.equal(result.failed[0], events[1], 'the very event object that failed comes back');
    assert.match(result.error ?? '', /500/);
    const byId = new Map(sink.received.map((r) => [r.headers['ce-id'], r]));
    assert.deepEqual([...byId.keys()].sort(), ['a', 'bad', 'c']);
    assert.equal(byId.get('a')?.headers['ce-type'], REQUEST_TYPE);
    assert.equal(byId.get('a')?.headers['ce-endpoint'], 'iris-predictor-r1');
    assert.equal(byId.get('a')?.body, '{"id":"a"}');
    assert.deepEqual((await threaded.write([event('d')])).failed, [], 'the same thread serves the next batch');
  } finally {
    await threaded.close?.();
    sink.close();
  }
});

test('close() fails a batch still out instead of leaving it pending', async () => {
  const sink = await sinkServer(() => 'hang');
  const threaded = createThreadedHttpSink({ url: sink.url, timeoutMs: 60_000 });
  try {
    const events = [event('slow')];
    const pending = threaded.write(events);
    while (sink.received.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    await threaded.close?.();
    const result = await pending;
    assert.deepEqual(result.failed, events);
    assert.match(result.error ?? '', /stopped/);
  } finally {
    sink.close();
  }
});
