// Header pinning in Service mode: two real runtimes on loopback, `main` and
// `b`. A request reaching main with x-modelship-variant: b is forwarded to b
// and answered by it; every answer names its variant; a forwarded request is
// never forwarded again; an unknown variant is served where it landed.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { doubleModel, tempDir } from './support/models.ts';
import { postJson, startTestServer, type TestServer } from './support/server.ts';

const body = { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] }] };

describe('forwarding a pinned request to its variant (--variant-routes)', () => {
  let main: TestServer;
  let b: TestServer;
  before(async () => {
    const model = doubleModel(tempDir());
    b = await startTestServer(model, ['--variant', 'b', '--variant-header', 'X-Experiment']);
    // b's own routes point back at main: a forwarded request must not bounce.
    main = await startTestServer(model, ['--variant', 'main', '--variant-header', 'x-experiment', '--variant-routes', `b=${b.url},gone=http://127.0.0.1:9`]);
  });
  after(async () => {
    await main?.close();
    await b?.close();
  });

  it('forwards to the named variant; the answer says who answered', async () => {
    for (let i = 0; i < 20; i++) {
      const r = await postJson(`${main.url}/v2/models/m/infer`, body, { 'x-experiment': 'b' });
      assert.equal(r.status, 200);
      assert.equal(r.headers.get('x-experiment'), 'b');
      assert.deepEqual(r.body.outputs[0].data, [2, 4, 6, 8]);
    }
    const own = await postJson(`${main.url}/v2/models/m/infer`, body, { 'x-experiment': 'main' });
    assert.equal(own.headers.get('x-experiment'), 'main');
    const none = await postJson(`${main.url}/v2/models/m/infer`, body);
    assert.equal(none.headers.get('x-experiment'), 'main');
    const unknown = await postJson(`${main.url}/v2/models/m/infer`, body, { 'x-experiment': 'zzz' });
    assert.deepEqual([unknown.status, unknown.headers.get('x-experiment')], [200, 'main'], 'an unknown variant is served where it landed');
    const v1 = await postJson(`${main.url}/v1/models/m:predict`, { instances: [[1, 1, 1, 1]] }, { 'x-experiment': 'b' });
    assert.deepEqual([v1.status, v1.headers.get('x-experiment')], [200, 'b'], 'every REST route is forwarded');
  });

  it('never forwards a forwarded request again; an unreachable variant is a 502 naming it', async () => {
    const again = await postJson(`${main.url}/v2/models/m/infer`, body, { 'x-experiment': 'b', 'x-modelship-forwarded': 'elsewhere' });
    assert.equal(again.headers.get('x-experiment'), 'main');
    const gone = await postJson(`${main.url}/v2/models/m/infer`, body, { 'x-experiment': 'gone' });
    assert.equal(gone.status, 502);
    assert.match(gone.body.error, /variant gone could not be reached/);
  });
});
