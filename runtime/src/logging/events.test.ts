import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HTTP } from 'cloudevents';
import { cloudEventMessage, jsonlLine, REQUEST_TYPE, type PayloadEvent } from './events.ts';

const event: PayloadEvent = {
  id: 'req-1',
  type: REQUEST_TYPE,
  time: '2026-11-29T10:00:00.000Z',
  identity: { inferenceService: 'iris', namespace: 'ml', component: 'predictor', revision: 'iris-predictor-abc' },
  traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
  metadata: { 'x-user': 'ada' },
  body: '{"inputs":[{"name":"x","shape":[1],"datatype":"FP32","data":[1]}]}',
};

test('a CloudEvent in binary content mode carries KServe\'s attributes as ce- headers and the payload as the body', () => {
  const { headers, body } = cloudEventMessage(event);
  assert.equal(headers['ce-specversion'], '1.0');
  assert.equal(headers['ce-id'], 'req-1');
  assert.equal(headers['ce-type'], 'org.kubeflow.serving.inference.request');
  assert.equal(headers['ce-source'], '/namespaces/ml/inferenceservices/iris/predictor');
  assert.equal(headers['ce-inferenceservicename'], 'iris');
  assert.equal(headers['ce-namespace'], 'ml');
  assert.equal(headers['ce-component'], 'predictor');
  assert.equal(headers['ce-endpoint'], 'iris-predictor-abc');
  assert.equal(headers['ce-traceparent'], event.traceparent);
  assert.equal(headers['ce-metadata'], '{"x-user":"ada"}');
  assert.equal(headers['content-type'], 'application/json');
  assert.equal(body, event.body);
  // The SDK's own reader accepts what we send.
  const back = HTTP.toEvent({ headers, body }) as unknown as { id: string; data: unknown; endpoint: string };
  assert.equal(back.id, 'req-1');
  assert.equal(back.endpoint, 'iris-predictor-abc');
  assert.deepEqual(back.data, JSON.parse(event.body));
});

test('without tracing or metadata headers those attributes are absent', () => {
  const { headers } = cloudEventMessage({ ...event, traceparent: undefined, metadata: undefined });
  assert.equal(headers['ce-traceparent'], undefined);
  assert.equal(headers['ce-metadata'], undefined);
});

test('a JSONL line is one line of JSON with the attributes and the payload under data, even for pretty-printed bodies', () => {
  const pretty = { ...event, body: '{\n  "inputs": [\n    {"name": "x", "shape": [1], "datatype": "FP32", "data": [1]}\n  ]\n}' };
  for (const e of [event, pretty]) {
    const line = jsonlLine(e);
    assert.ok(line.endsWith('\n'));
    assert.equal(line.slice(0, -1).includes('\n'), false);
    const parsed = JSON.parse(line);
    assert.equal(parsed.id, 'req-1');
    assert.equal(parsed.type, REQUEST_TYPE);
    assert.equal(parsed.endpoint, 'iris-predictor-abc');
    assert.deepEqual(parsed.metadata, { 'x-user': 'ada' });
    assert.deepEqual(parsed.data, JSON.parse(e.body));
  }
});

test('with a variant (--variant) events carry it: a ce-variant extension and a JSONL field', () => {
  const withVariant = { ...event, identity: { ...event.identity, variant: 'b' } };
  assert.equal(cloudEventMessage(withVariant).headers['ce-variant'], 'b');
  assert.equal(JSON.parse(jsonlLine(withVariant)).variant, 'b');
  assert.equal(cloudEventMessage(event).headers['ce-variant'], undefined);
  assert.equal(JSON.parse(jsonlLine(event)).variant, undefined);
});
