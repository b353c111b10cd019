// Payload logging end to end on real sinks: the runtime (a child process)
// sends CloudEvents to a receiver built on the official CloudEvents Python SDK
// and JSONL files to MinIO and to a directory, read back with DuckDB. Faults
// (500s, a slow sink, a sink that is down, one that refuses TLS) never touch
// inference; losses are counted; delivery resumes when the sink is back.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { ModelInferRequestSchema, ModelInferResponseSchema } from '../../runtime/src/grpc/gen/grpc_predict_v2_pb.ts';
import { GrpcTestClient } from '../runtime/support/grpc.ts';
import { startChildServer, postJson, type ChildServer } from '../runtime/support/server.ts';
import { duckdb, eventually, metricValue, MINIO_PASSWORD, MINIO_USER, startMinio, startReceiver, stopProcess, type Minio, type Receiver } from './support.ts';

const IRIS = 'examples/models/iris.onnx';
const ROWS = [5.1, 3.5, 1.4, 0.2, 6.3, 3.3, 6.0, 2.5];
const INFER = '/v2/models/iris/infer';
const IDENTITY = ['--inference-service', 'iris', '--namespace', 'ml', '--revision', 'iris-predictor-r1', '--shutdown-grace-seconds', '10'];
const v2Request = (id?: string) => ({ ...(id !== undefined ? { id } : {}), inputs: [{ name: 'input', datatype: 'FP32', shape: [2, 4], data: ROWS }] });

let scratch: string;
const started: ChildServer[] = [];

async function runtime(flags: string[], env: NodeJS.ProcessEnv = process.env): Promise<ChildServer> {
  const server = await startChildServer(IRIS, [...IDENTITY, ...flags], 'iris', env);
  started.push(server);
  return server;
}

const events = (r: Receiver, id: string) => r.events().filter((e) => e.attributes.id === id);

before(() => {
  scratch = mkdtempSync(path.join(os.tmpdir(), 'modelship-observe-'));
});

after(async () => {
  for (const s of started) await stopProcess(s.child);
  rmSync(scratch, { recursive: true, force: true });
});

