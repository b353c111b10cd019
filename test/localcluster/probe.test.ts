import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ProbeTracker, probePort, runProbe } from './probe.ts';

test('thresholds: readiness needs successThreshold, loses it after failureThreshold', () => {
  const t = new ProbeTracker({ successThreshold: 2, failureThreshold: 3 }, false);
  assert.equal(t.record({ ok: true, message: '' }), false);
  assert.equal(t.record({ ok: true, message: '' }), true);
  assert.equal(t.healthy, true);
  assert.equal(t.record({ ok: false, message: 'a' }), false);
  assert.equal(t.record({ ok: false, message: 'b' }), false);
  assert.equal(t.record({ ok: true, message: '' }), false);
  for (let i = 0; i < 2; i++) t.record({ ok: false, message: 'c' });
  assert.equal(t.record({ ok: false, message: 'd' }), true);
  assert.equal(t.healthy, false);
  assert.equal(t.lastMessage, 'd');
  assert.equal(t.consecutiveFailures, 3);
});

test('named and numeric probe ports', () => {
  const c = { name: 'c', ports: [{ name: 'http', containerPort: 8080 }] };
  assert.equal(probePort('http', c), 8080);
  assert.equal(probePort(9000, c), 9000);
  assert.equal(probePort('9001', c), 9001);
  assert.equal(probePort('nope', c), undefined);
});

test('httpGet probes hit the pod IP; 2xx/3xx pass, others and refused connections fail', async () => {
  let code = 200;
  const server = createServer((req, res) => { res.statusCode = req.url === '/ready' ? code : 404; res.end(); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const c = { name: 'c', ports: [{ name: 'http', containerPort: port }] };
  try {
    assert.equal((await runProbe({ httpGet: { path: '/ready', port: 'http' } }, c, '127.0.0.1')).ok, true);
    code = 503;
    const failed = await runProbe({ httpGet: { path: '/ready', port: 'http' } }, c, '127.0.0.1');
    assert.deepEqual(failed, { ok: false, message: 'HTTP probe failed with statuscode: 503' });
    assert.equal((await runProbe({ tcpSocket: { port } }, c, '127.0.0.1')).ok, true);
  } finally {
    server.close();
  }
  assert.equal((await runProbe({ httpGet: { path: '/ready', port } }, c, '127.0.0.1')).ok, false);
  assert.equal((await runProbe({ exec: { command: ['true'] } }, c, '127.0.0.1')).ok, false);
});
