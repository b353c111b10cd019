// Tracing end to end: the runtime (a child process) exports OTLP/HTTP to an
// OpenTelemetry Collector built from its upstream Go modules
// (test/cluster/tools/otelcol), whose file exporter output is parsed here.
// Asserts the span tree infer -> queue -> batch -> compute (and encode), the
// attributes, W3C traceparent propagation, parent-based sampling, batch links,
// and that trace ids reach the access log line and the logged CloudEvent.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startChildServer, postJson, type ChildServer } from '../runtime/support/server.ts';
import { eventually, startCollector, startReceiver, stopProcess, type CollectedSpan, type Collector, type Receiver } from './support.ts';

const IRIS = 'examples/models/iris.onnx';
const INFER = '/v2/models/iris/infer';
const body = (id: string) => ({ id, inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: [5.1, 3.5, 1.4, 0.2] }] });
const PARENT_TRACE = '0af7651916cd43dd8448eb211c80319c';
const PARENT_SPAN = 'b7ad6b7169203331';

let collector: Collector;
let receiver: Receiver;
const servers: ChildServer[] = [];

async function runtime(flags: string[]): Promise<ChildServer> {
  const s = await startChildServer(IRIS, ['--inference-service', 'iris', '--namespace', 'ml', '--revision', 'iris-predictor-r2', '--tracing-endpoint', collector.endpoint, ...flags], 'iris');
  servers.push(s);
  return s;
}

const inTrace = (traceId: string) => collector.spans().filter((s) => s.traceId === traceId);
const one = (spans: CollectedSpan[], name: string) => {
  const found = spans.filter((s) => s.name === name);
  assert.equal(found.length, 1, `one ${name} span in ${spans.map((s) => s.name).join(',')}`);
  return found[0]!;
};

before(async () => {
  collector = await startCollector();
  receiver = await startReceiver();
});

after(async () => {
  for (const s of servers) await stopProcess(s.child);
  await receiver?.stop();
  await collector?.stop();
});