describe('HTTP sink: CloudEvents decoded by the official SDK', () => {
  let receiver: Receiver;
  let server: ChildServer;

  before(async () => {
    receiver = await startReceiver();
    server = await runtime(['--logger-url', `${receiver.url}/events`, '--logger-metadata-headers', 'X-User,x-missing']);
  });
  after(async () => {
    await receiver.stop();
  });

  it('sends a request and a response event per call with every attribute KServe sinks expect', async () => {
    const answer = await postJson(`${server.url}${INFER}`, v2Request('req-1'), { 'x-user': 'ada' });
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get('x-request-id'), null, 'the body named an id: no generated one');
    const [request, response] = await eventually('both events of req-1', () => {
      const got = events(receiver, 'req-1');
      return got.length === 2 ? got.sort((a, b) => String(a.attributes.type).localeCompare(String(b.attributes.type))) : undefined;
    });
    for (const [event, type] of [[request!, 'org.kubeflow.serving.inference.request'], [response!, 'org.kubeflow.serving.inference.response']] as const) {
      const a = event.attributes;
      assert.equal(a.specversion, '1.0');
      assert.equal(a.id, 'req-1');
      assert.equal(a.type, type);
      assert.equal(a.source, '/namespaces/ml/inferenceservices/iris/predictor');
      assert.equal(a.inferenceservicename, 'iris');
      assert.equal(a.namespace, 'ml');
      assert.equal(a.component, 'predictor');
      assert.equal(a.endpoint, 'iris-predictor-r1');
      assert.equal(a.datacontenttype, 'application/json');
      assert.ok(!Number.isNaN(Date.parse(String(a.time))), `time ${a.time}`);
      assert.equal(a.traceparent, undefined, 'tracing is off');
      assert.deepEqual(JSON.parse(String(a.metadata)), { 'x-user': 'ada' }, 'only the named headers that were sent');
      assert.equal(event.headers['content-type'], 'application/json', 'binary content mode: the body is the payload');
    }
    assert.deepEqual(request!.data, v2Request('req-1'));
    assert.deepEqual(response!.data, answer.body);
    assert.deepEqual(receiver.errors(), []);
  });

  it('a request without an id gets a generated one, returned in X-Request-Id and used as ce-id', async () => {
    const answer = await postJson(`${server.url}${INFER}`, v2Request());
    assert.equal(answer.status, 200);
    const id = answer.headers.get('x-request-id');
    assert.match(id ?? '', /^[0-9a-f-]{36}$/);
    const got = await eventually('both events of the generated id', () => (events(receiver, id!).length === 2 ? events(receiver, id!) : undefined));
    assert.deepEqual(new Set(got.map((e) => e.attributes.type)), new Set(['org.kubeflow.serving.inference.request', 'org.kubeflow.serving.inference.response']));
    assert.equal(got.find((e) => e.attributes.metadata !== undefined), undefined, 'no named header was sent: no metadata attribute');
  });

  it('binary tensors are decoded in the logged request and response', async () => {
    const header = Buffer.from(JSON.stringify({
      id: 'bin-1',
      inputs: [{ name: 'input', datatype: 'FP32', shape: [2, 4], parameters: { binary_data_size: 32 } }],
      outputs: [{ name: 'probabilities', parameters: { binary_data: true } }],
    }));
    const body = Buffer.concat([header, Buffer.from(new Float32Array(ROWS).buffer)]);
    const res = await fetch(`${server.url}${INFER}`, { method: 'POST', headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(header.length) }, body });
    assert.equal(res.status, 200);
    const raw = Buffer.from(await res.arrayBuffer());
    const headerLength = Number(res.headers.get('inference-header-content-length'));
    const probabilities = Array.from(new Float32Array(raw.subarray(headerLength).buffer.slice(raw.byteOffset + headerLength, raw.byteOffset + raw.length)));
    const got = await eventually('both events of bin-1', () => (events(receiver, 'bin-1').length === 2 ? events(receiver, 'bin-1') : undefined));
    const request = got.find((e) => String(e.attributes.type).endsWith('request'))!.data as any;
    const response = got.find((e) => String(e.attributes.type).endsWith('response'))!.data as any;
    assert.deepEqual(request.inputs[0].data.map((x: number) => Math.fround(x)), ROWS.map(Math.fround));
    assert.equal(request.inputs[0].parameters, undefined, 'no binary_data_size left in the logged request');
    assert.deepEqual(response.outputs[0].shape, [2, 3]);
    assert.deepEqual(response.outputs[0].data.map((x: number) => Math.fround(x)), probabilities.map(Math.fround));
  });

  it('KServe v1 predict calls are logged too', async () => {
    const answer = await postJson(`${server.url}/v1/models/iris:predict`, { instances: [ROWS.slice(0, 4)] });
    assert.equal(answer.status, 200);
    const id = answer.headers.get('x-request-id')!;
    const got = await eventually('both v1 events', () => (events(receiver, id).length === 2 ? events(receiver, id) : undefined));
    assert.deepEqual(got.find((e) => String(e.attributes.type).endsWith('request'))!.data, { instances: [ROWS.slice(0, 4)] });
    assert.deepEqual(got.find((e) => String(e.attributes.type).endsWith('response'))!.data, answer.body);
  });

  it('gRPC ModelInfer calls are logged with the same attributes, tensors decoded', async () => {
    const client = new GrpcTestClient(server.grpcPort);
    try {
      const reply = await client.call('ModelInfer', ModelInferRequestSchema, {
        modelName: 'iris', id: 'grpc-1', inputs: [{ name: 'input', datatype: 'FP32', shape: [2n, 4n], contents: { fp32Contents: ROWS } }],
      }, ModelInferResponseSchema);
      assert.equal(reply.id, 'grpc-1');
      const got = await eventually('both gRPC events', () => (events(receiver, 'grpc-1').length === 2 ? events(receiver, 'grpc-1') : undefined));
      const request = got.find((e) => String(e.attributes.type).endsWith('request'))!;
      const response = got.find((e) => String(e.attributes.type).endsWith('response'))!;
      assert.equal(request.attributes.endpoint, 'iris-predictor-r1');
      assert.deepEqual((request.data as any).inputs[0].data.map(Math.fround), ROWS.map(Math.fround));
      assert.deepEqual((response.data as any).outputs.map((o: { name: string }) => o.name), ['label', 'probabilities']);
      assert.deepEqual((response.data as any).outputs[0].data.length, 2);
    } finally {
      client.close();
    }
  });

  it('a sink answering 500 or slowly never touches inference; failures are counted and delivery resumes', async () => {
    const failed = () => metricValue(server.metricsUrl, 'modelship_logger_events_total', { sink: 'http', outcome: 'failed' });
    const before = await failed();
    await receiver.fault(500);
    for (let i = 0; i < 5; i++) assert.equal((await postJson(`${server.url}${INFER}`, v2Request(`err-${i}`))).status, 200);
    // 5 retries with 100 ms .. 1.6 s backoff, then the 10 events are given up and counted.
    await eventually('the failures to be counted', async () => ((await failed()) - before >= 10 ? true : undefined), 30_000);
    assert.equal(events(receiver, 'err-0').length, 0);

    await receiver.fault(202, 1500);
    const slow = await postJson(`${server.url}${INFER}`, v2Request('slow-1'));
    assert.equal(slow.status, 200);
    assert.equal(events(receiver, 'slow-1').length, 0, 'the answer came back before the sink took the event');
    await eventually('the slow sink to get both events', () => (events(receiver, 'slow-1').length === 2 ? true : undefined));

    await receiver.fault(202, 0);
    assert.equal((await postJson(`${server.url}${INFER}`, v2Request('back-1'))).status, 200);
    await eventually('delivery after recovery', () => (events(receiver, 'back-1').length === 2 ? true : undefined));
    assert.ok((await metricValue(server.metricsUrl, 'modelship_logger_events_total', { sink: 'http', outcome: 'sent' })) >= 10);
  });

  it('a sink that is down: inference answers, events fail and are counted, and a restarted sink receives again', async () => {
    const failed = () => metricValue(server.metricsUrl, 'modelship_logger_events_total', { sink: 'http', outcome: 'failed' });
    const before = await failed();
    const port = receiver.port;
    await receiver.stop();
    for (let i = 0; i < 3; i++) assert.equal((await postJson(`${server.url}${INFER}`, v2Request(`down-${i}`))).status, 200);
    await eventually('the failures to be counted', async () => ((await failed()) - before >= 6 ? true : undefined), 30_000);
    assert.match(server.output(), /"message":"payload logger lost events".*"sink":"http"/);
    receiver = await startReceiver(port);
    assert.equal((await postJson(`${server.url}${INFER}`, v2Request('up-1'))).status, 200);
    await eventually('delivery to the restarted sink', () => (events(receiver, 'up-1').length === 2 ? true : undefined));
  });
});

