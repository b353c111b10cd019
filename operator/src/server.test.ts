import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { createOperatorServer } from './server.ts';
import { createMetrics } from './metrics.ts';

test('probes and metrics', async () => {
  const metrics = createMetrics();
  let ready = false;
  metrics.observeRequest('patch', 'deployments', 200, 0.01);
  const server = createOperatorServer({ registry: metrics.registry, healthy: () => ({ ok: true }), ready: () => ({ ok: ready, reason: 'informers syncing' }) });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    const notReady = await fetch(`${base}/readyz`);
    assert.equal(notReady.status, 503);
    assert.match(await notReady.text(), /informers syncing/);
    ready = true;
    assert.equal((await fetch(`${base}/readyz`)).status, 200);
    const text = await (await fetch(`${base}/metrics`)).text();
    assert.match(text, /modelship_operator_api_requests_total\{verb="patch",resource="deployments",code="200"\} 1/);
    assert.match(text, /modelship_operator_reconcile_duration_seconds_bucket/);
    assert.equal((await fetch(`${base}/nope`)).status, 404);
  } finally {
    server.close();
  }
});
