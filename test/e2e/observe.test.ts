// Payload logging and tracing on the local cluster where pods really run: an
// InferenceService with spec.predictor.logger (a CloudEvents receiver built on
// the official Python SDK) and spec.predictor.tracing (an OpenTelemetry
// Collector built from upstream), traffic through its Service. Events and
// spans carry the revision that answered and the request ids; during a 50%
// canary each event names the revision whose model produced the answer.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { InferenceService, PredictorSpec } from '../../operator/src/api/types.ts';
import { attribute, irisInputs } from './iris-references.ts';
import { startLocalCluster, type LocalCluster } from '../localcluster/local-cluster.ts';
import { http, until } from '../localcluster/http.ts';
import { startCollector, startReceiver, type Collector, type Receiver } from '../observe/support.ts';

const NS = 'default';
const NAME = 'iris-observed';

let local: LocalCluster;
let receiver: Receiver;
let collector: Collector;
before(async () => {
  receiver = await startReceiver();
  collector = await startCollector();
  local = await startLocalCluster({ operatorArgs: ['--traffic-mode', 'service'], log: process.env['E2E_LOG'] ? (l) => console.error(l) : undefined });
  await local.addModelStore(NS);
});
after(async () => {
  if (process.env['E2E_KEEP_LOGS']) console.error(`operator log: ${local?.operator?.tail(80)}`);
  await local?.stop();
  await collector?.stop();
  await receiver?.stop();
});

async function apply(predictor: PredictorSpec): Promise<void> {
  const file = join(local.cluster.dataDir, `${NAME}.json`);
  writeFileSync(file, JSON.stringify({ apiVersion: 'serving.modelship.io/v1alpha1', kind: 'InferenceService', metadata: { name: NAME, namespace: NS }, spec: { predictor } }));
  await local.kubectl(['apply', '-f', file]);
}
const getIsvc = async () => JSON.parse(await local.kubectl(['get', 'inferenceservice', '-n', NS, NAME, '-o', 'json'])) as InferenceService;
const model = (name: string) => ({ modelFormat: { name: 'onnx' as const }, storageUri: `pvc://model-store/${name}/${name}.onnx` });
const observed = () => ({ logger: { url: `${receiver.url}/events`, mode: 'all' as const, metadataHeaders: ['x-user'] }, tracing: { endpoint: collector.endpoint, samplingRatio: 1 } });
const eventsOf = (id: string) => receiver.events().filter((e) => e.attributes.id === id);

test('events and spans carry the revision that answered and the request ids, during a canary too', { timeout: 480_000 }, async () => {
  await apply({ model: model('iris'), ...observed() });
  const first = await until('v1 Ready and rolled out', 150_000, async () => {
    const isvc = await getIsvc();
    const ready = isvc.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
    return ready ? isvc.status?.components?.predictor?.latestRolledoutRevision : undefined;
  }, 500);
  const url = await until('the Service on the proxy', 30_000, async () => local.proxy.url(NS, NAME));
  const infer = `${url}/v2/models/${NAME}/infer`;

  for (let i = 0; i < 10; i++) {
    const reply = await http(infer, { raw: Buffer.from(JSON.stringify({ id: `one-${i}`, inputs: irisInputs })), headers: { 'content-type': 'application/json', 'x-user': `user-${i}` } }, 10_000);
    assert.equal(reply.status, 200, reply.body);
  }
  await until('20 events', 30_000, async () => (Array.from({ length: 10 }, (_, i) => eventsOf(`one-${i}`).length).every((n) => n === 2) ? true : undefined), 100);
  for (let i = 0; i < 10; i++) {
    for (const e of eventsOf(`one-${i}`)) {
      assert.equal(e.attributes.endpoint, first);
      assert.equal(e.attributes.inferenceservicename, NAME);
      assert.equal(e.attributes.namespace, NS);
      assert.equal(e.attributes.component, 'predictor');
      assert.deepEqual(JSON.parse(String(e.attributes.metadata)), { 'x-user': `user-${i}` });
      assert.match(String(e.attributes.traceparent), /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    }
  }
  // The span named by an event's traceparent is the request span of that revision's runtime.
  const [, traceId, spanId] = String(eventsOf('one-0')[0]!.attributes.traceparent).split('-');
  const span = await until('the request span in the collector', 30_000, async () => collector.spans().find((s) => s.spanId === spanId), 200);
  assert.equal(span.name, 'infer');
  assert.equal(span.traceId, traceId);
  assert.equal(span.resource['modelship.revision'], first);
  assert.equal(span.resource['modelship.inference_service'], NAME);
  assert.ok(collector.spans().some((s) => s.traceId === traceId && s.name === 'compute'), 'the compute span of the same trace');

  // A 50% canary: each answer is attributed to a model by its output; its events must name that revision.
  await apply({ model: model('iris-v2'), canaryTrafficPercent: 50, ...observed() });
  const split = await until('two revisions with traffic', 150_000, async () => {
    const t = (await getIsvc()).status?.components?.predictor?.traffic ?? [];
    const canary = t.find((x) => x.latestRevision === true && x.revisionName !== first && (x.percent ?? 0) > 0);
    return t.length === 2 && canary ? (canary.revisionName as string) : undefined;
  }, 500);
  await until('the canary answering through the Service', 60_000, async () => {
    const reply = await http(infer, { inputs: irisInputs });
    return reply.status === 200 && attribute(reply.body) === 'v2' ? true : undefined;
  }, 50);
  const answeredBy = new Map<string, 'v1' | 'v2'>();
  for (let i = 0; i < 60; i++) {
    const reply = await http(infer, { id: `canary-${i}`, inputs: irisInputs }, 10_000);
    assert.equal(reply.status, 200, reply.body);
    const who = attribute(reply.body);
    assert.ok(who, 'the answer came from v1 or v2');
    answeredBy.set(`canary-${i}`, who);
  }
  assert.ok(new Set(answeredBy.values()).size === 2, `both revisions answered: ${[...answeredBy.values()].join(',')}`);
  await until('the canary events', 60_000, async () => ([...answeredBy.keys()].every((id) => eventsOf(id).length === 2) ? true : undefined), 200);
  for (const [id, who] of answeredBy) {
    for (const e of eventsOf(id)) assert.equal(e.attributes.endpoint, who === 'v1' ? first : split, `${id} answered by ${who}`);
  }
  console.log(`canary: ${[...answeredBy.values()].filter((w) => w === 'v2').length} of ${answeredBy.size} answers from ${split}; every event named the revision that answered`);
});