describe('spans in a real collector', () => {
  let server: ChildServer;
  before(async () => {
    server = await runtime(['--access-log', 'true', '--logger-url', receiver.url, '--workers', '1', '--max-queue-delay-ms', '20', '--max-batch-size', '64']);
  });

  it('a request under a caller\'s traceparent gives the tree infer -> queue -> batch -> compute, and encode', async () => {
    const res = await postJson(`${server.url}${INFER}`, body('t-1'), { traceparent: `00-${PARENT_TRACE}-${PARENT_SPAN}-01`, tracestate: 'vendor=a' });
    assert.equal(res.status, 200);
    const spans = await eventually('5 spans of the trace', () => (inTrace(PARENT_TRACE).length >= 5 ? inTrace(PARENT_TRACE) : undefined));
    const infer = one(spans, 'infer');
    const queue = one(spans, 'queue');
    const batch = one(spans, 'batch');
    const compute = one(spans, 'compute');
    const encode = one(spans, 'encode');
    assert.equal(infer.parentSpanId, PARENT_SPAN, 'the caller\'s span is the parent');
    assert.equal(infer.kind, 2, 'SPAN_KIND_SERVER');
    assert.equal(queue.parentSpanId, infer.spanId);
    assert.equal(batch.parentSpanId, queue.spanId);
    assert.equal(compute.parentSpanId, batch.spanId);
    assert.equal(encode.parentSpanId, infer.spanId);
    assert.deepEqual(batch.links, [{ traceId: PARENT_TRACE, spanId: infer.spanId }]);
    assert.equal(infer.attributes['modelship.protocol'], 'v2');
    assert.equal(infer.attributes['http.request.method'], 'POST');
    assert.equal(infer.attributes['url.path'], INFER);
    assert.equal(infer.attributes['http.response.status_code'], 200);
    assert.equal(infer.attributes['modelship.revision'], 'iris-predictor-r2');
    assert.equal(batch.attributes['modelship.batch.size'], 1);
    assert.equal(batch.attributes['modelship.batch.rows'], 1);
    assert.equal(typeof batch.attributes['modelship.worker'], 'number');
    assert.equal(infer.resource['service.name'], 'modelship-runtime');
    assert.equal(infer.resource['modelship.inference_service'], 'iris');
    assert.equal(infer.resource['k8s.namespace.name'], 'ml');
    assert.equal(infer.resource['modelship.revision'], 'iris-predictor-r2');
    // Children lie inside their parents in time (compute inside batch, queue before batch).
    const ns = (s: CollectedSpan, k: 'startTimeUnixNano' | 'endTimeUnixNano') => BigInt(s[k]);
    assert.ok(ns(compute, 'startTimeUnixNano') >= ns(batch, 'startTimeUnixNano') && ns(compute, 'endTimeUnixNano') <= ns(batch, 'endTimeUnixNano'));
    assert.ok(ns(queue, 'endTimeUnixNano') <= ns(batch, 'startTimeUnixNano'));
    assert.ok(ns(infer, 'startTimeUnixNano') <= ns(queue, 'startTimeUnixNano') && ns(encode, 'endTimeUnixNano') <= ns(infer, 'endTimeUnixNano'));

    // The access log line and the logged CloudEvents carry the same ids.
    await eventually('the access log line', () => (server.output().includes(`"traceId":"${PARENT_TRACE}"`) ? true : undefined));
    const line = server.output().split('\n').find((l) => l.includes(`"traceId":"${PARENT_TRACE}"`))!;
    assert.equal(JSON.parse(line).spanId, infer.spanId);
    const events = await eventually('the CloudEvents of t-1', () => {
      const got = receiver.events().filter((e) => e.attributes.id === 't-1');
      return got.length === 2 ? got : undefined;
    });
    for (const e of events) assert.equal(e.attributes.traceparent, `00-${PARENT_TRACE}-${infer.spanId}-01`);
  });

  it('a batch run links to the request span of every request it served', async () => {
    const answers = await Promise.all(Array.from({ length: 24 }, (_, i) => postJson(`${server.url}${INFER}`, body(`b-${i}`))));
    assert.deepEqual(new Set(answers.map((a) => a.status)), new Set([200]));
    const batches = await eventually('a batch of several requests', () => {
      const multi = collector.spans().filter((s) => s.name === 'batch' && Number(s.attributes['modelship.batch.size']) > 1);
      return multi.length > 0 ? multi : undefined;
    });
    const all = collector.spans();
    for (const batch of batches) {
      assert.equal(batch.links.length, batch.attributes['modelship.batch.size'], 'one link per request in the run');
      for (const link of batch.links) {
        const request = all.find((s) => s.spanId === link.spanId);
        assert.equal(request?.name, 'infer', 'every link names a request span');
        const queue = all.find((s) => s.name === 'queue' && s.parentSpanId === link.spanId);
        assert.ok(queue, 'every served request has its own queue span');
      }
    }
  });
});

describe('sampling', () => {
  it('samplingRatio 0 starts no trace, but a sampled caller is followed', async () => {
    const server = await runtime(['--tracing-sampling-ratio', '0']);
    const before = collector.spans().length;
    for (let i = 0; i < 5; i++) assert.equal((await postJson(`${server.url}${INFER}`, body(`s-${i}`))).status, 200);
    const followed = 'f1f2f3f4f5f6f7f8f9f0f1f2f3f4f5f6';
    assert.equal((await postJson(`${server.url}${INFER}`, body('s-parent'), { traceparent: `00-${followed}-${PARENT_SPAN}-01` })).status, 200);
    await eventually('the followed trace', () => (inTrace(followed).length >= 5 ? true : undefined));
    const others = collector.spans().slice(before).filter((s) => s.traceId !== followed);
    assert.deepEqual(others.map((s) => s.name), [], 'unsampled requests export nothing');
    // An unsampled caller (flags 00) is followed too: nothing recorded.
    const unsampled = 'a1a2a3a4a5a6a7a8a9a0a1a2a3a4a5a6';
    assert.equal((await postJson(`${server.url}${INFER}`, body('s-off'), { traceparent: `00-${unsampled}-${PARENT_SPAN}-00` })).status, 200);
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0, 'SIGTERM flushes the exporter and exits cleanly');
    assert.equal(inTrace(unsampled).length, 0);
  });
});