describe('faults that fill the queue', () => {
  it('a sink that refuses TLS and a full queue: every answer is 200, drops and failures are counted', async () => {
    const plain = await startReceiver();
    try {
      // https:// to a plain-HTTP server: every delivery fails in the TLS handshake.
      const server = await runtime(['--logger-url', `https://127.0.0.1:${plain.port}/`, '--logger-queue-size', '4']);
      const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => postJson(`${server.url}${INFER}`, v2Request(`tls-${i}`))));
      assert.deepEqual(new Set(answers.map((a) => a.status)), new Set([200]));
      const dropped = await metricValue(server.metricsUrl, 'modelship_logger_events_total', { sink: 'http', outcome: 'dropped' });
      assert.ok(dropped > 0, 'a queue of 4 cannot take 80 events while the sink fails');
      await eventually('TLS failures to be counted', async () => ((await metricValue(server.metricsUrl, 'modelship_logger_events_total', { sink: 'http', outcome: 'failed' })) > 0 ? true : undefined), 30_000);
      assert.equal(plain.events().length, 0);
      assert.equal((server.output().match(/payload logger lost events/g) ?? []).length, 1, 'one warning per interval');
    } finally {
      await plain.stop();
    }
  });
});

describe('blob sink', () => {
  it('samples 10% +- 2 points of 10,000 requests and flushes the queue on SIGTERM', async () => {
    const dir = path.join(scratch, 'sampled');
    // A flush interval far beyond the test: only the SIGTERM flush writes the file.
    const server = await runtime(['--logger-storage-uri', `file://${dir}`, '--logger-sample-rate', '0.1', '--logger-mode', 'request', '--logger-flush-interval-ms', '600000', '--logger-queue-size', '100000']);
    const body = JSON.stringify(v2Request());
    let next = 0;
    await Promise.all(Array.from({ length: 32 }, async () => {
      while (next < 10_000) {
        next++;
        const res = await fetch(`${server.url}${INFER}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        assert.equal(res.status, 200);
        await res.arrayBuffer();
      }
    }));
    assert.deepEqual(readdirSync(scratch).includes('sampled'), false, 'nothing written before the interval or SIGTERM');
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0);
    const rows = duckdb(`select count(*) as n, count(distinct id) as ids, min(type) as type, min(endpoint) as endpoint from read_json_auto('${dir}/**/*.jsonl', hive_partitioning = true, format = 'newline_delimited')`);
    const n = Number(rows[0]!.n);
    assert.ok(n >= 800 && n <= 1200, `${n} of 10,000 requests logged at sampleRate 0.1`);
    assert.equal(Number(rows[0]!.ids), n, 'one request event per sampled request');
    assert.equal(rows[0]!.type, 'org.kubeflow.serving.inference.request');
    assert.equal(rows[0]!.endpoint, 'iris-predictor-r1');
  });

  describe('on MinIO', () => {
    let minio: Minio;
    before(async () => {
      minio = await startMinio();
    });
    after(async () => {
      await minio?.stop();
    });

    it('writes time-partitioned JSONL that DuckDB joins back into request/response pairs', async () => {
      const s3 = new S3Client({ region: 'us-east-1', endpoint: minio.endpoint, forcePathStyle: true, credentials: { accessKeyId: MINIO_USER, secretAccessKey: MINIO_PASSWORD } });
      await s3.send(new CreateBucketCommand({ Bucket: 'payloads' }));
      const env = { ...process.env, AWS_ACCESS_KEY_ID: MINIO_USER, AWS_SECRET_ACCESS_KEY: MINIO_PASSWORD, AWS_ENDPOINT_URL: minio.endpoint, AWS_REGION: 'us-east-1' };
      const server = await runtime(['--logger-storage-uri', 's3://payloads/iris/', '--logger-flush-interval-ms', '300'], env);
      for (let i = 0; i < 30; i++) assert.equal((await postJson(`${server.url}${INFER}`, v2Request(`blob-${i}`))).status, 200);
      const local = path.join(scratch, 'minio-copy');
      const keys = await eventually('60 events in MinIO', async () => {
        const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'payloads', Prefix: 'iris/' }));
        const all = (listed.Contents ?? []).map((o) => o.Key!);
        let lines = 0;
        for (const key of all) {
          const text = await (await s3.send(new GetObjectCommand({ Bucket: 'payloads', Key: key }))).Body!.transformToString();
          mkdirSync(path.dirname(path.join(local, key)), { recursive: true });
          writeFileSync(path.join(local, key), text);
          lines += text.split('\n').filter((l) => l !== '').length;
        }
        return lines >= 60 ? all : undefined;
      }, 30_000);
      const now = new Date();
      for (const key of keys) assert.match(key, new RegExp(`^iris/year=${now.getUTCFullYear()}/month=\\d{2}/day=\\d{2}/hour=\\d{2}/iris-predictor-r1-.+-\\d{8}T\\d{6}Z-\\d{6}\\.jsonl$`));
      const pairs = duckdb(`
        with e as (select * from read_json_auto('${local}/**/*.jsonl', hive_partitioning = true, format = 'newline_delimited'))
        select q.id, q.data.inputs[1].shape as shape, r.data.outputs[1].name as output, q.year, q.endpoint, q.namespace
        from e q join e r on q.id = r.id and q.type like '%request' and r.type like '%response' order by q.id`);
      assert.equal(pairs.length, 30);
      assert.equal(pairs[0]!.id, 'blob-0');
      assert.deepEqual(pairs[0]!.shape, [2, 4]);
      assert.equal(pairs[0]!.output, 'label');
      assert.equal(Number(pairs[0]!.year), now.getUTCFullYear());
      assert.equal(pairs[0]!.endpoint, 'iris-predictor-r1');
      assert.equal(pairs[0]!.namespace, 'ml');
      assert.ok((await metricValue(server.metricsUrl, 'modelship_logger_events_total', { sink: 'blob', outcome: 'sent' })) >= 60);
      s3.destroy();
    });
  });
});
